// The builtin layout registry: parsed once from the compiled-in JSON, immutable after.
#include <algorithm>

#include "builtin_layouts_data.hpp"
#include "skipopu/dsp/packing.hpp"
#include "skipopu/error.hpp"

namespace skipopu::dsp {

namespace {

const std::vector<PackingLayout>& registry() {
  static const std::vector<PackingLayout> layouts = [] {
    std::vector<PackingLayout> v;
    for (unsigned i = 0; i < detail::kBuiltinLayoutCount; ++i) {
      const auto& t = detail::kBuiltinLayoutTexts[i];
      const Json doc = Json::parse(t.text);
      v.push_back(parse_layout(doc, t.file));
    }
    std::sort(v.begin(), v.end(), [](const PackingLayout& a, const PackingLayout& b) { return a.name < b.name; });
    return v;
  }();
  return layouts;
}

}  // namespace

std::vector<std::string> builtin_layout_names() {
  std::vector<std::string> n;
  for (const auto& l : registry()) n.push_back(l.name);
  return n;
}

const PackingLayout& builtin_layout(const std::string& name) {
  for (const auto& l : registry())
    if (l.name == name) return l;
  std::string valid;
  for (const auto& n : builtin_layout_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw InputError("dsp layout: unknown layout \"" + name + "\" (expected one of: " + valid + ")");
}

}  // namespace skipopu::dsp

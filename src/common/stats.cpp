#include "skipopu/stats.hpp"

#include <cstdio>

namespace skipopu {

StatGroup::StatGroup(std::string name, std::string desc) : name_(std::move(name)), desc_(std::move(desc)) {}

StatGroup& StatGroup::group(const std::string& name, const std::string& desc) {
  for (auto& g : groups_)
    if (g.name_ == name) return g;
  groups_.emplace_back(name, desc);
  return groups_.back();
}

void StatGroup::add(const std::string& name, uint64_t value, const std::string& unit, const std::string& desc) {
  Stat s;
  s.name = name; s.unit = unit; s.desc = desc; s.is_int = true; s.ivalue = value;
  stats_.push_back(std::move(s));
}

void StatGroup::add_real(const std::string& name, double value, const std::string& unit, const std::string& desc) {
  Stat s;
  s.name = name; s.unit = unit; s.desc = desc; s.is_int = false; s.dvalue = value;
  stats_.push_back(std::move(s));
}

const Stat* StatGroup::find(const std::string& path) const {
  const size_t dot = path.find('.');
  if (dot == std::string::npos) {
    for (const auto& s : stats_)
      if (s.name == path) return &s;
    return nullptr;
  }
  const std::string head = path.substr(0, dot);
  for (const auto& g : groups_)
    if (g.name_ == head) return g.find(path.substr(dot + 1));
  return nullptr;
}

std::string format_real(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

Json StatGroup::to_json() const {
  Json j = Json::object();
  if (!desc_.empty()) j["desc"] = desc_;
  Json stats = Json::object();
  for (const auto& s : stats_) {
    Json e = Json::object();
    if (s.is_int) e["value"] = s.ivalue; else e["value"] = std::stod(format_real(s.dvalue));
    e["unit"] = s.unit;
    e["desc"] = s.desc;
    stats[s.name] = e;
  }
  if (!stats.empty()) j["stats"] = stats;
  if (!groups_.empty()) {
    Json g = Json::object();
    for (const auto& c : groups_) g[c.name_] = c.to_json();
    j["groups"] = g;
  }
  return j;
}

void StatGroup::print(std::string& out, int indent, bool verbose) const {
  const std::string pad(indent * 2, ' ');
  if (!name_.empty()) {
    out += pad + name_;
    if (!desc_.empty()) out += "  -- " + desc_;
    out += "\n";
  }
  const std::string spad = name_.empty() ? pad : pad + "  ";
  for (const auto& s : stats_) {
    std::string line = spad + s.name;
    if (line.size() < 40) line.resize(40, ' ');
    std::string val = s.is_int ? std::to_string(s.ivalue) : format_real(s.dvalue);
    if (val.size() < 16) val.insert(0, 16 - val.size(), ' ');
    line += " " + val + " " + s.unit;
    if (line.size() < 68) line.resize(68, ' ');
    out += line + " # " + s.desc + "\n";
  }
  size_t hidden = 0;
  for (const auto& g : groups_) {
    if (g.detail_ && !verbose) { ++hidden; continue; }
    g.print(out, name_.empty() ? indent : indent + 1, verbose);
  }
  if (hidden) out += spad + "(" + std::to_string(hidden) + " detail groups in the JSON report; --verbose prints them)\n";
}

}  // namespace skipopu

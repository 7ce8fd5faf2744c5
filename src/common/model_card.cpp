#include "skipopu/model_card.hpp"

#include <fstream>

#include "skipopu/error.hpp"
#include "skipopu/json_reader.hpp"

namespace skipopu {

ModelCard load_model_card(const std::string& path) {
  const Json doc = load_json_file(path);
  JsonReader r(doc, path);
  ModelCard m;
  m.name = r.str("name");
  if (m.name.empty() || m.name.find_first_of(" \t\n") != std::string::npos)
    r.fail("name", "expected a non-empty name without spaces");
  r.str("description");
  m.layers = static_cast<uint32_t>(r.u64("layers", 1, 1024));
  m.d_model = static_cast<uint32_t>(r.u64("d_model", 1, 1u << 20));
  m.heads = static_cast<uint32_t>(r.u64("heads", 1, 4096));
  m.kv_heads = static_cast<uint32_t>(r.u64("kv_heads", 1, 4096));
  m.head_dim = static_cast<uint32_t>(r.u64("head_dim", 1, 4096));
  m.d_ff = static_cast<uint32_t>(r.u64("d_ff", 1, 1u << 22));
  m.vocab = static_cast<uint32_t>(r.u64("vocab", 1, 1u << 24));
  m.norm = r.choice("norm", {"rmsnorm"});
  m.norm_eps = r.real("norm_eps", 0.0, 1.0);
  m.activation = r.choice("activation", {"swiglu"});
  JsonReader rope = r.object("rope");
  m.rope_theta = rope.real("theta", 1.0, 1e12);
  if (rope.has("scaling")) {  // optional: absent means no scaling
    JsonReader sc = rope.object("scaling");
    m.rope_scaling = sc.choice("type", {"linear", "dynamic", "llama3"});
    m.rope_factor = sc.real("factor", 1.0, 1e6);
    if (m.rope_scaling == "llama3") {
      m.rope_low_freq_factor = sc.real("low_freq_factor", 0.0, 1e6);
      m.rope_high_freq_factor = sc.real("high_freq_factor", 0.0, 1e6);
      m.rope_original_max_seq_len = static_cast<uint32_t>(sc.u64("original_max_seq_len", 1, 1u << 24));
      if (!(m.rope_high_freq_factor > m.rope_low_freq_factor))
        sc.fail("high_freq_factor", "expected a number above low_freq_factor");
    }
    sc.finish();
  }
  rope.finish();
  m.max_seq_len = static_cast<uint32_t>(r.u64("max_seq_len", 1, 1u << 24));
  r.finish();
  if (m.heads % m.kv_heads != 0)
    r.fail("kv_heads", "expected a divisor of heads (" + std::to_string(m.heads) + ")");
  if (m.head_dim % 2 != 0) r.fail("head_dim", "expected an even number (RoPE rotates pairs)");
  return m;
}

std::string resolve_model_path(const std::string& name_or_path, const std::string& data_dir) {
  if (name_or_path.find('/') != std::string::npos || (name_or_path.size() > 5 &&
      name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0))
    return name_or_path;
  return data_dir + "/models/" + name_or_path + ".json";
}

}  // namespace skipopu

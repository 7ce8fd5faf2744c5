// LLM model card: the shapes the overlay compiler and the trace need.
//
// Loaded from models/<name>.json (schema in models/README.md), validated once.
// Only decoder-only Llama-style models: pre-norm, rotary positions, gated MLP.
#pragma once
#include <cstdint>
#include <string>

namespace skipopu {

struct ModelCard {
  std::string name;        // e.g. "llama2-7b"; traces name their model by this
  uint32_t layers = 0;     // decoder layers
  uint32_t d_model = 0;    // hidden size
  uint32_t heads = 0;      // query heads
  uint32_t kv_heads = 0;   // key/value heads (== heads for MHA, fewer for GQA)
  uint32_t head_dim = 0;   // per-head dimension
  uint32_t d_ff = 0;       // MLP intermediate size
  uint32_t vocab = 0;      // vocabulary size (LM head rows)
  std::string norm;        // "rmsnorm"
  double norm_eps = 0;
  std::string activation;  // "swiglu"
  double rope_theta = 0;   // RoPE base
  // RoPE frequency scaling for long contexts (optional "rope.scaling" in the card). It changes
  // the rotation angles only, which the overlay precomputes: no cycle or byte depends on it.
  std::string rope_scaling = "none";  // "none" | "linear" | "dynamic" | "llama3"
  double rope_factor = 1;             // context extension factor
  double rope_low_freq_factor = 0, rope_high_freq_factor = 0;  // llama3 only
  uint32_t rope_original_max_seq_len = 0;                       // llama3 only
  uint32_t max_seq_len = 0;

  uint32_t q_dim() const { return heads * head_dim; }
  uint32_t kv_dim() const { return kv_heads * head_dim; }
  // Weights per layer, by module (elements, not bytes).
  uint64_t attn_q_weights() const { return uint64_t(d_model) * q_dim(); }
  uint64_t attn_kv_weights() const { return 2ull * d_model * kv_dim(); }
  uint64_t attn_o_weights() const { return uint64_t(q_dim()) * d_model; }
  uint64_t attn_weights() const { return attn_q_weights() + attn_kv_weights() + attn_o_weights(); }
  uint64_t mlp_weights() const { return 3ull * d_model * d_ff; }
  uint64_t lm_head_weights() const { return uint64_t(vocab) * d_model; }
};

// Loads and validates a model card; errors name the file and the key.
ModelCard load_model_card(const std::string& path);

// Resolves a model name or path: "llama2-7b" -> <data_dir>/models/llama2-7b.json.
std::string resolve_model_path(const std::string& name_or_path, const std::string& data_dir);

}  // namespace skipopu

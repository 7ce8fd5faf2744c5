// skipopu import-model: a model card (models/README.md) from a Hugging Face config.json.
//
// Supported: Llama-family decoder-only models (model_type "llama": Llama 2, Llama 3/3.1/3.2,
// GQA, RoPE scaling linear/dynamic/llama3). What the simulator cannot model yet (sliding-window
// attention, mixture of experts, biases, other activations or RoPE variants) is one error line
// naming the file and the key. Keys that do not change the decoder's shapes (token ids, dtype,
// initialiser, ...) are read and ignored; any other key is an error, so a new architecture
// feature is never dropped silently.
#include <iostream>
#include <nlohmann/json.hpp>

#include "data_dir.hpp"
#include "options.hpp"
#include "output.hpp"
#include "skipopu/error.hpp"
#include "skipopu/json_reader.hpp"
#include "skipopu/model_card.hpp"

namespace skipopu::cli {

namespace {

// Keys that change nothing the simulator models (training, tokenizer, serialisation).
const char* const kIgnored[] = {
    "architectures", "bos_token_id", "eos_token_id", "pad_token_id", "initializer_range", "pretraining_tp",
    "torch_dtype", "transformers_version", "use_cache", "tie_word_embeddings", "_name_or_path", "attention_dropout",
    "output_attentions", "output_hidden_states", "return_dict", "max_sequence_length"};

bool present(const Json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>());
}

}  // namespace

int cmd_import_model(const Args& args) {
  std::string config, name, out, data_dir;
  po::options_description desc("import-model options");
  desc.add_options()
      ("hf-config", po::value(&config)->required(), "the model's Hugging Face config.json")
      ("name", po::value(&name)->required(), "the card's name (no spaces); traces name their model by it")
      ("out", po::value(&out), "write the card here (atomically); default stdout")
      ("data-dir", po::value(&data_dir), "accepted as by every command; import-model reads no data files");
  po::variables_map vm;
  if (!parse_options("import-model", args, desc, vm, "--hf-config config.json --name NAME [--out models/NAME.json]"))
    return kExitOk;
  if (name.empty() || name.find_first_of(" \t\r\n/") != std::string::npos)
    throw InputError("command line: --name: expected a non-empty name without spaces or '/', got '" + name + "'");

  const Json doc = load_json_file(config);
  if (!doc.is_object()) throw_input_error(config, "/", "expected a JSON object (a Hugging Face config.json)");
  // Unsupported architecture features first: one line saying what is not supported.
  for (const char* k : {"num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok", "moe_intermediate_size"})
    if (present(doc, k))
      throw_input_error(config, std::string("/") + k,
                        "mixture-of-experts models are not supported yet (SkipOPU-sim models dense Llama-family decoders)");
  for (const char* k : {"sliding_window", "use_sliding_window"})
    if (present(doc, k))
      throw_input_error(config, std::string("/") + k,
                        "sliding-window attention is not supported yet (every token attends to the whole context)");

  JsonReader r(doc, config);
  const std::string type = r.str("model_type");
  if (type != "llama")
    r.fail("model_type", "expected \"llama\" (Llama 2/3 family; other architectures are not supported yet), got \"" +
                             type + "\"");
  for (const char* k : kIgnored)
    if (r.has(k)) r.raw(k);
  for (const char* k : {"attention_bias", "mlp_bias"})
    if (r.has(k) && r.boolean(k)) r.fail(k, "expected false: linear layers with biases are not supported yet");
  if (r.has("hidden_act") && r.str("hidden_act") != "silu")
    r.fail("hidden_act", "expected \"silu\" (SwiGLU MLP), got \"" + doc["hidden_act"].get<std::string>() + "\"");
  const uint64_t d = r.u64("hidden_size", 1, 1u << 20);
  const uint64_t heads = r.u64("num_attention_heads", 1, 4096);
  // Defaults as in transformers' LlamaConfig: MHA when absent; head_dim = hidden_size / heads.
  const uint64_t kv_heads = r.has("num_key_value_heads") ? r.u64("num_key_value_heads", 1, 4096) : heads;
  if (!r.has("head_dim") && d % heads != 0)
    r.fail("num_attention_heads", "expected a divisor of hidden_size (" + std::to_string(d) + ") when head_dim is absent");
  const uint64_t head_dim = r.has("head_dim") ? r.u64("head_dim", 1, 4096) : d / heads;
  if (heads % kv_heads != 0)
    r.fail("num_key_value_heads", "expected a divisor of num_attention_heads (" + std::to_string(heads) + ")");

  nlohmann::ordered_json card;
  card["name"] = name;
  card["description"] = "imported by skipopu import-model from " + config + " (model_type llama)";
  card["layers"] = r.u64("num_hidden_layers", 1, 1024);
  card["d_model"] = d;
  card["heads"] = heads;
  card["kv_heads"] = kv_heads;
  card["head_dim"] = head_dim;
  card["d_ff"] = r.u64("intermediate_size", 1, 1u << 22);
  card["vocab"] = r.u64("vocab_size", 1, 1u << 24);
  card["norm"] = "rmsnorm";
  card["norm_eps"] = r.real("rms_norm_eps", 0.0, 1.0);
  card["activation"] = "swiglu";
  nlohmann::ordered_json rope;
  rope["theta"] = r.has("rope_theta") ? r.real("rope_theta", 1.0, 1e12) : 10000.0;  // LlamaConfig's default
  if (r.has("rope_scaling") && doc["rope_scaling"].is_null()) r.raw("rope_scaling");  // null: no scaling
  if (r.has("rope_scaling") && !doc["rope_scaling"].is_null()) {
    JsonReader sc = r.object("rope_scaling");
    // transformers spells the type "rope_type" (since 4.43) or "type" (before); both may appear.
    std::string t;
    if (sc.has("rope_type")) t = sc.choice("rope_type", {"linear", "dynamic", "llama3", "default"});
    if (sc.has("type")) {
      const std::string t2 = sc.choice("type", {"linear", "dynamic", "llama3", "default"});
      if (!t.empty() && t != t2) sc.fail("type", "expected the same as rope_type (\"" + t + "\"), got \"" + t2 + "\"");
      t = t2;
    }
    if (t.empty()) r.fail("rope_scaling", "expected \"rope_type\" (linear, dynamic or llama3)");
    if (t != "default") {
      nlohmann::ordered_json s;
      s["type"] = t;
      s["factor"] = sc.real("factor", 1.0, 1e6);
      if (t == "llama3") {
        s["low_freq_factor"] = sc.real("low_freq_factor", 0.0, 1e6);
        s["high_freq_factor"] = sc.real("high_freq_factor", 0.0, 1e6);
        s["original_max_seq_len"] = sc.u64("original_max_position_embeddings", 1, 1u << 24);
      }
      rope["scaling"] = s;
    }
    sc.finish();
  }
  card["rope"] = rope;
  card["max_seq_len"] = r.u64("max_position_embeddings", 1, 1u << 24);
  try {
    r.finish();
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) +
                     " (import-model does not know whether it changes the architecture; models/README.md)");
  }
  const std::string text = card.dump(2) + "\n";
  if (out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  write_file_atomically(out, text);
  load_model_card(out);  // the card passes the simulator's own validation
  std::cerr << "wrote " << out << ": " << card["layers"] << " layers, d_model " << d << ", " << heads << " heads ("
            << kv_heads << " KV), d_ff " << card["d_ff"] << "\n";
  return kExitOk;
}

}  // namespace skipopu::cli

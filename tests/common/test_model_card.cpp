// Model cards: the optional rope.scaling object (import-model writes it; models/README.md).
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "skipopu/error.hpp"
#include "skipopu/model_card.hpp"

namespace {

const std::string kCard = R"({"name": "m", "description": "d", "layers": 2, "d_model": 256, "heads": 4,
  "kv_heads": 2, "head_dim": 64, "d_ff": 512, "vocab": 1024, "norm": "rmsnorm", "norm_eps": 1e-5,
  "activation": "swiglu", "rope": {"theta": 500000.0ROPE}, "max_seq_len": 4096})";

std::string card_with(const std::string& rope_extra) {
  std::string s = kCard;
  s.replace(s.find("ROPE"), 4, rope_extra);
  const std::string path = "/tmp/skipopu-test-card-" + std::to_string(std::hash<std::string>()(s)) + ".json";
  std::ofstream(path) << s;
  return path;
}

std::string error_of(const std::string& rope_extra) {
  const std::string path = card_with(rope_extra);
  try {
    skipopu::load_model_card(path);
  } catch (const skipopu::InputError& e) {
    std::remove(path.c_str());
    return std::string(e.what()).substr(path.size() + 2);
  }
  std::remove(path.c_str());
  return "";
}

}  // namespace

TEST_CASE("rope.scaling is optional (absent: none)") {
  const std::string path = card_with("");
  const skipopu::ModelCard m = skipopu::load_model_card(path);
  std::remove(path.c_str());
  CHECK(m.rope_scaling == "none");
  CHECK(m.rope_factor == 1.0);
}

TEST_CASE("rope.scaling llama3 and linear are read exactly") {
  const std::string p3 = card_with(R"(, "scaling": {"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
      "high_freq_factor": 4.0, "original_max_seq_len": 8192})");
  const skipopu::ModelCard m = skipopu::load_model_card(p3);
  std::remove(p3.c_str());
  CHECK(m.rope_scaling == "llama3");
  CHECK(m.rope_factor == 8.0);
  CHECK(m.rope_low_freq_factor == 1.0);
  CHECK(m.rope_high_freq_factor == 4.0);
  CHECK(m.rope_original_max_seq_len == 8192);
  const std::string pl = card_with(R"(, "scaling": {"type": "linear", "factor": 2.0})");
  const skipopu::ModelCard l = skipopu::load_model_card(pl);
  std::remove(pl.c_str());
  CHECK(l.rope_scaling == "linear");
  CHECK(l.rope_factor == 2.0);
}

TEST_CASE("bad rope.scaling: one error naming the key") {
  CHECK(error_of(R"(, "scaling": {"type": "yarn", "factor": 2.0})") ==
        "/rope/scaling/type: expected one of \"linear\", \"dynamic\", \"llama3\", got \"yarn\"");
  CHECK(error_of(R"(, "scaling": {"type": "linear", "factor": 0.5})") ==
        "/rope/scaling/factor: expected a number in [1, 1e+06], got 0.5");
  CHECK(error_of(R"(, "scaling": {"type": "linear", "factor": 2.0, "low_freq_factor": 1.0})") ==
        "/rope/scaling/low_freq_factor: unknown key (not part of this schema)");
  CHECK(error_of(R"(, "scaling": {"type": "llama3", "factor": 8.0, "high_freq_factor": 4.0, "original_max_seq_len": 8192})") ==
        "/rope/scaling/low_freq_factor: missing key (expected a number in [0, 1e+06])");
  CHECK(error_of(R"(, "scaling": {"type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 4.0,
      "original_max_seq_len": 8192})") == "/rope/scaling/high_freq_factor: expected a number above low_freq_factor");
}

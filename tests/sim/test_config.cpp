// Hardware config: defaults parse into the documented values; every kind of bad input is
// a one-line error naming the file, the JSON path and what was expected.
#include <catch2/catch.hpp>

#include "sim_test_util.hpp"
#include "skipopu/error.hpp"
#include "skipopu/model_card.hpp"

using namespace skipopu;
using skipopu::test::data;
using skipopu::test::default_config;
using skipopu::test::input_error;
using skipopu::test::temp_file;

TEST_CASE("default U280 config holds the reference numbers") {
  const HardwareConfig c = default_config();
  CHECK(c.name == "u280-skipopu");
  CHECK(c.clocks.core_hz == 225000000);
  CHECK(c.pe.rows == 64);
  CHECK(c.pe.cols == 128);
  CHECK(c.pe.dsps == 4096);
  CHECK(c.macs_per_cycle() == 8192);
  CHECK(c.weights.bits == 4);
  CHECK(c.activation_bits == 16);
  CHECK(c.kv.policy == KvPolicy::Reuse);
  CHECK(c.kv.mapping == KvMapping::Token);
  CHECK(c.kv_buffer.urams == 512);
  CHECK(c.kv_buffer_bytes() == 512ull * 36864);
  CHECK(c.hbm.pseudo_channels == 32);
  CHECK(c.hbm.beat_bytes == 32);
  CHECK(c.hbm.axi_mhz == 450.0);
  CHECK(c.peak_hbm_bytes_per_s() == 460.8e9);
  CHECK(c.fusion);
  CHECK(c.blocks.pe_array == "systemc");
  CHECK(c.blocks.nonlinear == "systemc");
  CHECK(c.blocks.router == "systemc");
}

TEST_CASE("request and beat-to-array latencies: the generated RTL's defaults, range-checked (issue 12)") {
  const HardwareConfig c = default_config();
  CHECK(c.embedding.request_cycles == 1);
  CHECK(c.pe.dma_request_cycles == 3);
  CHECK(c.pe.gemm_start_cycles == 1);
  CHECK(c.pe.weight_beat_cycles == 2);
  CHECK(c.kv.request_cycles == 2);
  CHECK(c.kv.walk_cycles_per_token == 1);
  const std::string cfg = data("configs/u280.json");
  CHECK(input_error([] { default_config({"kv.request_cycles=70000"}); }) ==
        cfg + ": /kv/request_cycles: expected an integer in [0, 65536], got 70000");
  CHECK(input_error([] { default_config({"embedding.request_cycles=-1"}); }) ==
        cfg + ": /embedding/request_cycles: expected an integer in [0, 65536], got -1");
  CHECK(input_error([] { default_config({"pe_array.weight_beat_cycles=x"}); }).find(
            "/pe_array/weight_beat_cycles: expected an integer") != std::string::npos);
  CHECK(input_error([] { default_config({"embedding.rows=1"}); }) ==
        cfg + ": /embedding/rows: unknown key (not part of this schema)");
}

TEST_CASE("blocks: each names a registered implementation, strictly") {
  const std::string cfg = data("configs/u280.json");
  CHECK(default_config({"blocks.router=rtl"}).blocks.router == "rtl");  // registered; building it fails
  CHECK(input_error([] { default_config({"blocks.pe_array=verilog"}); }) ==
        cfg + ": /blocks/pe_array: expected one of \"systemc\", \"rtl\", got \"verilog\"");
  CHECK(input_error([] { default_config({"blocks.hbm=systemc"}); }) ==
        cfg + ": /blocks/hbm: unknown key (not part of this schema)");
  CHECK(input_error([] { default_config({"blocks.nonlinear=3"}); }) ==
        cfg + ": /blocks/nonlinear: expected a string, got an integer");
  // No silent default: a config without the section (or one of its keys) is rejected.
  Json doc = load_json_file(cfg);
  doc.erase("blocks");
  const std::string p = temp_file("noblocks.json", doc.dump());
  CHECK(input_error([&] { load_hardware_config(p, {}, SKIPOPU_DATA_DIR); }) ==
        p + ": /blocks: missing key (expected an object)");
  doc["blocks"] = Json::object({{"pe_array", "systemc"}, {"nonlinear", "systemc"}});
  const std::string q = temp_file("norouter.json", doc.dump());
  CHECK(input_error([&] { load_hardware_config(q, {}, SKIPOPU_DATA_DIR); }) ==
        q + ": /blocks/router: missing key (expected a string)");
}

TEST_CASE("set overrides change exactly the named key") {
  const HardwareConfig c = default_config({"kv.policy=evict", "pe_array.rows=32", "fusion=false"});
  CHECK(c.kv.policy == KvPolicy::Evict);
  CHECK(c.pe.rows == 32);
  CHECK(!c.fusion);
  CHECK(c.pe.cols == 128);
}

TEST_CASE("config errors name file, path and expectation") {
  const std::string cfg = data("configs/u280.json");
  CHECK(input_error([] { default_config({"pe_array.rowz=3"}); }) ==
        cfg + ": /pe_array/rowz: unknown key (not part of this schema)");
  CHECK(input_error([] { default_config({"pe_array.rows=0"}); }) ==
        cfg + ": /pe_array/rows: expected an integer in [1, 4096], got 0");
  CHECK(input_error([] { default_config({"pe_array.rows=\"many\""}); }) ==
        cfg + ": /pe_array/rows: expected an integer in [1, 4096], got a string");
  CHECK(input_error([] { default_config({"kv.policy=forget"}); }) ==
        cfg + ": /kv/policy: expected one of \"dense\", \"evict\", \"reuse\", got \"forget\"");
  CHECK(input_error([] { default_config({"fusion=1"}); }) ==
        cfg + ": /fusion: expected true or false, got an integer");
  CHECK(input_error([] { default_config({"pe_array"}); }) == "--set: pe_array: expected key.path=value");
  CHECK(input_error([] { default_config({"fusion.x=1"}); }) ==
        "--set: fusion.x: 'x' is below a value that is not an object");
  // Too few DSPs for 64x128 products at 2 per DSP is caught when the array is built
  // (test_blocks); a group size that does not tile the array is caught here.
  CHECK(input_error([] { default_config({"weights.group_size=96"}); }) ==
        cfg + ": /weights/group_size: expected a divisor or multiple of pe_array.cols");
}

TEST_CASE("malformed JSON reports line and column") {
  const std::string p = temp_file("bad.json", "{\n  \"name\": \"x\",\n  \"clocks\": { \"core_mhz\": 225, }\n}\n");
  CHECK(input_error([&] { load_hardware_config(p, {}, SKIPOPU_DATA_DIR); }) ==
        p + ": line 3 column 32: malformed JSON (expected a valid JSON document)");
  CHECK(input_error([] { load_hardware_config("/nonexistent/cfg.json", {}, SKIPOPU_DATA_DIR); }) ==
        "/nonexistent/cfg.json: cannot open file (No such file or directory)");
}

TEST_CASE("a config may extend a base and override a few keys") {
  const std::string p = temp_file("derived.json", "{ \"base\": \"" + data("configs/u280.json") +
                                                      "\", \"name\": \"half\", \"pe_array\": { \"rows\": 32 } }");
  const HardwareConfig c = load_hardware_config(p, {}, SKIPOPU_DATA_DIR);
  CHECK(c.name == "half");
  CHECK(c.pe.rows == 32);
  CHECK(c.pe.cols == 128);  // from the base
  const std::string missing = temp_file("missing.json", "{ \"name\": \"x\", \"description\": \"y\" }");
  CHECK(input_error([&] { load_hardware_config(missing, {}, SKIPOPU_DATA_DIR); }) ==
        missing + ": /clocks: missing key (expected an object)");
}

TEST_CASE("model cards are validated") {
  const std::string p = temp_file("model.json",
                                  "{\"name\":\"m\",\"description\":\"d\",\"layers\":2,\"d_model\":64,\"heads\":4,"
                                  "\"kv_heads\":3,\"head_dim\":16,\"d_ff\":128,\"vocab\":10,\"norm\":\"rmsnorm\","
                                  "\"norm_eps\":1e-5,\"activation\":\"swiglu\",\"rope\":{\"theta\":10000},"
                                  "\"max_seq_len\":64}");
  CHECK(input_error([&] { load_model_card(p); }) == p + ": /kv_heads: expected a divisor of heads (4)");
  for (const char* m : {"llama2-7b", "llama2-13b", "llama3.1-8b", "tiny", "tiny-gqa"}) {
    const ModelCard c = load_model_card(resolve_model_path(m, SKIPOPU_DATA_DIR));
    CHECK(c.name == m);
  }
  const ModelCard l = load_model_card(data("models/llama2-7b.json"));
  CHECK(l.attn_weights() == 4ull * 4096 * 4096);
  CHECK(l.mlp_weights() == 3ull * 4096 * 11008);
  const ModelCard g = load_model_card(data("models/llama3.1-8b.json"));
  CHECK(g.kv_dim() == 1024);
}

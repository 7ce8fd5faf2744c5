// Presets: every shipped preset loads and runs; bad presets are one-line errors naming the
// file, the JSON path and what was expected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_bench.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

static Json u280() { return load_json_file(kData + "/configs/hbm/u280.json"); }

static std::string error_of(const Json& doc) {
  try {
    parse_hbm_preset(doc, "bad.json");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.find('\n') == std::string::npos);
    return m;
  }
  return "no error";
}

TEST_CASE("presets: every shipped preset loads and streams at its peak minus refresh") {
  // Every configs/hbm/*.json, listed from the folder: a new preset is tested without editing
  // this file. Expected figures come from the preset's own keys: peak = PCs x beat_bytes x AXI
  // clock; refresh costs about tRFC / tREFI.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(kData + "/configs/hbm"))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> names;
  for (const std::string& f : files) {
    INFO(f);
    const Json doc = load_json_file(f);
    HbmParams p = parse_hbm_preset(doc, f);
    names.push_back(p.preset_name);
    CHECK(std::filesystem::path(f).stem() == p.preset_name);
    p.model = "bank";
    BenchSpec s;
    s.size = 65536;
    s.requests = 24;
    s.outstanding = 2;
    s.pcs = 4;
    const double peak = 4 * doc["organization"]["beat_bytes"].get<double>() * doc["clock"]["axi_mhz"].get<double>() * 1e-3;
    const double refresh = doc["timing"]["tRFC"].get<double>() / doc["timing"]["tREFI"].get<double>();
    const BenchResult r = run_bench(p, s);
    CHECK(r.peak_gbs == Approx(peak));
    CHECK(r.bandwidth_gbs < r.peak_gbs * (1 - refresh));
    CHECK(r.bandwidth_gbs > r.peak_gbs * (1 - refresh) * 0.97);
  }
  // The presets the docs and goldens rely on are among them.
  for (const char* n : {"u280", "ramulator2_hbm2_2000", "dramsim3_hbm2_8gb_x128", "dramsys_hbm2"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
}

TEST_CASE("presets: every ACT/column constraint must fit between refreshes") {
  // u280: tREFI 3510, tRFC 234, tRP 13 -> window 3263. tRRD_S = tRRD_L = 3263 used to make the
  // bank model run forever (an ACT that can never issue before the next refresh).
  Json d = u280();
  d["timing"]["tRRD_S"] = 3263;
  d["timing"]["tRRD_L"] = 3263;
  CHECK(error_of(d) == "bad.json: /timing/tRRD_S: expected less than tREFI - tRFC - tRP = 3510 - 234 - 13 = 3263 "
                       "(every ACT/column constraint must fit between refreshes), got 3263");
  d = u280();
  d["timing"]["tFAW"] = 5000;
  CHECK(error_of(d) == "bad.json: /timing/tFAW: expected less than tREFI - tRFC - tRP = 3510 - 234 - 13 = 3263 "
                       "(every ACT/column constraint must fit between refreshes), got 5000");
  // Just inside the window the run finishes.
  d = u280();
  d["timing"]["tRRD_S"] = 3262;
  d["timing"]["tRRD_L"] = 3262;
  HbmParams p = parse_hbm_preset(d, "ok.json");
  p.model = "bank";
  BenchSpec s;
  s.requests = 20;
  s.pcs = 1;
  s.pattern = "random";
  CHECK(run_bench(p, s).requests == 20);
  // Without refresh there is no window to fit.
  d["timing"]["tRRD_S"] = 50000;
  d["timing"]["tRRD_L"] = 50000;
  d["controller"]["refresh"] = false;
  CHECK(error_of(d) == "no error");
}

TEST_CASE("presets: bad timing values are rejected with the JSON path") {
  Json d = u280();
  d["timing"]["tRC"] = 20;
  CHECK(error_of(d) == "bad.json: /timing/tRC: must be >= tRAS");
  d = u280();
  d["timing"]["BL"] = 5;
  CHECK(error_of(d) == "bad.json: /timing/BL: burst length must be even (DDR: BL/2 clock cycles per burst)");
  d = u280();
  d["timing"].erase("tCL");
  CHECK(error_of(d) == "bad.json: /timing/tCL: missing key (expected an integer in [1, 100000])");
  d = u280();
  d["timing"]["tCL"] = -3;
  CHECK(error_of(d) == "bad.json: /timing/tCL: expected an integer in [1, 100000], got -3");
  d = u280();
  d["timing"]["tCAS"] = 14;
  CHECK(error_of(d) == "bad.json: /timing/tCAS: unknown key (not part of this schema)");
  d = u280();
  d["timing"]["tREFI"] = 200;
  CHECK(error_of(d) == "bad.json: /timing/tREFI: must exceed tRFC + tRP");
}

TEST_CASE("presets: bad organisation, clock, queues and mapping are rejected") {
  Json d = u280();
  d["clock"]["device_cycles_per_axi"] = Json::parse("[3, 1]");
  CHECK(error_of(d) ==
        "bad.json: /clock/device_cycles_per_axi: inconsistent with axi_mhz and device_mhz (axi_mhz*num/den must equal device_mhz)");
  d = u280();
  d["organization"]["banks_per_group"] = 3;
  CHECK(error_of(d) == "bad.json: /organization/banks_per_group: must be a power of two");
  d = u280();
  d["controller"]["write_low"] = 30;
  CHECK(error_of(d) == "bad.json: /controller/write_low: must be < write_high");
  d = u280();
  d["controller"]["starvation_limit"] = -1;
  CHECK(error_of(d) == "bad.json: /controller/starvation_limit: expected an integer in [0, 1048576], got -1");
  d = u280();
  d["controller"].erase("starvation_limit");
  CHECK(error_of(d) == "bad.json: /controller/starvation_limit: missing key (expected an integer in [0, 1048576])");
  d = u280();
  d["axi"]["lateral_links"] = 3;
  CHECK(error_of(d) == "bad.json: /axi/lateral_links: must divide ports_per_switch (each connection serves an equal group of a switch's ports)");
  d = u280();
  d["axi"]["lateral_links"] = 0;
  CHECK(error_of(d) == "bad.json: /axi/lateral_links: expected an integer in [1, 256], got 0");
  d = u280();
  d["axi"]["lateral_write_gap"] = 65;
  CHECK(error_of(d) == "bad.json: /axi/lateral_write_gap: expected an integer in [0, 64], got 65");
  d = u280();
  d["simulator"]["memo_nodes"] = 8;
  CHECK(error_of(d) == "bad.json: /simulator/memo_nodes: expected an integer in [64, 16777216], got 8");
  d = u280();
  d["simulator"].erase("memo_nodes");
  CHECK(error_of(d) == "bad.json: /simulator/memo_nodes: missing key (expected an integer in [64, 16777216])");
  d = u280();
  d["controller"]["page_policy"] = "adaptive";
  CHECK(error_of(d) == "bad.json: /controller/page_policy: expected one of \"open\", \"closed\", got \"adaptive\"");
  d = u280();
  d["controller"]["mapping"] = Json::parse(R"(["row", "bg1", "ba1", "ba0", "column", "bg1"])");
  CHECK(error_of(d) == "bad.json: /controller/mapping/5: field \"bg1\" appears twice");
  d["controller"]["mapping"] = Json::parse(R"(["row", "bg1", "ba1", "column", "bg0"])");
  CHECK(error_of(d) == "bad.json: /controller/mapping: mapping lacks ba0");
  d["controller"]["mapping"] = Json::parse(R"(["row", "bg1", "ba1", "ba0", "col", "bg0"])");
  CHECK(error_of(d) == "bad.json: /controller/mapping/4: unknown field \"col\" (expected row, column, bgN or baN)");
  d["controller"]["mapping"] = Json::parse(R"(["row", "bg2", "ba1", "ba0", "column", "bg0"])");
  CHECK(error_of(d) == "bad.json: /controller/mapping/1: \"bg2\" out of range: 2 bank-group address bits");
  d["controller"]["mapping"] = Json::parse(R"(["column", "bg1", "ba1", "ba0", "bg0", "row"])");
  CHECK(error_of(d) ==
        "bad.json: /controller/mapping: the row field must lie above the lowest 4 beat-address bits (one AXI burst must stay in one row)");
}

TEST_CASE("presets: malformed JSON names line and column; preset path resolution") {
  const std::string path = std::string(SKIPOPU_BINARY_DIR) + "/hbm_bad_preset.json";
  {
    std::ofstream out(path);
    out << "{\n  \"name\": \"x\",\n  \"timing\": {\n";
  }
  CHECK_THROWS_WITH(load_hbm_preset(path), path + ": line 4 column 1: malformed JSON (expected a valid JSON document)");
  CHECK(resolve_hbm_preset("u280", "/d") == "/d/configs/hbm/u280.json");
  CHECK(resolve_hbm_preset("my/x.json", "/d") == "my/x.json");
  CHECK_THROWS_WITH(load_hbm_preset(kData + "/configs/hbm/nope.json"),
                    kData + "/configs/hbm/nope.json: cannot open file (No such file or directory)");
}

TEST_CASE("presets: params built in code get the same power-of-two checks from the models") {
  // The models index banks, groups and beats by shifts; validate_hbm_params (run by every
  // model constructor) rejects what the parser would have rejected field by field.
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  for (const char* model : {"bank", "burst"}) {
    HbmParams q = p;
    q.model = model;
    q.banks_per_group = 3;
    try {
      make_model(q);
      FAIL("accepted banks_per_group = 3");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()) == "hbm params: /organization/banks_per_group: must be a power of two");
    }
    q = p;
    q.model = model;
    q.beat_bytes = 24;
    CHECK_THROWS_AS(make_model(q), InputError);
  }
}

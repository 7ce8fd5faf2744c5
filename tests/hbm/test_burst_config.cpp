#include <catch2/catch.hpp>

#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_config.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

TEST_CASE("u280 preset loads with the vendor timings") {
  const HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  CHECK(p.preset_name == "u280");
  CHECK(p.pseudo_channels == 32);
  CHECK(p.timing.tRC == 43);
  CHECK(p.timing.tRCDRD == 13);
  CHECK(p.timing.tRCDWR == 9);
  CHECK(p.timing.tRFC == 234);
  CHECK(p.timing.tREFI == 3510);
  CHECK(p.rows() == 16384);
  CHECK(p.columns() == 32);
  CHECK(p.dev_num == 2);
  CHECK(p.dev_den == 1);
  CHECK(p.peak_bytes_per_s() == Approx(460.8e9));
  REQUIRE(p.mapping.size() == 6);
  CHECK(p.mapping[0].field == AddrField::BG);  // BG0 at the lowest bit
  CHECK(p.mapping[0].index == 0);
  CHECK(p.mapping[1].field == AddrField::Column);
  CHECK(p.mapping[5].field == AddrField::Row);
}

TEST_CASE("hbm section: preset by name, overrides and port counts") {
  Json cfg = Json::parse(R"({"hbm": {"model": "burst", "preset": "u280",
      "overrides": {"timing": {"tCL": 16}, "burst_model": {"latency": 10}}, "pseudo_channels": 8, "ports": 4,
      "master_ar_cycles": 2, "master_command_gap_cycles": 2}})");
  JsonReader root(cfg, "hw.json");
  JsonReader s = root.object("hbm");
  const HbmParams p = parse_hbm_params(s, kData);
  CHECK(p.model == "burst");
  CHECK(p.timing.tCL == 16);
  CHECK(p.burst_latency == 10);
  CHECK(p.pseudo_channels == 8);
  CHECK(p.ports == 4);
  CHECK(p.master_ar_cycles == 2);  // the design's masters' pace, not a preset key
  CHECK(load_hbm_preset(kData + "/configs/hbm/u280.json").master_ar_cycles == 1);  // a preset alone: 1
  CHECK(p.master_command_gap == 2);  // the read masters' gap between commands, likewise
  CHECK(load_hbm_preset(kData + "/configs/hbm/u280.json").master_command_gap == 0);  // a preset alone: 0
}

TEST_CASE("hbm section: misspelt override and unknown key are one-line errors") {
  Json cfg = Json::parse(R"({"model": "bank", "preset": "u280", "overrides": {"timing": {"tCLL": 16}}})");
  JsonReader s(cfg, "hw.json", "/hbm");
  try {
    parse_hbm_params(s, kData);
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.find("hw.json: /hbm/overrides/timing/tCLL: no such key") == 0);
    CHECK(m.find('\n') == std::string::npos);
  }
  Json cfg2 = Json::parse(R"({"model": "bank", "preset": "u280", "master_ar_cycles": 2, "master_command_gap_cycles": 2, "pseudochannels": 3})");
  JsonReader s2(cfg2, "hw.json", "/hbm");
  CHECK_THROWS_WITH(parse_hbm_params(s2, kData), "hw.json: /hbm/pseudochannels: unknown key (not part of this schema)");
  // the masters' pace is required (no default), at least 1
  Json cfg4 = Json::parse(R"({"model": "bank", "preset": "u280"})");
  JsonReader s4(cfg4, "hw.json", "/hbm");
  CHECK_THROWS_WITH(parse_hbm_params(s4, kData), Catch::StartsWith("hw.json: /hbm/master_ar_cycles: "));
  Json cfg5 = Json::parse(R"({"model": "bank", "preset": "u280", "master_ar_cycles": 0})");
  JsonReader s5(cfg5, "hw.json", "/hbm");
  CHECK_THROWS_WITH(parse_hbm_params(s5, kData), Catch::StartsWith("hw.json: /hbm/master_ar_cycles: expected an integer in [1, 64]"));
  // the read masters' command gap is required too (no default), at most 64
  Json cfg6 = Json::parse(R"({"model": "bank", "preset": "u280", "master_ar_cycles": 2})");
  JsonReader s6(cfg6, "hw.json", "/hbm");
  CHECK_THROWS_WITH(parse_hbm_params(s6, kData), Catch::StartsWith("hw.json: /hbm/master_command_gap_cycles: "));
  Json cfg7 = Json::parse(R"({"model": "bank", "preset": "u280", "master_ar_cycles": 2, "master_command_gap_cycles": 65})");
  JsonReader s7(cfg7, "hw.json", "/hbm");
  CHECK_THROWS_WITH(parse_hbm_params(s7, kData),
                    Catch::StartsWith("hw.json: /hbm/master_command_gap_cycles: expected an integer in [0, 64]"));
  Json cfg3 = Json::parse(R"({"model": "ddr", "preset": "u280"})");
  JsonReader s3(cfg3, "hw.json", "/hbm");
  CHECK_THROWS_WITH(parse_hbm_params(s3, kData), Catch::Contains("/hbm/model: expected one of \"burst\", \"bank\""));
}

TEST_CASE("burst model: FCFS per pseudo-channel, one beat per cycle plus latency") {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  p.model = "burst";
  p.burst_latency = 10;
  p.id_ordering = HbmParams::IdOrdering::None;  // the bare model (u280 puts the AXI front end around it)
  auto m = make_model(p);
  // 100 B at offset 16 covers beats 0..3 (4 beats).
  m->submit({1, 0, 0, 16, 100, false, 5});
  m->submit({2, 1, 0, 0, 64, true, 6});   // same PC: waits until cycle 9
  m->submit({3, 2, 1, 0, 32, false, 6});  // other PC: independent
  CHECK(m->next_event() == 16);
  Completion c;
  CHECK_FALSE(m->pop_completion(15, c));
  CHECK(m->now() == 15);
  REQUIRE(m->pop_completion(100, c));
  CHECK(c.id == 3);
  CHECK(c.first_data == 16);
  CHECK(c.done == 16);
  REQUIRE(m->pop_completion(100, c));
  CHECK(c.id == 1);
  CHECK(c.first_data == 15);
  CHECK(c.done == 18);
  REQUIRE(m->pop_completion(100, c));
  CHECK(c.id == 2);
  CHECK(c.first_data == 19);
  CHECK(c.done == 20);
  CHECK_FALSE(m->pop_completion(100, c));
  CHECK(m->next_event() == kNever);
  StatGroup g("hbm");
  m->report(g, 100);
  CHECK(g.find("bytes_read")->ivalue == 132);
  CHECK(g.find("pc0.busy_cycles")->ivalue == 6);
}

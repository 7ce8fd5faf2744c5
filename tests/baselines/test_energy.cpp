// Energy model: the bundled coefficients, exact arithmetic of every term, strict parsing.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "skipopu/baselines/energy.hpp"
#include "skipopu/error.hpp"

using namespace skipopu;
using namespace skipopu::baselines;

namespace {
const std::string D = SKIPOPU_DATA_DIR;

std::string write_tmp(const std::string& name, const std::string& text) {
  const std::string p = std::string(SKIPOPU_BINARY_DIR) + "/" + name;
  std::ofstream(p) << text;
  return p;
}

std::string doc(const std::string& hbm, const std::string& dsp, const std::string& stat, const std::string& extra = "") {
  auto t = [](const std::string& v, const char* unit) {
    return "{\"value\": " + v + ", \"unit\": \"" + unit + "\", \"notes\": \"test\"}";
  };
  return "{\"name\": \"skipopu-energy/1\", \"description\": \"t\", \"hbm_pj_per_bit\": " + t(hbm, "pJ/bit") +
         ", \"fpga_dynamic\": {\"dsp\": " + t(dsp, "uW/MHz") + ", \"lut\": " + t("0.5", "uW/MHz") +
         ", \"uram\": " + t("20", "uW/MHz") + "}, \"board_static_w\": " + t(stat, "W") +
         ", \"gpu_board_power\": [{\"card\": \"X\", \"watts\": 300, \"what\": \"tdp\", \"source\": \"s\"}]" + extra + "}";
}

ResourceEstimate resources(uint64_t dsp, uint64_t lut, uint64_t uram) {
  ResourceEstimate r;
  r.total[kDsp] = dsp;
  r.total[kLut] = lut;
  r.total[kUram] = uram;
  return r;
}

std::string error_of(const std::string& text) {
  const std::string p = write_tmp("energy_bad.json", text);
  try {
    load_energy_model(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("bundled energy coefficients: HBM with a source, unsourced terms null, GPU board power for every card") {
  const EnergyModel m = load_energy_model(D + "/models/energy.json");
  REQUIRE(m.hbm_pj_per_bit.value);
  CHECK(*m.hbm_pj_per_bit.value == 3.9);
  CHECK(m.hbm_pj_per_bit.notes.find("O'Connor") != std::string::npos);
  CHECK_FALSE(m.dsp_uw_per_mhz.value);
  CHECK_FALSE(m.board_static_w.value);
  CHECK(m.dsp_uw_per_mhz.notes.find("No public") == 0);
  for (const char* card : {"A100-80GB", "H100-SXM", "RTX-3090", "RTX-4090", "V100"}) {
    INFO(card);
    REQUIRE(m.gpu(card));
    CHECK_FALSE(m.gpu(card)->source.empty());
  }
  CHECK(m.gpu("A100-80GB")->watts == 400);
  CHECK(m.gpu("nope") == nullptr);
  // Only HBM is modelled: 1e9 bytes over 10 tokens at 3.9 pJ/bit = 3.12 mJ per token.
  const EnergyEstimate e = estimate_energy(m, resources(4096, 1000000, 512), 225e6, 1000000000, 2.0, 10);
  CHECK(e.hbm);
  CHECK_FALSE(e.logic);
  CHECK_FALSE(e.board_static);
  CHECK(e.hbm_j_per_token == Approx(0.00312).epsilon(1e-12));
  CHECK(e.j_per_token == e.hbm_j_per_token);
  CHECK(e.missing == "logic, static");
}

TEST_CASE("energy terms: HBM bits, logic from resources and clock, static power over decode time") {
  const EnergyModel m = load_energy_model(write_tmp("energy_full.json", doc("4", "10", "20")));
  // logic = (100 DSP x 10 + 1000 LUT x 0.5 + 10 URAM x 20) uW/MHz x 200 MHz = 1700 x 200 uW = 0.34 W
  const EnergyEstimate e = estimate_energy(m, resources(100, 1000, 10), 200e6, 125000000, 4.0, 8);
  CHECK(e.hbm_j_per_token == Approx(125000000.0 * 8 * 4e-12 / 8).epsilon(1e-12));  // 0.5 mJ
  CHECK(e.logic_w == Approx(0.34).epsilon(1e-12));
  CHECK(e.logic_j_per_token == Approx(0.34 * 4.0 / 8).epsilon(1e-12));
  CHECK(e.static_j_per_token == Approx(20.0 * 4.0 / 8).epsilon(1e-12));
  CHECK(e.j_per_token == Approx(0.0005 + 0.17 + 10.0).epsilon(1e-12));
  CHECK(e.tokens_per_j == Approx(1.0 / 10.1705).epsilon(1e-12));
  CHECK(e.missing.empty());
  StatGroup s;
  add_energy_stats(s, e, "/x/energy_full.json");
  const Stat* st = s.find("energy.terms_modelled");
  REQUIRE(st);
  CHECK(st->ivalue == 3);
  REQUIRE(s.find("energy.logic_w"));
  CHECK(s.find("energy.j_per_token")->desc.find("every term modelled") != std::string::npos);
}

TEST_CASE("energy file: strict parsing, errors name the file and the JSON path") {
  CHECK(error_of(doc("null", "1", "1")).find("/hbm_pj_per_bit") != std::string::npos);
  CHECK(error_of(doc("-1", "1", "1")).find("/hbm_pj_per_bit/value") != std::string::npos);
  CHECK(error_of(doc("4", "\"x\"", "1")).find("/fpga_dynamic/dsp/value") != std::string::npos);
  CHECK(error_of(doc("4", "1", "1", ", \"extra\": 1")).find("/extra") != std::string::npos);
  std::string wrong_unit = doc("4", "1", "1");
  wrong_unit.replace(wrong_unit.find("\"W\""), 3, "\"kW\"");
  CHECK(error_of(wrong_unit).find("/board_static_w/unit") != std::string::npos);
  std::string no_notes = doc("4", "1", "1");
  no_notes.replace(no_notes.find("\"notes\": \"test\""), 15, "\"notes\": \"\"");
  CHECK(error_of(no_notes).find("/hbm_pj_per_bit/notes") != std::string::npos);
  const std::string e = error_of("{\"name\": \"skipopu-energy/1\"}");
  CHECK(e.find("energy_bad.json") != std::string::npos);
  CHECK(e.find('\n') == std::string::npos);
}

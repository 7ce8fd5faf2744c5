// Resource model: the default config's totals, fit checks, input errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "skipopu/baselines/resources.hpp"
#include "skipopu/error.hpp"

using namespace skipopu;
using namespace skipopu::baselines;

namespace {
const std::string D = SKIPOPU_DATA_DIR;
ResourceEstimate est(const std::vector<std::string>& sets) {
  const HardwareConfig c = load_hardware_config(D + "/configs/u280.json", sets, D);
  return estimate_resources(c, load_resource_coefficients(D + "/models/fpga/resource-model.json"),
                            load_device_card(D + "/models/fpga/u280-device.json"));
}
double pct2(double u) { return std::round(u * 10000.0) / 100.0; }  // percent, 2 decimals
}  // namespace

TEST_CASE("default config with the synthesised PE coefficients does not fit the U280's LUTs") {
  // pe_array coefficients from Yosys synthesis of the generated RTL (docs/rtl.md): the
  // per-product alignment of the hybrid MAC costs 150 LUTs, so the 64x128 array alone needs
  // 1,331,062 LUTs (the paper reports 98.85% for the whole design). Router and nonlinear unit
  // synthesised as well (tools/rtl-synth --skip-array --nl-widths 2,4).
  const ResourceEstimate e = est({});
  CHECK(e.total[kDsp] == 5779);
  CHECK(e.total[kLut] == 1770037);
  CHECK(e.total[kFf] == 575037);
  CHECK(e.total[kUram] == 512);
  CHECK(e.total[kBram] == 796);  // uncalibrated (the paper gives no BRAM figure)
  CHECK(std::llround(e.lines[0].v[kLut]) == 1331062);
  CHECK(std::llround(e.lines[0].v[kFf]) == 134889);
  CHECK(pct2(e.utilisation[kLut]) == 135.77);
  CHECK(pct2(e.utilisation[kDsp]) == 64.04);
  CHECK(pct2(e.utilisation[kUram]) == 53.33);
  CHECK_FALSE(e.fits);
  CHECK(e.notes.empty());
  // The PE array's DSPs come from the packing layout: 64*128 products / 2 lanes.
  CHECK(e.lines[0].component == "pe_array");
  CHECK(std::llround(e.lines[0].v[kDsp]) == 4096 + 2 * 64);
}

TEST_CASE("router and nonlinear unit: synthesised per-lane and fixed terms, one shared nonlinear unit") {
  const ResourceEstimate e = est({});
  REQUIRE(e.lines[2].component == "router");
  REQUIRE(e.lines[3].component == "nonlinear");
  // router: 128 lanes * (2 DSP, 154.5 LUT, 48 FF) + (0, 327, 170); 228 BRAM36 of on-chip weights
  CHECK(std::llround(e.lines[2].v[kDsp]) == 256);
  CHECK(std::llround(e.lines[2].v[kLut]) == 20103);
  CHECK(std::llround(e.lines[2].v[kFf]) == 6314);
  CHECK(std::llround(e.lines[2].v[kBram]) == 228);
  // nonlinear: one unit as wide as the widest operation (128) * (10, 1302, 97) + (9, 1496, 458)
  CHECK(std::llround(e.lines[3].v[kDsp]) == 1289);
  CHECK(std::llround(e.lines[3].v[kLut]) == 168152);
  CHECK(std::llround(e.lines[3].v[kFf]) == 12874);
  // Narrowing one operation leaves the shared unit as wide; widening one widens it.
  const ResourceEstimate n = est({"nonlinear.rmsnorm_reduce.elems_per_cycle=64"});
  CHECK(std::llround(n.lines[3].v[kDsp]) == 1289);
  const ResourceEstimate w = est({"nonlinear.softmax_apply.elems_per_cycle=256"});
  CHECK(std::llround(w.lines[3].v[kDsp]) == 10 * 256 + 9);
  CHECK(std::llround(w.lines[3].v[kLut]) == 1302 * 256 + 1496);
  const ResourceEstimate r = est({"router.lanes=64", "router.weights_on_chip=false"});
  CHECK(std::llround(r.lines[2].v[kLut]) == 10215);  // 154.5 * 64 + 327
  CHECK(std::llround(r.lines[2].v[kBram]) == 0);
}

TEST_CASE("a bigger PE array does not fit and is reported, not dropped") {
  const ResourceEstimate e = est({"pe_array.rows=128", "pe_array.dsps=8192"});
  CHECK(e.total[kDsp] == 8192 + 256 + 256 + 1289 + 10);
  CHECK(e.total[kDsp] > 9024);        // neither the DSPs ...
  CHECK(e.total[kLut] > 1303680);     // ... nor the LUTs fit
  CHECK_FALSE(e.fits);
  CHECK(e.to_json()["fits"] == false);
  CHECK(e.text().find("DOES NOT FIT") != std::string::npos);
}

TEST_CASE("URAM over the device and a dsps/layout mismatch") {
  const ResourceEstimate e = est({"kv_buffer.urams=1024"});
  CHECK(e.total[kUram] == 1024);
  CHECK_FALSE(e.fits);
  const ResourceEstimate m = est({"pe_array.dsps=4000"});
  REQUIRE(m.notes.size() == 1);
  CHECK(m.notes[0].find("needs 4096") != std::string::npos);
  CHECK(m.total[kDsp] == 5779);  // the estimate uses what the layout needs
}

TEST_CASE("smaller arrays free LUTs, and a 4-lane layout halves the PE DSPs") {
  const ResourceEstimate e = est({"pe_array.rows=32", "pe_array.dsps=2048"});
  CHECK(e.total[kDsp] == 2048 + 64 + 256 + 1289 + 10);
  CHECK(e.fits);
  const ResourceEstimate q = est({"pe_array.layout_fp16_int4=int4x4_wp521", "pe_array.dsps=2048"});
  CHECK(std::llround(q.lines[0].v[kDsp]) == 2048 + 128);
  // More slices than the layout needs are instantiated (and noted).
  const ResourceEstimate o = est({"pe_array.rows=32"});
  CHECK(std::llround(o.lines[0].v[kDsp]) == 4096 + 64);
  CHECK(o.notes.size() == 1);
}

TEST_CASE("bad coefficient files name the file and the field") {
  const std::string p = std::string(SKIPOPU_BINARY_DIR) + "/bad-resource-model.json";
  {
    std::ofstream o(p);
    o << R"({"name":"x","description":"x","calibration":{},"pe_array":{"per_product":{"lutt":1},"per_row":{},"weight_buffers":2}})";
  }
  try {
    load_resource_coefficients(p);
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.find("bad-resource-model.json") != std::string::npos);
    CHECK(m.find("lutt") != std::string::npos);
  }
}

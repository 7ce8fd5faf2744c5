#include <catch2/catch.hpp>

#include "skipopu/dsp/error_analysis.hpp"
#include "skipopu/dsp/packing.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/error.hpp"

using namespace skipopu::dsp;
using skipopu::InputError;
using skipopu::Json;

namespace {

// Runs the corrected and uncorrected exhaustive analysis of a builtin layout.
LayoutError exhaustive(const std::string& name) {
  ErrorAnalysisOptions opt;
  opt.exhaustive_max_log2 = 24;
  const LayoutError r = analyse_layout(builtin_layout(name), opt);
  REQUIRE(r.exhaustive);
  return r;
}

std::string message_of(const Json& doc) {
  try {
    parse_layout(doc, "x.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("packing: builtin layouts, names and unknown-name error", "[packing]") {
  const std::vector<std::string> expect = {"fp16m_x2_skipopu", "int4_fp16m_x2", "int4_fp16m_x3",
                                           "int4x4_cport",     "int4x4_wp521",  "int8x2_wp486",
                                           "overpack6_int4",   "overpack6_int4_nocancel"};
  CHECK(builtin_layout_names() == expect);
  CHECK(builtin_layout("int8x2_wp486").lanes == 2);
  CHECK(builtin_layout("overpack6_int4").lanes == 6);
  CHECK(builtin_layout("int4_fp16m_x3").lanes == 3);
  try {
    builtin_layout("int9");
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.find("\"int9\"") != std::string::npos);
    CHECK(m.find("int8x2_wp486, overpack6_int4") != std::string::npos);
  }
}

TEST_CASE("packing: lane accumulation capacity per layout", "[packing]") {
  CHECK(builtin_layout("int8x2_wp486").capacity == 7);     // 8 * 16384 = 2^17 overflows 18 signed bits
  CHECK(builtin_layout("int4x4_wp521").capacity == 8);     // 9 * -120 < -1024
  CHECK(builtin_layout("int4x4_cport").capacity == 8);
  CHECK(builtin_layout("int4_fp16m_x2").capacity == 8);    // 8 * -16376 >= -2^17
  CHECK(builtin_layout("int4_fp16m_x3").capacity == 1);
  CHECK(builtin_layout("overpack6_int4").capacity == 1);
  CHECK(builtin_layout("overpack6_int4_nocancel").capacity == 0);  // 8-bit products in 6 clean bits
  const auto& f = builtin_layout("fp16m_x2_skipopu");
  CHECK(f.capacity == 1);
  CHECK(f.lane[1].capacity == 1025);  // (2^32 - 1) / 2047^2
}

TEST_CASE("packing: capacity is tight, verified on the accumulating DSP", "[packing]") {
  for (const auto& name : builtin_layout_names()) {
    const PackingLayout& l = builtin_layout(name);
    if (l.capacity == 0) continue;
    bool overflow_seen = false;
    for (unsigned lane = 0; lane < l.lanes; ++lane)
      for (bool want_max : {false, true}) {
        const OperandValues v = capacity_witness(l, lane, want_max);
        LaneValues one{}, got{};
        PackedMac mac(l, true);
        mac.reset();
        reference(l, v, one);
        for (unsigned k = 0; k < l.capacity; ++k) mac.add(v);
        mac.extract(got);
        for (unsigned j = 0; j < l.lanes; ++j) {
          INFO(name << " lane " << lane << " max " << want_max << " check lane " << j);
          const int64_t exact = (l.lane[j].sign * v[l.lane[j].x] * v[l.lane[j].y] * int64_t(l.capacity)) >> l.lane[j].drop;
          CHECK(got[j] == exact);
        }
        if (l.lane[lane].capacity == l.capacity) {  // limiting lane: one more product overflows
          mac.add(v);
          mac.extract(got);
          const int64_t exact =
              (l.lane[lane].sign * v[l.lane[lane].x] * v[l.lane[lane].y] * int64_t(l.capacity + 1)) >> l.lane[lane].drop;
          overflow_seen |= got[lane] != exact;
        }
      }
    INFO(name);
    CHECK(overflow_seen);
  }
}

TEST_CASE("packing: random accumulation at capacity is exact", "[packing]") {
  skipopu::SplitMix64 rng(7);
  for (const char* name : {"int8x2_wp486", "int4x4_wp521", "int4x4_cport", "int4_fp16m_x2"}) {
    const PackingLayout& l = builtin_layout(name);
    unsigned bad = 0;
    for (int trial = 0; trial < 2000; ++trial) {
      PackedMac mac(l, true);
      mac.reset();
      int64_t sum[kMaxLanes] = {};
      for (unsigned k = 0; k < l.capacity; ++k) {
        OperandValues v{};
        for (size_t i = 0; i < l.operands.size(); ++i) {
          const auto& op = l.operands[i];
          const int64_t raw = static_cast<int64_t>(rng.next() >> (64 - op.bits));
          v[i] = op.is_signed ? sext(raw, op.bits) : raw;
        }
        for (unsigned j = 0; j < l.lanes; ++j) sum[j] += l.lane[j].sign * v[l.lane[j].x] * v[l.lane[j].y];
        mac.add(v);
      }
      LaneValues got{};
      mac.extract(got);
      for (unsigned j = 0; j < l.lanes; ++j) bad += got[j] != (sum[j] >> l.lane[j].drop);
    }
    INFO(name);
    CHECK(bad == 0);
  }
}

TEST_CASE("packing: int8x2_wp486 exhaustive, exact with sign correction", "[packing][exhaustive]") {
  const LayoutError r = exhaustive("int8x2_wp486");
  CHECK(r.cases == (uint64_t{1} << 24));
  CHECK(r.corrected[0].errors == 0);
  CHECK(r.corrected[1].errors == 0);
  // Without correction the upper lane is one too small exactly when a0*w < 0:
  // 2 * 128 * 127 (a0, w) pairs, for each of 256 values of a1.
  CHECK(r.uncorrected[0].errors == 0);
  CHECK(r.uncorrected[1].errors == 2u * 128 * 127 * 256);
  CHECK(r.uncorrected[1].max_abs == 1);
  CHECK(r.uncorrected[1].mean == Approx(-(2.0 * 128 * 127) / 65536).epsilon(1e-12));
}

TEST_CASE("packing: int4x4 layouts exhaustive, exact with carry-in or C-port offset", "[packing][exhaustive]") {
  for (const char* name : {"int4x4_wp521", "int4x4_cport"}) {
    const LayoutError r = exhaustive(name);
    CHECK(r.cases == 65536);
    for (const auto& e : r.corrected) CHECK(e.errors == 0);
    // Uncorrected: lane 1 borrows when w0*x0 < 0 (8 * 15 of 256 pairs, times 256);
    // lane 2 when w0*x1 < 0, or w0*x1 == 0 and w0*x0 < 0 (120*16 + 120 of 4096, times 16).
    CHECK(r.uncorrected[0].errors == 0);
    CHECK(r.uncorrected[1].errors == 120u * 256);
    CHECK(r.uncorrected[2].errors == (120u * 16 + 120) * 16);
  }
}

TEST_CASE("packing: overpacked and FP16xINT4 layouts exhaustive, exact when corrected", "[packing][exhaustive]") {
  for (const char* name : {"overpack6_int4", "int4_fp16m_x2", "int4_fp16m_x3"}) {
    const LayoutError r = exhaustive(name);
    INFO(name);
    for (const auto& e : r.corrected) CHECK(e.errors == 0);
    uint64_t raw = 0;
    for (const auto& e : r.uncorrected) raw += e.errors;
    CHECK(raw > 0);
  }
  // Without the cancellation the 2 overlapping bits corrupt the lower lane's top bits:
  // w0*x0 is wrong exactly when w0*x1 is not a multiple of 4, i.e. for half of the
  // (w0, x1) pairs (2-adic valuations summing to < 2: 1/4 + 1/8 + 1/8).
  const LayoutError nc = exhaustive("overpack6_int4_nocancel");
  CHECK(nc.corrected[0].errors == (uint64_t{1} << 20) / 2);
  CHECK(nc.corrected[0].max_abs == 128);
}

TEST_CASE("packing: fp16m_x2_skipopu exact over all (m1, mb) pairs", "[packing][exhaustive]") {
  const PackingLayout& l = builtin_layout("fp16m_x2_skipopu");
  uint64_t bad = 0, raw_hi_bad = 0;
  int64_t raw_hi_max = 0;
  OperandValues v{};
  LaneValues got{}, ref{};
  for (int64_t m2 : {0, 1024, 1365, 2047}) {
    v[0] = m2;
    for (int64_t m1 = 0; m1 < 2048; ++m1)
      for (int64_t mb = 0; mb < 2048; ++mb) {
        v[1] = m1;
        v[2] = mb;
        reference(l, v, ref);
        evaluate(l, v, true, got);
        bad += (got[0] != ref[0]) + (got[1] != ref[1]);
        evaluate(l, v, false, got);
        raw_hi_bad += got[1] != ref[1];
        raw_hi_max = std::max<int64_t>(raw_hi_max, got[1] - ref[1]);
      }
  }
  CHECK(bad == 0);
  CHECK(raw_hi_bad > 0);     // without the C-port cancel the low product leaks into the upper lane
  CHECK(raw_hi_max == 1);    // ... by at most one LSB of the 16-bit truncated product
  // Spot values: 2047 * 2047 = 4190209, floor(/64) = 65472.
  v = OperandValues{};
  v[0] = 2047;
  v[1] = 2047;
  v[2] = 2047;
  evaluate(l, v, true, got);
  CHECK(got[0] == 65472);
  CHECK(got[1] == 65472);
}

TEST_CASE("packing: layout JSON errors name the file, path and expectation", "[packing]") {
  Json good = Json::parse(R"({"name":"t","description":"d","source":"s","preadder":"add",
    "borrow_correction":"carry_bit","claims_exact":true,
    "operands":[{"name":"a0","bits":8,"signed":true,"port":"D","shift":0},
                {"name":"a1","bits":8,"signed":true,"port":"A","shift":18},
                {"name":"w","bits":8,"signed":true,"port":"B","shift":0}],
    "lanes":[{"name":"l0","x":"a0","y":"w","offset":0,"width":18,"drop":0,"signed":true},
             {"name":"l1","x":"a1","y":"w","offset":18,"width":30,"drop":0,"signed":true}]})");
  CHECK(parse_layout(good, "x.json").capacity == 7);
  Json j = good;
  j["operands"][0]["colour"] = 1;
  CHECK(message_of(j) == "x.json: /operands/0/colour: unknown key (not part of this schema)");
  j = good;
  j["lanes"][1]["offset"] = 17;
  CHECK(message_of(j) == "x.json: /lanes/1/offset: expected shift(x) + shift(y) = 18, got 17");
  j = good;
  j["lanes"].erase(1);
  CHECK(message_of(j) == "x.json: /lanes: expected exactly one lane for the product a1*w, got 0");
  j = good;
  j["operands"][2]["shift"] = 17;  // an 8-bit operand at bit 17 of the 18-bit B port
  CHECK(message_of(j) ==
        "x.json: /operands: operands on port B span [-16777216, 16646144], expected them to fit the 18-bit signed port");
  j = good;
  j["borrow_correction"] = "magic";
  CHECK(message_of(j) == "x.json: /borrow_correction: expected one of \"none\", \"carry_bit\", \"ripple\", got \"magic\"");
}

TEST_CASE("packing: resource model per PE and DSP savings", "[packing]") {
  const PeResources a = estimate_pe_resources(builtin_layout("int8x2_wp486"));
  CHECK(a.luts_borrow == 30);  // 30-bit incrementer on the upper lane
  CHECK(a.luts_total == 30);
  CHECK(a.dsp_per_product == 0.5);
  const PeResources c = estimate_pe_resources(builtin_layout("int4x4_cport"));
  CHECK(c.luts_total == 0);
  const PeResources o = estimate_pe_resources(builtin_layout("overpack6_int4"));
  CHECK(o.luts_port_packing == 16);          // three signed run-time activations summed on B
  CHECK(o.luts_cancel == 5 * 3);             // 2x2-bit low-half multipliers
  CHECK(o.luts_borrow == 4 * (8 + 2 + 1) + (18 + 3 + 1));  // ripple on lanes 1..5
  const PeResources f = estimate_pe_resources(builtin_layout("fp16m_x2_skipopu"));
  CHECK(f.luts_cancel == 21);                // 6x6-bit low half
  CHECK(f.luts_gated == 6);                  // hidden-bit gate of an 11-bit mantissa
  // 64 x 128 products per cycle.
  CHECK(dsps_for_products(builtin_layout("int8x2_wp486"), 8192) == 4096);
  CHECK(dsps_for_products(builtin_layout("int4x4_wp521"), 8192) == 2048);
  CHECK(dsps_for_products(builtin_layout("overpack6_int4"), 8192) == 1366);
  CHECK(dsps_for_products(builtin_layout("int4_fp16m_x3"), 8192) == 2731);
}

TEST_CASE("packing: error report formats are deterministic", "[packing]") {
  ErrorAnalysisOptions opt;
  opt.exhaustive_max_log2 = 8;  // forces sampling
  opt.samples = 1000;
  opt.seed = 42;
  const std::vector<LayoutError> r = {analyse_layout(builtin_layout("int4x4_wp521"), opt)};
  const std::vector<LayoutError> r2 = {analyse_layout(builtin_layout("int4x4_wp521"), opt)};
  CHECK_FALSE(r[0].exhaustive);
  CHECK(r[0].cases == 1000);
  CHECK(error_table_csv(r) == error_table_csv(r2));
  const std::string csv = error_table_csv(r);
  CHECK(csv.rfind("layout,lane,lane_name,exhaustive,cases,seed,", 0) == 0);
  CHECK(csv.find("\nint4x4_wp521,0,w0*x0,false,1000,42,8,true,0,0,0,0,0,0,0,0,0,0\n") != std::string::npos);
  const Json j = Json::parse(error_table_json(r));
  CHECK(j[0]["layout"] == "int4x4_wp521");
  CHECK(j[0]["lanes"].size() == 4);
  CHECK(j[0]["lanes"][1]["corrected"]["errors"] == 0);
  CHECK(error_table_text(r).find("int4x4_wp521") != std::string::npos);
}

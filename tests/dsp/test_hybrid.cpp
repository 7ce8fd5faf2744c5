#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "skipopu/dsp/fp16.hpp"
#include "skipopu/dsp/hybrid_mac.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/error.hpp"

using namespace skipopu::dsp;

TEST_CASE("hybrid: small dot product is exact", "[hybrid]") {
  const uint16_t act[3] = {fp16_from_double(1.0), fp16_from_double(2.0), fp16_from_double(-0.5)};
  const int8_t w[3] = {3, -2, 7};
  // (3 - 4 - 3.5) * 0.25
  for (const char* name : {"int4_fp16m_x2", "int4_fp16m_x3"})
    CHECK(hybrid_dot(act, w, 3, 0.25f, builtin_layout(name)) == -1.125);
}

TEST_CASE("hybrid: alignment to the shared exponent truncates toward -inf", "[hybrid]") {
  const auto& l = builtin_layout("int4_fp16m_x2");
  const uint16_t act[2] = {fp16_from_double(1.0), 0x0010};  // 1.0 and 16 * 2^-24 = 2^-20
  int8_t w[2] = {1, 1};
  HybridMacConfig cfg;
  cfg.guard_bits = 8;  // 2^-20 is 2^-18 below the shared LSB scale of 2^-10 * 2^-8: lost
  CHECK(hybrid_dot(act, w, 2, 1.0f, l, cfg) == 1.0);
  w[1] = -1;  // -2^-20 floors to -1 unit of 2^-18
  CHECK(hybrid_dot(act, w, 2, 1.0f, l, cfg) == 1.0 - std::ldexp(1.0, -18));
  cfg.guard_bits = 10;  // now 2^-20 is exactly one unit
  CHECK(hybrid_dot(act, w, 2, 1.0f, l, cfg) == 1.0 - std::ldexp(1.0, -20));
  CHECK(hybrid_accumulator_bits(cfg, 128) == 15 + 10 + 7);
}

TEST_CASE("hybrid: exact layouts give identical matvec results, close to double", "[hybrid]") {
  skipopu::SplitMix64 rng(3);
  const size_t rows = 7, n = 300, g = 64, groups = 5;
  std::vector<uint16_t> act(n);
  std::vector<int8_t> w(rows * n);
  std::vector<float> sc(rows * groups);
  for (auto& a : act) a = fp16_from_double(rng.normal());
  for (auto& x : w) x = static_cast<int8_t>(static_cast<int>(rng.next() >> 60) - 8);
  for (auto& s : sc) s = static_cast<float>(0.01 + 0.02 * rng.uniform());
  std::vector<float> y2(rows), y3(rows);
  hybrid_matvec(act.data(), w.data(), sc.data(), rows, n, g, builtin_layout("int4_fp16m_x2"), {}, y2.data());
  hybrid_matvec(act.data(), w.data(), sc.data(), rows, n, g, builtin_layout("int4_fp16m_x3"), {}, y3.data());
  CHECK(y2 == y3);
  for (size_t r = 0; r < rows; ++r) {
    double ref = 0;
    for (size_t gi = 0; gi < groups; ++gi) {
      double s = 0;
      for (size_t i = gi * g; i < std::min(n, (gi + 1) * g); ++i) s += fp16_to_double(act[i]) * w[r * n + i];
      ref += s * sc[r * groups + gi];
    }
    CHECK(std::fabs(y2[r] - ref) <= 1e-3 * std::max(1.0, std::fabs(ref)));
  }
  // FP16 result = the FP32 result rounded once more.
  HybridMacConfig c16;
  c16.result = HybridResult::Fp16;
  std::vector<float> h(rows);
  hybrid_matvec(act.data(), w.data(), sc.data(), rows, n, g, builtin_layout("int4_fp16m_x2"), c16, h.data());
  for (size_t r = 0; r < rows; ++r) CHECK(h[r] == fp16_to_float(fp16_from_float(y2[r])));
}

TEST_CASE("hybrid: unsuitable layout, bad weight and non-finite input", "[hybrid]") {
  const uint16_t act[2] = {0x3C00, 0x3C00};
  int8_t w[2] = {1, 1};
  CHECK_THROWS_AS(hybrid_dot(act, w, 2, 1.0f, builtin_layout("int8x2_wp486")), skipopu::InputError);
  w[0] = 8;
  CHECK_THROWS_WITH(hybrid_dot(act, w, 2, 1.0f, builtin_layout("int4_fp16m_x2")),
                    "hybrid_matvec: w4[0]: expected a 4-bit value in [-8, 7], got 8");
  w[0] = 1;
  const uint16_t inf[2] = {0x3C00, 0x7C00};
  CHECK(std::isnan(hybrid_dot(inf, w, 2, 1.0f, builtin_layout("int4_fp16m_x2"))));
}

TEST_CASE("hybrid: error study is deterministic and beats nothing it should not", "[hybrid]") {
  const auto& l = builtin_layout("int4_fp16m_x3");
  const HybridErrorStudy a = hybrid_error_study(l, "gaussian_outliers", 32, 512, 128, 5, {});
  const HybridErrorStudy b = hybrid_error_study(l, "gaussian_outliers", 32, 512, 128, 5, {});
  CHECK(a.hybrid_rel_l2 == b.hybrid_rel_l2);
  CHECK(a.fp32_rel_l2 == b.fp32_rel_l2);
  CHECK(a.hybrid_rel_l2 > 0);
  CHECK(a.hybrid_rel_l2 < 1e-3);  // 8 guard bits: truncation ~2^-8 of an LSB per product
  HybridMacConfig g0;
  g0.guard_bits = 0;
  const HybridErrorStudy c = hybrid_error_study(l, "gaussian_outliers", 32, 512, 128, 5, g0);
  CHECK(c.hybrid_rel_l2 > a.hybrid_rel_l2);  // fewer guard bits, more truncation error
  CHECK_THROWS_AS(hybrid_error_study(l, "cauchy", 4, 8, 8, 1, {}), skipopu::InputError);
}

// The fixed-point nonlinear unit / router model (nonlinear_fx.hpp) on hand-checkable inputs.
// The generated RTL is compared with this model bit for bit by the co-simulation tests
// (tests/rtl); these pin the model itself to exact values near the real functions.
#include <catch2/catch.hpp>

#include "skipopu/dsp/nonlinear_fx.hpp"

using namespace skipopu::dsp;

TEST_CASE("nonlinear fx: tables and exp", "[nonlinear_fx]") {
  CHECK(nl_exp_neg(0) == 32768);      // exp(0) = 1.0 in U1.15
  CHECK(nl_exp_neg(256) == 12065);    // exp(-1) = 0.36788 -> 12055.0; the truncated index reads high
  CHECK(nl_exp_neg(100000) == 0);     // beyond 2^-16
  CHECK(nl_exp_table(255) == 16428);  // 2^(-255/256)
  CHECK(nl_recip_table(0) == 65408);
  CHECK(nl_recip_table(255) == 32800);
  CHECK(nl_rsqrt_table(0) == 32704);
  CHECK(nl_rsqrt_table(255) == 16400);
  CHECK(nl_inv_n(4096) == 524288);
  CHECK(nl_inv_n(3) == 715827883);  // round(2^31 / 3)
}

TEST_CASE("nonlinear fx: reductions then their apply passes", "[nonlinear_fx]") {
  NlState st;
  const int16_t x[8] = {256, 256, 256, 256, 256, 256, 256, 256};  // eight 1.0s
  int16_t y[8];
  nl_pass(NlOp::SoftmaxReduce, 4, x, nullptr, 8, 0, st, nullptr);
  CHECK(st.res0 == 0x100);              // max 1.0
  CHECK(st.res1 == ((18u << 16) | 0xff80));  // 1/s: s = 8 * 2^15 = 2^18
  CHECK(st.res2 == 0x40000);
  nl_pass(NlOp::SoftmaxApply, 4, x, nullptr, 8, 0, st, y);
  CHECK(static_cast<uint16_t>(y[0]) == 4088);  // 1/8 = 4096 in U1.15, less the table's 0.2%
  nl_pass(NlOp::RmsnormReduce, 4, x, nullptr, 8, nl_inv_n(8), st, nullptr);
  CHECK(st.res0 == 32704);
  CHECK(st.res1 == 27);
  CHECK(st.res2 == 524288);  // 8 * 256^2
  const int16_t g[8] = {4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096};  // gamma 1.0
  nl_pass(NlOp::RmsnormApply, 4, x, g, 8, 0, st, y);
  CHECK(y[0] == 255);  // 1.0 minus one LSB
  const int16_t a[5] = {-5, 7, 7, 3, 7};
  nl_pass(NlOp::Argmax, 2, a, nullptr, 5, 0, st, nullptr);
  CHECK(st.res0 == 1);  // the first maximum
  CHECK(st.res1 == 7);
  nl_pass(NlOp::Argmax, 2, a, nullptr, 0, 0, st, nullptr);  // empty: state unchanged
  CHECK(st.res0 == 1);
}

TEST_CASE("nonlinear fx: element-wise operations and the router", "[nonlinear_fx]") {
  NlState st;
  int16_t y[2];
  const int16_t g[2] = {256, 0}, u[2] = {256, 256};
  nl_pass(NlOp::Swiglu, 2, g, u, 2, 0, st, y);
  CHECK(y[0] == 186);  // silu(1) = 0.7311 -> 187.2
  CHECK(y[1] == 0);
  const int16_t r1[2] = {32767, -32768}, r2[2] = {1, -1};
  nl_pass(NlOp::Residual, 2, r1, r2, 2, 0, st, y);
  CHECK(y[0] == 32767);  // saturates
  CHECK(y[1] == -32768);
  const int16_t xr[2] = {256, 0}, cs[2] = {0, 16384};  // (1, 0) rotated by 90 degrees
  nl_pass(NlOp::Rope, 2, xr, cs, 2, 0, st, y);
  CHECK(y[0] == 0);
  CHECK(y[1] == 256);
  const int16_t x[3] = {256, -512, 1}, w0[3] = {4096, 4096, 0}, w1[3] = {-4096, 0, 7};
  const RouterOut o = router_token(x, w0, w1, 3);
  CHECK(o.logit0 == -(int64_t{1} << 20));  // 1 - 2 = -1.0 in 20 fraction bits
  CHECK(o.logit1 == -(int64_t{1} << 20) + 7);
  CHECK(o.execute);
}

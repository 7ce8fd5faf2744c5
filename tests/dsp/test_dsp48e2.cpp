#include <catch2/catch.hpp>

#include "skipopu/dsp/dsp48e2.hpp"

using namespace skipopu::dsp;

TEST_CASE("dsp48e2: pre-adder uses A[26:0] and wraps at 27 bits", "[dsp48e2]") {
  Dsp48e2Config c;
  CHECK(Dsp48e2::preadd(c, int64_t{1} << 26, 0) == -(int64_t{1} << 26));  // bit 26 is the sign
  CHECK(Dsp48e2::preadd(c, (int64_t{1} << 27) + 5, 0) == 5);              // A[29:27] ignored
  CHECK(Dsp48e2::preadd(c, (int64_t{1} << 26) - 1, 1) == -(int64_t{1} << 26));  // overflow wraps
  c.preadd_sub = true;
  CHECK(Dsp48e2::preadd(c, 3, 10) == 7);
  c.use_d = false;
  CHECK(Dsp48e2::preadd(c, 3, 10) == -3);
  c.use_a = false;
  CHECK(Dsp48e2::preadd(c, 3, 10) == 0);
}

TEST_CASE("dsp48e2: signed 27x18 multiplier", "[dsp48e2]") {
  CHECK(Dsp48e2::multiply(-1, 0x3FFFF) == 1);  // B = all ones = -1
  CHECK(Dsp48e2::multiply(-(int64_t{1} << 26), 0x20000) == (int64_t{1} << 43));
  CHECK(Dsp48e2::multiply(5, 0x1FFFF) == 5 * 131071);
  CHECK(Dsp48e2::multiply(7, (int64_t{1} << 18) + 3) == 21);  // B[17:0] only
}

TEST_CASE("dsp48e2: 48-bit ALU wraps, carry-in, subtract and accumulate", "[dsp48e2]") {
  Dsp48e2 d;
  Dsp48e2Config c;  // W = C, Z = 0
  Dsp48e2Inputs in;
  in.b = 0;
  in.c = (int64_t{1} << 47) - 1;
  in.carry_in = 1;
  CHECK(d.clock(c, in) == -(int64_t{1} << 47));
  // Z = P accumulation: P += A*B
  c.z = ZMux::P;
  c.w = WMux::Zero;
  c.use_d = false;
  d.reset();
  in = Dsp48e2Inputs{};
  in.a = 100;
  in.b = 200;
  for (int i = 0; i < 3; ++i) d.clock(c, in);
  CHECK(d.p() == 60000);
  // ALUMODE 0011: Z - (W + X + Y + CIN) with Z = C
  c.z = ZMux::C;
  c.alu = AluMode::SubFromZ;
  in.a = 3;
  in.b = 4;
  in.c = 1000;
  in.carry_in = 1;
  CHECK(d.clock(c, in) == 987);
  // RND constant on W
  c.alu = AluMode::Add;
  c.z = ZMux::Zero;
  c.w = WMux::Rnd;
  c.rnd = 0xFFFFFFFFFFFF;  // 48 ones = -1
  in.carry_in = 0;
  CHECK(d.clock(c, in) == 11);
}

TEST_CASE("dsp48e2: sext and zext helpers", "[dsp48e2]") {
  CHECK(sext(0x80, 8) == -128);
  CHECK(sext(0x7F, 8) == 127);
  CHECK(sext(0x1FF, 8) == -1);
  CHECK(zext(-1, 11) == 2047u);
}

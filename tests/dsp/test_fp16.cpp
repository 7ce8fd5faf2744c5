#include <catch2/catch.hpp>
#include <cmath>

#include "skipopu/dsp/fp16.hpp"

using namespace skipopu::dsp;

TEST_CASE("fp16: known encodings with round-to-nearest-even", "[fp16]") {
  CHECK(fp16_from_double(1.0) == 0x3C00);
  CHECK(fp16_from_double(-2.0) == 0xC000);
  CHECK(fp16_from_double(65504.0) == 0x7BFF);
  CHECK(fp16_from_double(65519.99) == 0x7BFF);
  CHECK(fp16_from_double(65520.0) == 0x7C00);  // tie at the top rounds to even = Inf
  CHECK(fp16_from_double(-1e10) == 0xFC00);
  CHECK(fp16_from_double(std::ldexp(1.0, -14)) == 0x0400);  // smallest normal
  CHECK(fp16_from_double(std::ldexp(1.0, -24)) == 0x0001);  // smallest subnormal
  CHECK(fp16_from_double(std::ldexp(1.0, -25)) == 0x0000);  // tie -> even (0)
  CHECK(fp16_from_double(std::ldexp(3.0, -26)) == 0x0001);  // 1.5 * 2^-25 rounds up
  CHECK(fp16_from_double(std::ldexp(3.0, -25)) == 0x0002);  // 1.5 ulp tie -> even (2)
  CHECK(fp16_from_double(1.0 + std::ldexp(1.0, -11)) == 0x3C00);       // tie -> even
  CHECK(fp16_from_double(1.0 + std::ldexp(3.0, -11)) == 0x3C02);       // tie -> even (up)
  CHECK(fp16_from_double(2047.5) == 0x6800);  // rounds up into the next binade (2048)
  CHECK(fp16_from_double(0.1) == 0x2E66);
  CHECK(fp16_from_double(1.0 / 3.0) == 0x3555);
  CHECK(fp16_from_double(-0.0) == 0x8000);
  const uint16_t n = fp16_from_double(NAN);
  CHECK((n & 0x7C00) == 0x7C00);
  CHECK((n & 0x3FF) != 0);
}

TEST_CASE("fp16: every non-NaN half round-trips exactly", "[fp16]") {
  unsigned bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) continue;
    const double d = fp16_to_double(static_cast<uint16_t>(h));
    if (fp16_from_double(d) != h) ++bad;
    if (fp16_from_float(fp16_to_float(static_cast<uint16_t>(h))) != h) ++bad;
  }
  CHECK(bad == 0);
  CHECK(fp16_to_double(0x7BFF) == 65504.0);
  CHECK(fp16_to_double(0x0001) == std::ldexp(1.0, -24));
  CHECK(std::isinf(fp16_to_double(0x7C00)));
}

TEST_CASE("fp16: split into sign, LSB exponent and 11-bit mantissa", "[fp16]") {
  Fp16Parts p = fp16_split(0x3C00);
  CHECK(p.mantissa == 1024);
  CHECK(p.exponent == -10);
  CHECK_FALSE(p.negative);
  p = fp16_split(0x8001);
  CHECK(p.mantissa == 1);
  CHECK(p.exponent == -24);
  CHECK(p.negative);
  p = fp16_split(0x7BFF);
  CHECK(p.mantissa == 2047);
  CHECK(p.exponent == 5);
  CHECK_FALSE(fp16_split(0x7C00).finite);
}

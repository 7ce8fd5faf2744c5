// IEEE 754 binary16 conversions, written out bit by bit (no compiler _Float16, no libs).
// Rounding is round-to-nearest, ties-to-even; overflow rounds to infinity; subnormals are
// produced and read exactly; NaN payloads are kept in the top mantissa bits (quiet NaN).
// Also splits a half into sign / exponent / 11-bit mantissa as the PE datapath sees it.
#pragma once
#include <cstdint>

namespace skipopu::dsp {

uint16_t fp16_from_double(double x);
uint16_t fp16_from_float(float x);  // exact: float -> double is exact, then one rounding
double fp16_to_double(uint16_t h);  // exact
float fp16_to_float(uint16_t h);    // exact

struct Fp16Parts {
  bool negative = false;
  bool finite = true;     // false for Inf and NaN
  int exponent = 0;       // unbiased exponent of the mantissa's LSB: value = m * 2^exponent
  uint32_t mantissa = 0;  // 11 bits incl. hidden bit (hidden bit 0 for zero/subnormal)
};
Fp16Parts fp16_split(uint16_t h);

}  // namespace skipopu::dsp

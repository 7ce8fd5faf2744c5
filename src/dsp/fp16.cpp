#include "skipopu/dsp/fp16.hpp"

#include <cmath>
#include <cstring>

namespace skipopu::dsp {

namespace {

// Rounds a non-negative double that is exactly representable after scaling to the nearest
// integer, ties to even, without depending on the FP rounding mode.
double round_half_even(double v) {
  const double f = std::floor(v);
  const double d = v - f;  // exact: v and f are close and share the exponent range
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return std::fmod(f, 2.0) == 0.0 ? f : f + 1;
}

}  // namespace

uint16_t fp16_from_double(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 48) & 0x8000u);
  if (std::isnan(x)) {
    const uint16_t payload = static_cast<uint16_t>((bits >> 42) & 0x3FFu);
    return static_cast<uint16_t>(sign | 0x7C00u | 0x200u | payload);
  }
  const double a = std::fabs(x);
  if (std::isinf(a)) return static_cast<uint16_t>(sign | 0x7C00u);
  if (a == 0.0) return sign;
  // Largest half is 65504; anything at or above the midpoint to 2^16 rounds to infinity.
  if (a >= 65520.0) return static_cast<uint16_t>(sign | 0x7C00u);
  int e;  // a = f * 2^e with f in [0.5, 1)
  std::frexp(a, &e);
  int exp_lsb = (e - 1) - 10;  // exponent of the mantissa LSB for a normal half
  if (exp_lsb < -24) exp_lsb = -24;  // subnormal range: LSB is 2^-24
  const double m = round_half_even(std::ldexp(a, -exp_lsb));  // scaling by 2^k is exact
  // m in [0, 2048]; m == 2048 means the rounding carried into the next binade.
  double mm = m;
  int el = exp_lsb;
  if (mm >= 2048.0) {
    mm /= 2;
    el += 1;
  }
  if (mm == 0.0) return sign;
  const uint32_t mi = static_cast<uint32_t>(mm);
  if (mi < 1024) return static_cast<uint16_t>(sign | mi);  // subnormal (el == -24)
  const int biased = el + 10 + 15;
  if (biased >= 31) return static_cast<uint16_t>(sign | 0x7C00u);  // overflow -> Inf
  return static_cast<uint16_t>(sign | (biased << 10) | (mi & 0x3FFu));
}

uint16_t fp16_from_float(float x) { return fp16_from_double(static_cast<double>(x)); }

Fp16Parts fp16_split(uint16_t h) {
  Fp16Parts p;
  p.negative = (h & 0x8000u) != 0;
  const unsigned e = (h >> 10) & 0x1Fu;
  const unsigned f = h & 0x3FFu;
  if (e == 31) {
    p.finite = false;
    p.mantissa = f;
    return p;
  }
  p.mantissa = e == 0 ? f : (f | 0x400u);
  p.exponent = (e == 0 ? 1 : static_cast<int>(e)) - 15 - 10;
  return p;
}

double fp16_to_double(uint16_t h) {
  const Fp16Parts p = fp16_split(h);
  double v;
  if (!p.finite) v = p.mantissa == 0 ? INFINITY : NAN;
  else v = std::ldexp(static_cast<double>(p.mantissa), p.exponent);
  return p.negative ? -v : v;
}

float fp16_to_float(uint16_t h) { return static_cast<float>(fp16_to_double(h)); }

}  // namespace skipopu::dsp

// splitmix64 (Steele, Lea, Flood 2014): a tiny deterministic PRNG whose stream is the same
// on every platform and standard library (std:: distributions are not, so none are used).
// Models nothing in hardware; used for seeded samples and synthetic data.
#pragma once
#include <cstdint>

namespace skipopu {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // n > 0; modulo bias is below 2^-40 for n < 2^24 (benchmarks, sampling of addresses).
  uint64_t below(uint64_t n) { return next() % n; }
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Approximately standard normal: Irwin-Hall sum of 12 uniforms minus 6 (uses only
  // + and *, so it is bit-identical everywhere; tails are cut at +-6).
  double normal() {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }

 private:
  uint64_t s_;
};

}  // namespace skipopu

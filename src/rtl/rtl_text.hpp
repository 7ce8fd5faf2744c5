// Small helpers shared by the RTL generators' text emitters (src/rtl/generator_*.cpp).
#pragma once
#include <cstdint>
#include <string>

namespace skipopu::rtl::text {

inline std::string S(uint64_t v) { return std::to_string(v); }

// Bits to count 0..v-1 (ceil(log2 v)); 0 for v <= 1.
inline unsigned clog2(uint64_t v) {
  unsigned b = 0;
  while ((uint64_t(1) << b) < v) ++b;
  return b;
}

}  // namespace skipopu::rtl::text

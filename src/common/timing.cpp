#include "skipopu/timing.hpp"

namespace skipopu::timing {

uint64_t overlap_finish_reference(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                                  uint64_t tile_cycles) {
  uint64_t t = start;
  for (uint64_t i = 0; i < n_tiles; ++i) {
    const uint64_t arrival = n_tiles == 1 ? first : first + (i * (last - first)) / (n_tiles - 1);
    if (arrival > t) t = arrival;
    t += tile_cycles;
  }
  return t;
}

}  // namespace skipopu::timing

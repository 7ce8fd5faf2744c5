// Cycle formulas of the compute blocks: the one source of every compute-cycle number.
//
// Each SystemC block calls these; unit tests check them against hand-derived counts and
// against a tile-by-tile reference. All results are in core-clock cycles.
//
// PE array mapping (weight-stationary): a rows x cols tile of the weight matrix (rows
// output neurons, cols input elements) is loaded, then the M token vectors stream
// through it, one per cycle. A GEMM of M tokens, K inputs and N outputs therefore takes
//   ceil(N/rows) * ceil(K/cols) * M   cycles of compute, plus the pipeline latency.
// Attention maps each query separately (query-stationary): for a query that sees n
// context entries, Q.K^T takes heads*ceil(n/rows)*ceil(head_dim/cols) cycles and P.V
// heads*ceil(head_dim/rows)*ceil(n/cols) cycles.
#pragma once
#include <cstdint>

namespace skipopu::timing {

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

struct ArrayShape {
  uint32_t rows = 0;
  uint32_t cols = 0;
};

// Weight tiles of a K x N matrix, and the compute cycles for M tokens.
inline uint64_t gemm_tiles(const ArrayShape& a, uint64_t k, uint64_t n) {
  return ceil_div(n, a.rows) * ceil_div(k, a.cols);
}
inline uint64_t gemm_cycles(const ArrayShape& a, uint64_t m, uint64_t k, uint64_t n) {
  return gemm_tiles(a, k, n) * m;
}

// Compute cycles of one query over n context entries.
inline uint64_t attn_qk_cycles(const ArrayShape& a, uint64_t heads, uint64_t head_dim, uint64_t n) {
  return heads * ceil_div(n, a.rows) * ceil_div(head_dim, a.cols);
}
inline uint64_t attn_pv_cycles(const ArrayShape& a, uint64_t heads, uint64_t head_dim, uint64_t n) {
  return heads * ceil_div(head_dim, a.rows) * ceil_div(n, a.cols);
}

// A streaming unit (throughput per cycle, pipeline latency) over `elems` elements.
inline uint64_t stream_cycles(uint64_t elems, uint32_t per_cycle, uint32_t latency) {
  return ceil_div(elems, per_cycle) + latency;
}

// Producer/consumer overlap of a weight (or K/V) stream with the array's compute.
// The consumer needs n_tiles tiles of `tile_cycles` each, may start at `start`, and
// tile i is available at arrival(i). For an arrival profile that is linear between
// `first` (tile 0) and `last` (tile n-1) -- what a constant-rate stream delivers --
// the time the last tile's compute ends is exactly
//   max(max(start, first) + n_tiles*tile_cycles, last + tile_cycles)
// (proved against the tile-by-tile recurrence in tests/sim/test_timing.cpp).
// The pipeline latency is added by the caller.
inline uint64_t overlap_finish(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                               uint64_t tile_cycles) {
  if (n_tiles == 0) return start;
  const uint64_t s = start > first ? start : first;
  const uint64_t a = s + n_tiles * tile_cycles;
  const uint64_t b = last + tile_cycles;
  return a > b ? a : b;
}

// The same, tile by tile: the detailed reference used by tests. arrival(i) is
// first + floor(i*(last-first)/(n-1)).
uint64_t overlap_finish_reference(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                                  uint64_t tile_cycles);

}  // namespace skipopu::timing

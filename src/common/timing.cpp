#include "skipopu/timing.hpp"

namespace skipopu::timing {

namespace {

// Tile i of n arriving linearly between first and last (floored).
uint64_t linear_arrival(uint64_t first, uint64_t last, uint64_t i, uint64_t n) {
  return n == 1 ? first : first + (i * (last - first)) / (n - 1);
}

}  // namespace

uint64_t overlap_finish_reference(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                                  uint64_t tile_cycles) {
  uint64_t t = start;
  for (uint64_t i = 0; i < n_tiles; ++i) {
    const uint64_t arrival = linear_arrival(first, last, i, n_tiles);
    if (arrival > t) t = arrival;
    t += tile_cycles;
  }
  return t;
}

GemmWork gemm_work(const ArrayShape& a, const GemmPart* parts, size_t nparts) {
  GemmWork w;
  for (size_t i = 0; i < nparts; ++i) {
    w.compute += gemm_tiles(a, parts[i].k, parts[i].n) * parts[i].tokens;
    w.macs += parts[i].k * parts[i].n * parts[i].tokens;
    if (i > 0 && parts[i].tokens > parts[i - 1].tokens) w.ordered = false;
    w.tail = parts[i].tokens;
  }
  return w;
}

uint64_t gemm_finish_reference(const ArrayShape& a, const GemmPart* parts, size_t nparts, uint64_t start,
                               uint64_t first, uint64_t last) {
  uint64_t n = 0;
  for (size_t i = 0; i < nparts; ++i) {
    // Count the tiles by walking the matrix: row blocks of `rows` outputs, column blocks
    // of `cols` inputs.
    for (uint64_t r = 0; r < parts[i].n; r += a.rows)
      for (uint64_t c = 0; c < parts[i].k; c += a.cols) ++n;
  }
  uint64_t t = start, j = 0;
  for (size_t i = 0; i < nparts; ++i)
    for (uint64_t r = 0; r < parts[i].n; r += a.rows)
      for (uint64_t c = 0; c < parts[i].k; c += a.cols) {
        const uint64_t arrival = linear_arrival(first, last, j++, n);
        if (arrival > t) t = arrival;
        for (uint64_t m = 0; m < parts[i].tokens; ++m) ++t;  // one token vector per cycle
      }
  return t;
}

uint64_t router_finish_reference(uint64_t start, bool from_hbm, uint64_t weights_done, uint64_t tokens, uint64_t d,
                                 uint32_t lanes, uint32_t latency) {
  const uint64_t ready = from_hbm ? weights_done : start;
  uint64_t t = start;
  for (uint64_t k = 0; k < tokens; ++k)
    for (uint64_t e = 0; e < d; e += lanes) {
      if (ready > t) t = ready;
      ++t;
    }
  return t + latency;
}

AttentionCycles attention_cycles(const ArrayShape& a, const AttentionShape& s) {
  AttentionCycles w;
  for (size_t q = 0; q < s.queries; ++q) {
    w.qk += attn_qk_cycles(a, s.heads, s.head_dim, s.context[q]);
    w.pv += attn_pv_cycles(a, s.heads, s.head_dim, s.context[q]);
    w.softmax_elems += s.heads * s.context[q];
  }
  w.tail = attn_qk_cycles(a, s.heads, s.head_dim, 1) + attn_pv_cycles(a, s.heads, s.head_dim, 1);
  return w;
}

uint64_t attention_finish_reference(const ArrayShape& a, const AttentionShape& s, uint64_t start, uint64_t first,
                                    uint64_t last, bool fused, uint32_t latency,
                                    uint32_t fused_latency) {
  // Pass 1: the tile steps that do not read the stream's last entry, in walk order; pass 2:
  // those that do (the key blocks stream in order, every head per block, so the last
  // entry's steps of all heads come last). Each step is one cycle.
  uint64_t t = start;
  auto step = [&t](uint64_t ready) {
    if (ready > t) t = ready;
    ++t;
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t q = 0; q < s.queries; ++q) {
      const uint64_t n = s.context[q];
      const bool last_query = q + 1 == s.queries;
      for (uint64_t h = 0; h < s.heads; ++h) {
        // Q.K^T: key blocks of `rows` entries x head_dim chunks of `cols`.
        for (uint64_t kb = 0; kb < n; kb += a.rows) {
          const bool reads_last = last_query && kb + a.rows >= n;
          if (reads_last != (pass == 1)) continue;
          for (uint64_t dc = 0; dc < s.head_dim; dc += a.cols) step(reads_last ? last : first);
        }
        // P.V: head_dim blocks of `rows` outputs x entry chunks of `cols` (fused only:
        // unfused, P.V runs after the softmax passes, outside this pass).
        if (!fused) continue;
        for (uint64_t ob = 0; ob < s.head_dim; ob += a.rows)
          for (uint64_t ec = 0; ec < n; ec += a.cols) {
            const bool reads_last = last_query && ec + a.cols >= n;
            if (reads_last != (pass == 1)) continue;
            step(reads_last ? last : first);
          }
      }
    }
  }
  return t + latency + (fused ? fused_latency : 0);
}

}  // namespace skipopu::timing

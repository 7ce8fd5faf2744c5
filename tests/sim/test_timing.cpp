// Cycle formulas: hand-derived counts, and the closed-form stream overlap against the
// tile-by-tile reference (the "fast path equals detailed path" proof for the PE array).
#include <catch2/catch.hpp>

#include "skipopu/program.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu/timing.hpp"

using namespace skipopu;

TEST_CASE("GEMM cycles on the 64x128 array, hand-derived") {
  const timing::ArrayShape a{64, 128};
  // Llama-2-7B o_proj, one token: 4096/64 row tiles x 4096/128 column tiles = 64 x 32.
  CHECK(timing::gemm_cycles(a, 1, 4096, 4096) == 2048);
  // gate_up (K=4096, N=2*11008): ceil(22016/64)=344 x 32 = 11008.
  CHECK(timing::gemm_cycles(a, 1, 4096, 22016) == 11008);
  // down (K=11008, N=4096): 64 x ceil(11008/128)=86 -> 5504; prefill of 256 tokens.
  CHECK(timing::gemm_cycles(a, 256, 11008, 4096) == 5504ull * 256);
  // Shapes that do not divide: K=130 -> 2 column tiles, N=65 -> 2 row tiles.
  CHECK(timing::gemm_cycles(a, 3, 130, 65) == 12);
}

TEST_CASE("attention cycles per query, hand-derived") {
  const timing::ArrayShape a{64, 128};
  // 32 heads, head_dim 128, 320 context entries: QK^T 32*5*1, PV 32*2*3.
  CHECK(timing::attn_qk_cycles(a, 32, 128, 320) == 160);
  CHECK(timing::attn_pv_cycles(a, 32, 128, 320) == 192);
  CHECK(timing::stream_cycles(4096, 128, 8) == 40);
  CHECK(timing::stream_cycles(4097, 128, 8) == 41);
}

TEST_CASE("stream overlap: closed form equals the tile-by-tile reference") {
  uint64_t checked = 0;
  for (uint64_t n = 1; n <= 40; ++n)
    for (uint64_t c = 1; c <= 5; ++c)
      for (uint64_t start = 0; start <= 60; start += 7)
        for (uint64_t first = 0; first <= 50; first += 5)
          for (uint64_t span = 0; span <= 200; span += 13) {
            const uint64_t last = first + (n == 1 ? 0 : span);  // one tile: first == last
            INFO("n=" << n << " c=" << c << " start=" << start << " first=" << first << " last=" << last);
            REQUIRE(timing::overlap_finish(start, first, last, n, c) ==
                    timing::overlap_finish_reference(start, first, last, n, c));
            ++checked;
          }
  CHECK(checked == 40 * 5 * 9 * 11 * 16);
  // Memory-bound: the last tile arrives at 1000, one tile of compute follows.
  CHECK(timing::overlap_finish(0, 10, 1000, 64, 1) == 1001);
  // Compute-bound: 64 tiles x 10 cycles after the first arrival.
  CHECK(timing::overlap_finish(0, 10, 100, 64, 10) == 650);
}

TEST_CASE("weight bytes of a quantised matrix") {
  WeightFormat f;
  f.bits = 4; f.group_size = 128; f.scale_bits = 16; f.zero_point_bits = 0;
  // 4096 x 4096: 8 MiB of 4-bit weights + 32*4096 groups x 2 B of scales.
  CHECK(matrix_bytes(f, 4096, 4096, 4) == 8388608ull + 262144ull);
  f.zero_point_bits = 4;  // + 4-bit zero points: 32*4096 groups x 0.5 B
  CHECK(matrix_bytes(f, 4096, 4096, 4) == 8388608ull + 262144ull + 65536ull);
  // A partial group still carries a scale: K=130 -> 2 groups per column.
  f.zero_point_bits = 0;
  CHECK(matrix_bytes(f, 130, 1, 4) == (130 * 4 + 2 * 16) / 8);
}

TEST_CASE("clock-domain crossing between 225 MHz core and 450 MHz AXI is exact") {
  ClockCrossing x;
  x.core_hz = 225000000; x.axi_hz = 450000000; x.sync = 2;
  CHECK(x.to_axi(0) == 2);
  CHECK(x.to_axi(10) == 22);
  CHECK(x.to_core(21) == 11 + 2);  // ceil(21/2) = 11, plus 2 synchroniser cycles
  CHECK(x.to_core(22) == 13);
  CHECK(x.visible_axi(13) == 22);  // completions up to AXI 22 are visible at core 13
  CHECK(x.to_core(x.visible_axi(13)) <= 13);
  CHECK(x.to_core(x.visible_axi(13) + 1) > 13);
  // A ratio that does not divide: 200 MHz core, 450 MHz AXI.
  x.core_hz = 200000000; x.sync = 0;
  CHECK(x.to_axi(4) == 9);
  CHECK(x.to_core(10) == 5);  // ceil(10 * 200/450) = ceil(4.44)
  for (uint64_t c = 0; c < 1000; ++c) {
    REQUIRE(x.to_core(x.visible_axi(c)) <= c);
    REQUIRE(x.to_core(x.visible_axi(c) + 1) > c);
  }
}

// Cycle formulas: hand-derived counts, and the closed-form stream overlap against the
// tile-by-tile reference (the "fast path equals detailed path" proof for the PE array).
#include <catch2/catch.hpp>

#include "skipopu/program.hpp"
#include "skipopu/sizes.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu/timing.hpp"

#include <algorithm>
#include <vector>

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
  CHECK(sizes::matrix_bytes(f, 4096, 4096, 4) == 8388608ull + 262144ull);
  f.zero_point_bits = 4;  // + 4-bit zero points: 32*4096 groups x 0.5 B
  CHECK(sizes::matrix_bytes(f, 4096, 4096, 4) == 8388608ull + 262144ull + 65536ull);
  // A partial group still carries a scale: K=130 -> 2 groups per column.
  f.zero_point_bits = 0;
  CHECK(sizes::matrix_bytes(f, 130, 1, 4) == (130 * 4 + 2 * 16) / 8);
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
  // first_core_at, the inverse of to_axi: the first core cycle c with to_axi(c) >= a, against a
  // search, for ratios 450/225 and 450/200 with 0 and 2 synchroniser cycles
  for (uint64_t core : {225000000ull, 200000000ull})
    for (uint32_t sync : {0u, 2u}) {
      x.core_hz = core;
      x.sync = sync;
      uint64_t c = 0;
      for (uint64_t a = 0; a < 2000; ++a) {
        while (x.to_axi(c) < a) ++c;
        INFO("core " << core << " sync " << sync << " a " << a);
        REQUIRE(x.first_core_at(a) == c);
      }
    }
}

TEST_CASE("GEMM general form (mixed token counts): closed form equals the tile-by-tile reference") {
  // Parts in stream order with non-increasing tokens (K/V projection for every token first,
  // then Q for the routed ones), shapes that do and do not divide the array.
  const timing::ArrayShape a{4, 8};
  const uint64_t shapes[][2] = {{8, 4}, {16, 12}, {9, 5}, {24, 3}};
  uint64_t checked = 0;
  for (const auto& s0 : shapes)
    for (const auto& s1 : shapes)
      for (uint64_t m0 = 1; m0 <= 6; ++m0)
        for (uint64_t m1 = 1; m1 <= m0; ++m1)
          for (uint64_t start = 0; start <= 40; start += 13)
            for (uint64_t first = 0; first <= 30; first += 10)
              for (uint64_t span = 0; span <= 160; span += 9) {
                const timing::GemmPart parts[2] = {{s0[0], s0[1], m0}, {s1[0], s1[1], m1}};
                const timing::GemmWork w = timing::gemm_work(a, parts, 2);
                REQUIRE(w.ordered);
                INFO("parts " << s0[0] << "x" << s0[1] << "*" << m0 << ", " << s1[0] << "x" << s1[1] << "*" << m1
                              << " start=" << start << " first=" << first << " last=" << first + span);
                REQUIRE(timing::gemm_finish(start, first, first + span, w) ==
                        timing::gemm_finish_reference(a, parts, 2, start, first, first + span));
                ++checked;
              }
  CHECK(checked == 16 * 21 * 4 * 4 * 18);
  // By hand: 2 tiles x 3 tokens then 2 tiles x 1 token, stream first 0 .. last 30:
  // compute-bound start 0 -> 8; the last tile arrives at 30 and takes 1 cycle -> 31.
  const timing::GemmPart p[2] = {{8, 8, 3}, {8, 8, 1}};
  const timing::GemmWork w = timing::gemm_work(a, p, 2);
  CHECK(w.compute == 8);
  CHECK(w.tail == 1);
  CHECK(w.macs == 64 * 4);
  CHECK(timing::gemm_finish(0, 0, 30, w) == 31);
  CHECK(timing::gemm_finish(0, 0, 3, w) == 8);
}

TEST_CASE("GEMM with a weight-buffer read limit: closed form equals the tile-step recurrence") {
  // Issue 10, defect 5: a tile step with tokens lasts max(tokens, tile_read) cycles. The
  // costs keep the token counts' order, so gemm_finish stays exact; swept as above.
  const timing::ArrayShape a{4, 8};
  const uint64_t shapes[][2] = {{8, 4}, {16, 12}, {9, 5}};
  uint64_t checked = 0;
  for (uint64_t tile_read = 0; tile_read <= 5; ++tile_read)
    for (const auto& s0 : shapes)
      for (const auto& s1 : shapes)
        for (uint64_t m0 = 0; m0 <= 6; ++m0)
          for (uint64_t m1 = 0; m1 <= m0; ++m1)
            for (uint64_t first = 0; first <= 30; first += 10)
              for (uint64_t span = 0; span <= 160; span += 9) {
                const timing::GemmPart parts[2] = {{s0[0], s0[1], m0}, {s1[0], s1[1], m1}};
                const timing::GemmWork w = timing::gemm_work(a, parts, 2, tile_read);
                REQUIRE(w.ordered);
                INFO("tile_read " << tile_read << " tokens " << m0 << ", " << m1 << " last " << first + span);
                REQUIRE(timing::gemm_finish(13, first, first + span, w) ==
                        timing::gemm_finish_reference(a, parts, 2, 13, first, first + span, tile_read));
                ++checked;
              }
  CHECK(checked == 6 * 9 * 28 * 4 * 18);
  // By hand: 2 tiles x 1 token, then 2 tiles x 1 token, tiles read out in 3 cycles: compute
  // 4 x 3 = 12, tail 3; stream 0 .. 30 -> max(0 + 12, 30 + 3) = 33 (without the limit 31).
  const timing::GemmPart p[2] = {{8, 8, 1}, {8, 8, 1}};
  const timing::GemmWork w = timing::gemm_work(a, p, 2, 3);
  CHECK(w.compute == 12);
  CHECK(w.tail == 3);
  CHECK(timing::gemm_finish(0, 0, 30, w) == 33);
  CHECK(timing::gemm_finish(0, 0, 30, timing::gemm_work(a, p, 2)) == 31);
}

TEST_CASE("GEMM general form: growing token counts break the closed form (its precondition)") {
  const timing::ArrayShape a{4, 8};
  // Ordered (8 tokens on 1 tile, then 1 token on 2 tiles): the closed form holds for every span.
  const timing::GemmPart q[2] = {{8, 4, 8}, {8, 8, 1}};
  CHECK(timing::gemm_work(a, q, 2).ordered);
  for (uint64_t last = 0; last <= 60; ++last)
    REQUIRE(timing::gemm_finish(0, 0, last, timing::gemm_work(a, q, 2)) ==
            timing::gemm_finish_reference(a, q, 2, 0, 0, last));
  // Growing (1 token on 1 tile, then 8 tokens on 2 tiles): the middle tile can dominate, so
  // some span makes the closed form wrong -- which is why the PE array checks `ordered`.
  const timing::GemmPart r[2] = {{8, 4, 1}, {8, 8, 8}};
  CHECK(!timing::gemm_work(a, r, 2).ordered);
  bool differs = false;
  for (uint64_t last = 0; last <= 60; ++last)
    differs |= timing::gemm_finish(0, 0, last, timing::gemm_work(a, r, 2)) !=
               timing::gemm_finish_reference(a, r, 2, 0, 0, last);
  CHECK(differs);
}

TEST_CASE("router finish equals the token-by-token, chunk-by-chunk reference") {
  uint64_t checked = 0;
  for (uint64_t tokens = 1; tokens <= 5; ++tokens)
    for (uint64_t d = 1; d <= 300; d += 23)
      for (uint32_t lanes : {1u, 7u, 64u, 128u})
        for (uint32_t lat : {0u, 10u})
          for (uint64_t start = 0; start <= 50; start += 25)
            for (uint64_t first = 0; first <= 60; first += 30)
              for (uint64_t span = 0; span <= 100; span += 50)
                for (bool hbm : {false, true}) {
                  INFO("tokens=" << tokens << " d=" << d << " lanes=" << lanes << " start=" << start);
                  REQUIRE(timing::router_finish(start, hbm, first, first + span, tokens, d, lanes, lat) ==
                          timing::router_finish_reference(start, hbm, first + span, tokens, d, lanes, lat));
                  ++checked;
                }
  CHECK(checked == 5 * 14 * 4 * 2 * 3 * 3 * 3 * 2);
  // By hand: 3 tokens x ceil(300/128) = 9 cycles + 10; weights from HBM visible at 40.
  CHECK(timing::router_finish(0, false, 0, 0, 3, 300, 128, 10) == 19);
  CHECK(timing::router_finish(0, true, 20, 40, 3, 300, 128, 10) == 59);
}

TEST_CASE("attention over a K/V stream: closed form equals the step-by-step reference") {
  // Arbitrary per-entry arrival profiles (in-order, bursty, out of order, on-chip entries at
  // 0), several array shapes, prefill-like multi-query and decode contexts.
  const std::vector<std::vector<uint64_t>> contexts = {{1}, {5}, {9}, {17}, {1, 2, 3}, {3, 8, 13}, {8, 16}, {40}};
  uint64_t checked = 0, state = 12345;
  auto rnd = [&state](uint64_t m) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % m;
  };
  for (const timing::ArrayShape a : {timing::ArrayShape{4, 8}, timing::ArrayShape{8, 4}, timing::ArrayShape{3, 5}})
    for (const auto& ctx : contexts)
      for (uint64_t heads : {1, 3})
        for (uint64_t hd : {4, 8, 12})
          for (int profile = 0; profile < 12; ++profile) {
            const size_t n = *std::max_element(ctx.begin(), ctx.end());
            std::vector<uint64_t> ready(n);
            for (size_t e = 0; e < n; ++e) {
              switch (profile % 4) {
                case 0: ready[e] = 10 + e * (profile + 1); break;             // linear
                case 1: ready[e] = rnd(300); break;                            // out of order
                case 2: ready[e] = rnd(4) == 0 ? 0 : 50 + 7 * e; break;        // some on chip
                default: ready[e] = e + 1 == n ? 500 : 20 + (e / 5) * 40; break;  // bursts, late tail
              }
            }
            for (uint64_t start : {0, 40, 200}) {
              const timing::AttentionShape s{heads, hd, ctx.data(), ctx.size()};
              INFO("rows=" << a.rows << " cols=" << a.cols << " queries=" << ctx.size() << " heads=" << heads
                           << " hd=" << hd << " profile=" << profile << " start=" << start);
              for (timing::AttnSteps st : {timing::AttnSteps::Both, timing::AttnSteps::QkOnly, timing::AttnSteps::PvOnly})
                REQUIRE(timing::attention_stream_finish(a, s, start, ready.data(), n, st) ==
                        timing::attention_stream_reference(a, s, start, ready.data(), n, st));
              ++checked;
            }
          }
  CHECK(checked == 3 * 8 * 2 * 3 * 12 * 3);
  // By hand, decode on the 64x128 array: 32 heads, head_dim 128, 320 entries: Q.K^T 5 key
  // blocks x 32 steps (entries 63, 127, 191, 255, 319), P.V 3 chunks x 64 (127, 255, 319).
  const uint64_t ctx = 320;
  const timing::AttentionShape s{32, 128, &ctx, 1};
  const timing::AttentionCycles w = timing::attention_cycles({64, 128}, s);
  CHECK(w.qk == 160);
  CHECK(w.pv == 192);
  CHECK(w.softmax_elems == 32 * 320);
  std::vector<uint64_t> ready(320, 0);
  // All on chip: the engine still takes one entry a cycle, entry e in cycle 5 + e. Bounds: the
  // start + 352 steps = 357; entry 63: 68 + 352 = 420; 127: 132 + 320 = 452; 191: 196 + 224 =
  // 420; 255: 260 + 192 = 452; 319: 324 + 96 = 420. (Without the one-a-cycle rule: 357.)
  CHECK(timing::attention_stream_finish({64, 128}, s, 5, ready.data(), 320, timing::AttnSteps::Both) == 452);
  // The entries stream one per cycle from 10: entry e at 10 + e. Bounds A(need) + steps
  // left: entry 63: 73 + 352; 127: 137 + 320 (key blocks 1-4, P.V chunks 0-2) = 457; 191:
  // 201 + 224; 255: 265 + 192 = 457; 319: 329 + 96. Unfused Q.K^T only: 73 + 160, 137 + 128,
  // 201 + 96, 265 + 64, 329 + 32 = 361.
  for (uint64_t e = 0; e < 320; ++e) ready[e] = 10 + e;
  CHECK(timing::attention_stream_finish({64, 128}, s, 0, ready.data(), 320, timing::AttnSteps::Both) == 457);
  CHECK(timing::attention_stream_finish({64, 128}, s, 0, ready.data(), 320, timing::AttnSteps::QkOnly) == 361);
  // P.V alone over a V stream (the unfused kv_split baseline): chunks need entries 127, 255,
  // 319, 64 steps each: 137 + 192, 265 + 128, 329 + 64 = 393.
  CHECK(timing::attention_stream_finish({64, 128}, s, 0, ready.data(), 320, timing::AttnSteps::PvOnly) == 393);
  // Memory-bound: one entry every 4 cycles: last entry at 10 + 4*319 = 1286, + 96 steps.
  for (uint64_t e = 0; e < 320; ++e) ready[e] = 10 + 4 * e;
  CHECK(timing::attention_stream_finish({64, 128}, s, 0, ready.data(), 320, timing::AttnSteps::Both) == 1382);
}

TEST_CASE("attention_stream_finish: the step engine takes one entry a cycle, as the generated RTL's entry queue") {
  // Measured in the VCD of blocks.top=rtl (docs/rtl.md step 17): the tiny model's decode ATTN L0
  // of token 13 on the 4 x 8 array, 4 heads of 16: qk_block 4 * 2 = 8 steps, pv_chunk 4 * 4 = 16.
  // Context 8 (7 entries from the HBM, the query's own entry on chip last): Q.K^T blocks end at
  // entries 3 and 7 (8 steps each), the P.V chunk at entry 7 (16), 32 steps in all. The entries'
  // last beats, relative to the issue: 37 38 40 40 41 43 45; the own entry at once (0). Taken:
  // 37 38 40 41 42 43 45 46 (entry 3 a cycle after entry 2, with which it arrived; the own entry
  // after entry 6). Bounds: entry 3: 41 + 32 = 73; entry 7: 46 + 24 = 70. The RTL's steps end in
  // cycle 73 (a_fin); the rule without the one-a-cycle take (entry 3 at 40) gives 72.
  const uint64_t ctx = 8;
  const timing::AttentionShape s{4, 16, &ctx, 1};
  const timing::ArrayShape a{4, 8};
  REQUIRE(timing::step_counts(a, s).qk_block == 8);
  REQUIRE(timing::step_counts(a, s).pv_chunk == 16);
  const std::vector<uint64_t> ready{37, 38, 40, 40, 41, 43, 45, 0};
  CHECK(timing::attention_stream_finish(a, s, 0, ready.data(), 8, timing::AttnSteps::Both) == 73);
  CHECK(timing::attention_stream_reference(a, s, 0, ready.data(), 8, timing::AttnSteps::Both) == 73);
  // Eight entries arriving together at 10: taken 10..17; every step needs entry 3 or 7: entry 3:
  // 13 + 32 = 45; entry 7: 17 + 24 = 41.
  const std::vector<uint64_t> together(8, 10);
  CHECK(timing::attention_stream_finish(a, s, 0, together.data(), 8, timing::AttnSteps::Both) == 45);
  // None taken before the start: all on chip, start 100: entry 3 at 103: 135.
  const std::vector<uint64_t> on_chip(8, 0);
  CHECK(timing::attention_stream_finish(a, s, 100, on_chip.data(), 8, timing::AttnSteps::Both) == 135);
}

TEST_CASE("EMBED intake: the activation buffer takes one port's beats a cycle, the RTL's +48") {
  // The pin's prefill EMBED (docs/rtl.md step 24): 8 rows of 4 beats, 4 on port 0 then 4 on
  // port 1, each row's first and last data (issue = 0). Port 0 takes 2 1 1 2 2 2 2 2 2 beats at
  // 32..40 (a beat a cycle while only one is visible); port 1's beats, visible from 38, wait
  // until port 0 has none (41), 2 a cycle to 48: embed_done at + 48, the generated processor's
  // (VCD of the pin's run), where the last row's data is at + 46.
  const std::vector<timing::IntakeRow> rows = {{0, 4, 32, 34}, {0, 4, 35, 36}, {0, 4, 37, 38}, {0, 4, 39, 40},
                                               {1, 4, 38, 40}, {1, 4, 40, 42}, {1, 4, 42, 44}, {1, 4, 44, 46}};
  CHECK(timing::embed_intake_reference(rows.data(), rows.size(), 4, 0, 2) == 48);
  timing::EmbedIntake in;
  in.start(4, 0, 2);
  for (const auto& r : rows) in.add(r.port, r.beats, r.first, r.done);
  in.advance(UINT64_MAX);
  CHECK(in.idle());
  CHECK(in.end() == 48);
  // one row on a port of its own: done with its last beat (a decode EMBED)
  in.start(4, 100, 2);
  in.add(2, 4, 130, 132);
  in.advance(UINT64_MAX);
  CHECK(in.end() == 132);
  // the second lane takes the same request's next beat only (the read master's out2_valid):
  // two one-beat requests on a port visible at 110 go at 110 and 111
  const std::vector<timing::IntakeRow> two = {{1, 1, 110, 110}, {1, 1, 110, 110}};
  CHECK(timing::embed_intake_reference(two.data(), two.size(), 4, 100, 2) == 111);
  in.start(4, 100, 2);
  for (const auto& r : two) in.add(r.port, r.beats, r.first, r.done);
  in.advance(UINT64_MAX);
  CHECK(in.end() == 111);
  in.start(4, 100, 2);  // no row: the issue cycle
  in.advance(UINT64_MAX);
  CHECK(in.end() == 100);
  // embedding.intake_beats_per_cycle: one lane takes a beat a cycle (port 0's 16 beats at 32..47,
  // port 1's 16 after them: + 63); four lanes take port 0's rows as their beats arrive
  CHECK(timing::embed_intake_reference(rows.data(), rows.size(), 4, 0, 1) == 63);
  in.start(4, 0, 1);
  for (const auto& r : rows) in.add(r.port, r.beats, r.first, r.done);
  in.advance(UINT64_MAX);
  CHECK(in.end() == 63);
  const uint64_t four = timing::embed_intake_reference(rows.data(), rows.size(), 4, 0, 4);
  in.start(4, 0, 4);
  for (const auto& r : rows) in.add(r.port, r.beats, r.first, r.done);
  in.advance(UINT64_MAX);
  CHECK(in.end() == four);
  CHECK(four < 48);
}

TEST_CASE("EMBED intake fed as data becomes known equals the beat-by-beat reference, 1 to 3 lanes") {
  uint64_t state = 777;
  auto rnd = [&state](uint64_t m) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % m;
  };
  uint64_t checked = 0, differ_two_lanes = 0;
  for (int round = 0; round < 400; ++round) {
    const uint32_t ports = 1 + static_cast<uint32_t>(rnd(6));
    const size_t n = rnd(40);
    std::vector<timing::IntakeRow> rows(n);
    std::vector<uint64_t> t(ports, 0);
    const uint64_t start = rnd(20);
    for (auto& r : rows) {  // a port's data in its requests' order, sometimes overlapping
      r.port = static_cast<uint32_t>(rnd(ports));
      r.beats = static_cast<uint32_t>(rnd(5) == 0 ? 1 + rnd(2) : 1 + rnd(20));
      r.first = std::max(t[r.port], start + 1 + rnd(10)) + rnd(round % 3 == 0 ? 30 : 4);
      r.done = r.first + (r.beats > 1 ? rnd(2 * r.beats) : rnd(3));
      t[r.port] = r.first + rnd(r.done - r.first + 1);
    }
    const uint32_t lanes = 1 + static_cast<uint32_t>(round % 3);  // 1, 2, 3 beats a cycle
    const uint64_t ref = timing::embed_intake_reference(rows.data(), n, ports, start, lanes);
    // fed in horizon steps: a request once the horizon passes its first data, each port in order
    timing::EmbedIntake in;
    in.start(ports, start, lanes);
    std::vector<size_t> next(ports, 0);
    std::vector<std::vector<size_t>> of(ports);
    for (size_t i = 0; i < n; ++i) of[rows[i].port].push_back(i);
    for (uint64_t h = start; ; h += 1 + rnd(8)) {
      bool more = false;
      for (uint32_t p = 0; p < ports; ++p) {
        while (next[p] < of[p].size() && rows[of[p][next[p]]].first <= h) {
          const auto& r = rows[of[p][next[p]++]];
          in.add(r.port, r.beats, r.first, r.done);
        }
        more = more || next[p] < of[p].size();
      }
      in.advance(h + 1);  // every beat visible at or before h added
      if (!more) break;
    }
    in.advance(UINT64_MAX);
    INFO("round " << round);
    REQUIRE(in.idle());
    REQUIRE(in.end() == ref);
    // against a buffer with a lane per port (each port's last beat): the one-port rule moves it
    uint64_t last = start;
    for (const auto& r : rows) last = std::max(last, r.done);
    if (ref != last) ++differ_two_lanes;
    ++checked;
  }
  CHECK(checked == 400);
  CHECK(differ_two_lanes > 100);
}

TEST_CASE("K/V walk: the generated walk's waits at history-buffer lookups, hand-derived (docs/rtl.md step 26)") {
  // the pin's processor: request 2, a token a cycle, hit 4, miss 3, one URAM (8 B a cycle), 256-bit beats
  timing::KvWalkTiming t;
  t.request_cycles = 2;
  t.walk_cycles = 1;
  t.hit_latency = 4;
  t.miss_latency = 3;
  t.read_bytes = 8;
  t.beat_bytes = 32;
  using K = timing::WalkKind;
  struct Case {
    std::vector<timing::WalkEntry> e;
    std::vector<uint64_t> at;
    std::vector<uint64_t> reads;  // the table reads of a context of 4 tokens (token 3: no entry)
    uint64_t end;                 // the walk over those 4 tokens (A_FL): token 3 classified + 1
  };
  const Case cases[] = {
      // own, hit, own: the hit's lookup at 3, first beat 7, its 8 beats' credit 8 x 32 / 8 = 32;
      // the walk reaches token 2 at 7 + 1 + 2 (the prefill L1 of the pin: token 2's read at ATTN + 10);
      // the table: tokens 0 and 1 at 0 and 1, then tokens 2 and 3 from the cycle after the beat (A_RD)
      {{{0, K::Read, 0}, {1, K::Hit, 256}, {2, K::Read, 0}}, {2, 32, 10}, {0, 1, 8, 9}, 11},
      // two hits: the second lookup waits for the first's last beat (32): at 33, first beat 37
      {{{0, K::Hit, 256}, {1, K::Hit, 256}, {2, K::Read, 0}}, {32, 64, 40}, {0, 7, 38, 39}, 41},
      // a miss: lookup 3, answer 6, requested 8, the walk on at 6 + 2 + 2
      {{{0, K::Read, 0}, {1, K::Miss, 0}, {2, K::Read, 0}}, {2, 8, 10}, {0, 1, 8, 9}, 11},
  };
  // A context whose last token is a hit: the walk is over the cycle after its first beat (3 + 4 + 1).
  {
    const std::vector<timing::WalkEntry> e = {{0, K::Read, 0}, {1, K::Hit, 256}};
    std::vector<uint64_t> got(2), ref(2);
    uint64_t got_end = 0, ref_end = 0;
    timing::kv_walk(t, e.data(), 2, got.data(), 2, nullptr, &got_end);
    timing::kv_walk_reference(t, e.data(), 2, ref.data(), 2, nullptr, &ref_end);
    CHECK(got_end == 8);
    CHECK(ref_end == 8);
  }
  for (const Case& c : cases) {
    std::vector<uint64_t> got(c.e.size()), ref(c.e.size()), ref_reads, got_reads;
    std::vector<timing::TableReadRun> runs;
    uint64_t got_end = 0, ref_end = 0;
    timing::kv_walk(t, c.e.data(), c.e.size(), got.data(), 4, &runs, &got_end);
    timing::kv_walk_reference(t, c.e.data(), c.e.size(), ref.data(), 4, &ref_reads, &ref_end);
    CHECK(got_end == c.end);
    CHECK(ref_end == c.end);
    for (const auto& r : runs)
      for (uint64_t k = 0; k < r.count; ++k) got_reads.push_back(r.first + k * t.walk_cycles);
    CHECK(got == c.at);
    CHECK(ref == c.at);
    CHECK(got_reads == c.reads);
    CHECK(ref_reads == c.reads);
  }
}

TEST_CASE("K/V walk: closed form equals the cycle-by-cycle reference on random walks, table reads included") {
  uint64_t s = 7;
  auto rnd = [&s](uint64_t m) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (s >> 33) % m;
  };
  const uint64_t rates[] = {0, 4, 8, 12, 16, 32};
  for (int it = 0; it < 5000; ++it) {
    timing::KvWalkTiming t;
    t.request_cycles = 1 + rnd(3);
    t.walk_cycles = 1 + rnd(2);
    t.hit_latency = 2 + rnd(4);
    t.miss_latency = 2 + rnd(3);
    t.read_bytes = rates[rnd(6)];
    t.beat_bytes = 32;
    std::vector<timing::WalkEntry> e;
    uint32_t tok = 0;
    for (size_t i = 0, n = 1 + rnd(12); i < n; ++i) {
      tok += static_cast<uint32_t>(rnd(3));
      const auto k = static_cast<timing::WalkKind>(rnd(3));
      e.push_back({tok++, k, k == timing::WalkKind::Hit ? 32 * (1 + rnd(9)) : 0});
    }
    std::vector<uint64_t> got(e.size()), ref(e.size()), ref_reads, got_reads;
    std::vector<timing::TableReadRun> runs;
    // the context: up to 2 tokens without an entry after the last one
    const uint32_t context = tok + static_cast<uint32_t>(rnd(3));
    uint64_t got_end = 0, ref_end = 0;
    timing::kv_walk(t, e.data(), e.size(), got.data(), context, &runs, &got_end);
    timing::kv_walk_reference(t, e.data(), e.size(), ref.data(), context, &ref_reads, &ref_end);
    REQUIRE(got == ref);
    REQUIRE(got_end == ref_end);
    for (const auto& r : runs)
      for (uint64_t k = 0; k < r.count; ++k) got_reads.push_back(r.first + k * t.walk_cycles);
    REQUIRE(got_reads.size() == context);  // every token of the context read once
    REQUIRE(got_reads == ref_reads);
  }
}

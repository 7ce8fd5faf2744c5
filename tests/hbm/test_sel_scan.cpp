// The fast path's row-command selection kernel (src/hbm/sel_scan.hpp) has a scalar loop and
// AVX2 / AVX-512 variants picked at run time. Each variant this CPU runs must give the same
// minimum, tie mask and next key as the scalar loop, and the scalar loop must give the
// values computed here by hand, on inputs with many ties, kInf candidates and globals above
// and below the per-bank times. Variants the CPU lacks are reported, not silently passed.
#include <catch2/catch.hpp>

#include <iostream>

#include <vector>

#include "../../src/hbm/sel_scan.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu::hbm::detail;

TEST_CASE("selection kernel: scalar loop on hand-computed inputs", "[hbm][sel_scan]") {
  // 8 banks: ACT candidates on banks 1, 2, 5; PRE on 0, 3, 4, 6; bank 7 has none.
  const int64_t raw[8] = {10, 3, 20, 12, 12, 9, 30, kSelInf};
  const uint64_t act = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 7);
  uint64_t tied = 0;
  int64_t k2 = kSelInf;
  // keys: PRE max(raw, 11) = 11, 12, 12, 30; ACT max(raw, 9) = 9, 20, 9; bank 7 kInf
  const int64_t bt = sel_scan_scalar(raw, act, 11, 9, 8, tied, k2);
  CHECK(bt == 9);
  CHECK(tied == ((1u << 1) | (1u << 5)));
  CHECK(k2 == 11);
  // no candidate at all: kInf, tie mask and k2 untouched
  const int64_t none[4] = {kSelInf, kSelInf, kSelInf, kSelInf};
  tied = 0;
  k2 = kSelInf;
  CHECK(sel_scan_scalar(none, 0, 0, 0, 4, tied, k2) == kSelInf);
  CHECK(tied == 0);
  CHECK(k2 == kSelInf);
}

// One vector variant against the scalar loop (and the dispatched variant) on 20000 random
// inputs. A CPU without the feature runs none of them: the test then says so on stdout and
// CTest reports it as skipped (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt), not passed.
static void compare_with_scalar(const char* feature,
                                bool (*variant)(const int64_t*, uint64_t, int64_t, int64_t, uint32_t, uint64_t&,
                                                int64_t&, int64_t&)) {
  skipopu::SplitMix64 rng(2026);
  int ran = 0;
  for (int it = 0; it < 20000; ++it) {
    const uint32_t n = 8u * uint32_t(1 + rng.below(8));  // 8..64 banks
    std::vector<int64_t> raw(n);
    const int64_t base = int64_t(rng.below(1u << 20));
    const uint64_t spread = 1 + rng.below(it % 3 == 0 ? 4 : 64);  // small spreads: many ties
    for (uint32_t b = 0; b < n; ++b)
      raw[b] = rng.below(5) == 0 ? kSelInf : base + int64_t(rng.below(spread));
    const uint64_t act = rng.next() & (n == 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1);
    const int64_t g_pre = base + int64_t(rng.below(spread + 2));
    const int64_t g_act = g_pre + int64_t(rng.below(spread + 2));
    uint64_t t0 = 0;
    int64_t k0 = kSelInf;
    const int64_t b0 = sel_scan_scalar(raw.data(), act, g_pre, g_act, n, t0, k0);
    uint64_t t1 = 0;
    int64_t k1 = kSelInf, b1 = 0;
    if (variant(raw.data(), act, g_pre, g_act, n, t1, k1, b1)) {
      ++ran;
      REQUIRE(b1 == b0);
      REQUIRE(t1 == t0);
      REQUIRE(k1 == k0);
    }
    uint64_t t3 = 0;
    int64_t k3 = kSelInf;
    REQUIRE(sel_scan(raw.data(), act, g_pre, g_act, n, t3, k3) == b0);  // the dispatched variant
    REQUIRE(t3 == t0);
    REQUIRE(k3 == k0);
  }
  if (ran == 0) std::cout << "SKIPPED (no CPU support): this CPU has no " << feature << "\n";
  else CHECK(ran == 20000);  // n is always a multiple of 8: every input suits both variants
}

TEST_CASE("selection kernel: the AVX2 variant equals the scalar loop", "[hbm][sel_scan]") {
  compare_with_scalar("AVX2", sel_scan_avx2);
}

TEST_CASE("selection kernel: the AVX-512 variant equals the scalar loop", "[hbm][sel_scan]") {
  compare_with_scalar("AVX-512", sel_scan_avx512);
}

// The column bus's first look (the banks at or below the shared part) against the scalar scan
// with act = 0 and g_pre = g_act = g, at every bank count (16: the AVX-512 variant): when any
// bank is ready, they are the banks tied at the earliest key, g.
TEST_CASE("selection kernel: the column bus's ready banks are the scan's tie at g", "[hbm][sel_scan]") {
  skipopu::SplitMix64 rng(2027);
  int some = 0, none = 0, avx2 = 0;
  for (int it = 0; it < 20000; ++it) {
    const uint32_t n = it % 2 ? 16 : 4u * uint32_t(1 + rng.below(16));
    std::vector<int64_t> raw(n);
    const int64_t base = int64_t(rng.below(1u << 20));
    const uint64_t spread = 1 + rng.below(it % 3 == 0 ? 4 : 64);
    for (uint32_t b = 0; b < n; ++b)
      raw[b] = rng.below(5) == 0 ? kSelInf : base + int64_t(rng.below(spread));
    const int64_t g = base + int64_t(rng.below(spread + 2)) - 1;
    uint64_t t0 = 0;
    int64_t k0 = kSelInf;
    const int64_t b0 = sel_scan_scalar(raw.data(), 0, g, g, n, t0, k0);
    const uint64_t r = sel_ready(raw.data(), g, n);
    REQUIRE(sel_ready_scalar(raw.data(), g, n) == r);
    uint64_t r2 = ~r;
    if (sel_ready_avx2(raw.data(), g, n, r2)) {
      ++avx2;
      REQUIRE(r2 == r);
    }
    if (r) {
      ++some;
      REQUIRE(b0 == g);
      REQUIRE(r == t0);
    } else {
      ++none;
      REQUIRE(b0 > g);
    }
  }
  REQUIRE(some > 1000);
  REQUIRE(none > 1000);
  if (avx2 == 0) std::cout << "SKIPPED (no CPU support): this CPU has no AVX2 (its ready variant)\n";
  else CHECK(avx2 == 20000);  // n is always a multiple of 4
}

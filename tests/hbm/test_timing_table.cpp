// The declarative timing table (src/hbm/timing_table.hpp) and its two evaluators: the table
// spelled out row by row for a hand-chosen timing set (every derived row computed here by hand),
// the detailed TimingChecker and the fast TimingRegisters agreeing on the earliest time of every
// command at every bank along random command sequences, and the registers' canonical form
// (encode / restore, the stream memo's key) giving max(now, earliest) and evolving like the
// original afterwards.
#include <catch2/catch.hpp>
#include <algorithm>
#include <vector>
#include "../../src/hbm/timing_table.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu::hbm;
using namespace skipopu::hbm::detail;

namespace {

// Distinct values, so each derived row shows which fields it came from.
Timing hand_timing(uint32_t bl) {
  Timing t;
  t.tRCDRD = 14, t.tRCDWR = 10, t.tRP = 13, t.tRAS = 34, t.tRC = 48;
  t.tCL = 17, t.tCWL = 4, t.tCCD_S = 2, t.tCCD_L = 5, t.tRRD_S = 3, t.tRRD_L = 6, t.tFAW = 16;
  t.tWR = 16, t.tWTR_S = 3, t.tWTR_L = 8, t.tRTP = 7, t.tRTW = 1, t.tRFC = 260, t.tREFI = 3900;
  t.tRFCsb = 160, t.tRREFD = 9;
  t.BL = bl;
  return t;
}

struct Row {
  Cmd from, to;
  Scope scope;
  int32_t cycles;
};

void check_table(const Timing& t, const std::vector<Row>& want) {
  const std::vector<Constraint> got = make_timing_table(t);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("row " << i);
    CHECK(int(got[i].from) == int(want[i].from));
    CHECK(int(got[i].to) == int(want[i].to));
    CHECK(int(got[i].scope) == int(want[i].scope));
    CHECK(got[i].cycles == want[i].cycles);
  }
}

constexpr uint32_t kBanks = 16, kGroupShift = 2;  // 4 bank groups of 4 banks

void require_agree(const TimingChecker& ck, const TimingRegisters& rg, int step) {
  for (int c = 0; c < kCmds; ++c) {
    if (c == PREA) continue;  // PREA's earliest is its banks' PRE (the bank model asks PRE)
    for (uint32_t b = 0; b < kBanks; ++b) {
      const T a = ck.earliest(Cmd(c), b), r = rg.earliest(Cmd(c), b);
      if (a != r) FAIL("step " << step << ": cmd " << c << " bank " << b << ": checker " << a << ", registers " << r);
    }
  }
}

}  // namespace

TEST_CASE("timing table: every row spelled out for a hand-chosen timing set", "[hbm][timing]") {
  // BL 4: two data cycles a burst; tCCD_S 2 >= 2, tCCD_L 5 >= 2.
  // RD->WR: max(tCCD_S, tCL + tRTW + BL/2 - tCWL) = max(2, 17 + 1 + 2 - 4) = 16
  // WR->RD: tCWL + tWTR + BL/2 = 4 + 3 + 2 = 9 (channel), 4 + 8 + 2 = 14 (group)
  // WR->PRE: tCWL + tWR + BL/2 = 4 + 16 + 2 = 22
  check_table(hand_timing(4), {
      {ACT, ACT, kBank, 48},    {ACT, ACT, kGroup, 6},       {ACT, ACT, kChannel, 3},
      {ACT, RD, kBank, 14},     {ACT, WR, kBank, 10},        {ACT, PRE, kBank, 34},
      {PRE, ACT, kBank, 13},
      {RD, RD, kGroup, 5},      {RD, RD, kChannel, 2},       {WR, WR, kGroup, 5},
      {WR, WR, kChannel, 2},    {RD, WR, kChannel, 16},      {WR, RD, kGroup, 14},
      {WR, RD, kChannel, 9},    {RD, PRE, kBank, 7},         {WR, PRE, kBank, 22},
      {PRE, REF, kChannel, 13}, {REF, ACT, kChannel, 260},
      {PRE, REFSB, kBank, 13},  {REFSB, ACT, kBank, 160},    {REFSB, ACT, kChannel, 9},
      {REFSB, REFSB, kChannel, 9}, {ACT, REFSB, kChannel, 3},
  });
  // BL 8: four data cycles a burst, above tCCD_S (2): the data bus sets the column spacing.
  // tCCD_S -> 4, tCCD_L 5 stays; RD->WR max(4, 17 + 1 + 4 - 4) = 18; WR->RD 11 / 16; WR->PRE 24.
  check_table(hand_timing(8), {
      {ACT, ACT, kBank, 48},    {ACT, ACT, kGroup, 6},       {ACT, ACT, kChannel, 3},
      {ACT, RD, kBank, 14},     {ACT, WR, kBank, 10},        {ACT, PRE, kBank, 34},
      {PRE, ACT, kBank, 13},
      {RD, RD, kGroup, 5},      {RD, RD, kChannel, 4},       {WR, WR, kGroup, 5},
      {WR, WR, kChannel, 4},    {RD, WR, kChannel, 18},      {WR, RD, kGroup, 16},
      {WR, RD, kChannel, 11},   {RD, PRE, kBank, 7},         {WR, PRE, kBank, 24},
      {PRE, REF, kChannel, 13}, {REF, ACT, kChannel, 260},
      {PRE, REFSB, kBank, 13},  {REFSB, ACT, kBank, 160},    {REFSB, ACT, kChannel, 9},
      {REFSB, REFSB, kChannel, 9}, {ACT, REFSB, kChannel, 3},
  });
}

TEST_CASE("timing table: checker and registers agree on random command sequences", "[hbm][timing]") {
  for (uint32_t bl : {4u, 8u}) {
    const Timing t = hand_timing(bl);
    const std::vector<Constraint> table = make_timing_table(t);
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      INFO("BL " << bl << ", seed " << seed);
      skipopu::SplitMix64 rng(seed);
      TimingChecker ck(table, kBanks, kGroupShift, t.tFAW);
      TimingRegisters rg(table, kBanks, kGroupShift, t.tFAW);
      require_agree(ck, rg, -1);
      T now = 0;
      for (int step = 0; step < 2000; ++step) {
        const Cmd c = Cmd(rng.below(kCmds));
        const uint32_t b = uint32_t(rng.below(kBanks));
        const uint64_t closed = c == PREA ? rng.next() & 0xFFFF : 0;
        T e = 0;
        if (c == PREA) {  // as the bank model: the latest of its banks' PRE
          for (uint64_t m = closed; m; m &= m - 1) e = std::max(e, ck.earliest(PRE, uint32_t(__builtin_ctzll(m))));
        } else {
          e = ck.earliest(c, b);
        }
        // Commands issue in nondecreasing time, at or after their earliest; sometimes exactly
        // at it, sometimes later (an idle stretch).
        const uint64_t r = rng.below(8);
        now = std::max(now, e) + T(r < 4 ? 0 : r == 7 ? 100 : r);
        ck.issue(c, b, now, closed);
        rg.issue(c, b, now, closed);
        require_agree(ck, rg, step);
      }
    }
  }
}

TEST_CASE("timing table: the registers' canonical form gives max(now, earliest) and evolves alike", "[hbm][timing]") {
  const Timing t = hand_timing(4);
  const std::vector<Constraint> table = make_timing_table(t);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    skipopu::SplitMix64 rng(seed);
    TimingRegisters rg(table, kBanks, kGroupShift, t.tFAW);
    T now = 0;
    auto step = [&](TimingRegisters& a, TimingRegisters* b) {
      // Half ACTs, so the four-activate window binds (its ring's order is part of the form).
      const Cmd c = rng.below(2) ? ACT : Cmd(rng.below(kCmds));
      if (c == PREA) return;  // PREA needs a mask; the sequence test covers it
      const uint32_t bank = uint32_t(rng.below(kBanks));
      now = std::max(now, a.earliest(c, bank)) + T(rng.below(3));
      a.issue(c, bank, now);
      if (b) b->issue(c, bank, now);
    };
    for (int i = 0; i < 300; ++i) step(rg, nullptr);
    const T at = now + T(rng.below(4));  // the canonical form is taken at or after the last issue
    std::vector<int32_t> w(rg.words());
    rg.encode(at, w.data());
    TimingRegisters back(table, kBanks, kGroupShift, t.tFAW);
    back.restore(at, w.data());
    for (int c = 0; c < kCmds; ++c)
      for (uint32_t b = 0; b < kBanks; ++b) {
        INFO("cmd " << c << " bank " << b);
        REQUIRE(back.earliest(Cmd(c), b) == std::max(at, rg.earliest(Cmd(c), b)));
      }
    now = at;
    for (int i = 0; i < 300; ++i) {
      step(rg, &back);
      for (int c = 0; c < kCmds; ++c)
        for (uint32_t b = 0; b < kBanks; ++b) {
          const T x = std::max(now, rg.earliest(Cmd(c), b)), y = std::max(now, back.earliest(Cmd(c), b));
          if (x != y) FAIL("after restore, step " << i << ": cmd " << c << " bank " << b << ": " << x << " vs " << y);
        }
    }
  }
}

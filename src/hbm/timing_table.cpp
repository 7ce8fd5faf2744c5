#include "timing_table.hpp"

#include <algorithm>

namespace skipopu::hbm::detail {

std::vector<Constraint> make_timing_table(const Timing& t) {
  const int32_t tB = int32_t(t.burst_cycles());
  const int32_t ccd_s = std::max(int32_t(t.tCCD_S), tB), ccd_l = std::max(int32_t(t.tCCD_L), tB);
  const int32_t rd_to_wr = std::max(ccd_s, int32_t(t.tCL + t.tRTW) + tB - int32_t(t.tCWL));
  const int32_t wr_to_rd_s = int32_t(t.tCWL + t.tWTR_S) + tB, wr_to_rd_l = int32_t(t.tCWL + t.tWTR_L) + tB;
  const int32_t wr_to_pre = int32_t(t.tCWL + t.tWR) + tB;
  auto c = [](uint32_t v) { return int32_t(v); };
  return {
      // activation
      {ACT, ACT, kBank, c(t.tRC)},      {ACT, ACT, kGroup, c(t.tRRD_L)},  {ACT, ACT, kChannel, c(t.tRRD_S)},
      {ACT, RD, kBank, c(t.tRCDRD)},    {ACT, WR, kBank, c(t.tRCDWR)},    {ACT, PRE, kBank, c(t.tRAS)},
      {PRE, ACT, kBank, c(t.tRP)},
      // column commands (data-bus occupancy included: tCCD >= BL/2)
      {RD, RD, kGroup, ccd_l},          {RD, RD, kChannel, ccd_s},        {WR, WR, kGroup, ccd_l},
      {WR, WR, kChannel, ccd_s},        {RD, WR, kChannel, rd_to_wr},     {WR, RD, kGroup, wr_to_rd_l},
      {WR, RD, kChannel, wr_to_rd_s},   {RD, PRE, kBank, c(t.tRTP)},      {WR, PRE, kBank, wr_to_pre},
      // all-bank refresh (PREA is a PRE of every open bank)
      {PRE, REF, kChannel, c(t.tRP)},   {REF, ACT, kChannel, c(t.tRFC)},
      // per-bank refresh
      {PRE, REFSB, kBank, c(t.tRP)},    {REFSB, ACT, kBank, c(t.tRFCsb)}, {REFSB, ACT, kChannel, c(t.tRREFD)},
      {REFSB, REFSB, kChannel, c(t.tRREFD)}, {ACT, REFSB, kChannel, c(t.tRRD_S)},
  };
}

// ---- TimingChecker ----

TimingChecker::TimingChecker(const std::vector<Constraint>& table, uint32_t banks, uint32_t group_shift,
                             uint32_t tFAW)
    : nb_(banks), ng_(banks >> group_shift), gs_(group_shift), faw_cycles_(tFAW) {
  for (const Constraint& k : table) by_to_[k.to].push_back(k);
  last_bank_.assign(size_t(kCmds) * nb_, kNeg);
  last_group_.assign(size_t(kCmds) * ng_, kNeg);
  last_all_.fill(kNeg);
}

T TimingChecker::earliest(Cmd c, uint32_t b) const {
  T t = 0;
  const uint32_t g = b >> gs_;
  for (const Constraint& k : by_to_[c]) {
    const T last = k.scope == kBank    ? last_bank_[k.from * nb_ + b]
                   : k.scope == kGroup ? last_group_[k.from * ng_ + g]
                                       : last_all_[k.from];
    t = std::max(t, last + k.cycles);
  }
  if (is_row_cmd(c)) t = std::max(t, last_row_ + 1);              // one row command per cycle
  if (c == ACT) t = std::max(t, faw_[faw_pos_] + faw_cycles_);  // four-activate window
  return t;
}

void TimingChecker::note(Cmd c, uint32_t b, T t) {
  last_bank_[c * nb_ + b] = t;
  last_group_[c * ng_ + (b >> gs_)] = t;
  last_all_[c] = t;
}

void TimingChecker::issue(Cmd c, uint32_t b, T t, uint64_t banks_closed) {
  if (c == PREA) {
    for (uint64_t m = banks_closed; m; m &= m - 1) note(PRE, uint32_t(__builtin_ctzll(m)), t);
  } else {
    note(c, b, t);
  }
  if (is_row_cmd(c)) last_row_ = t;
  if (c == ACT) {
    faw_[faw_pos_] = t;
    faw_pos_ = (faw_pos_ + 1) & 3;
  }
}

// ---- TimingRegisters ----

TimingRegisters::TimingRegisters(const std::vector<Constraint>& table, uint32_t banks, uint32_t group_shift,
                                 uint32_t tFAW)
    : nb_(banks), gs_(group_shift), faw_cycles_(tFAW) {
  group0_ = banks * kCmds;
  chan0_ = group0_ + (banks >> group_shift) * kCmds;
  r_.assign(size_t(chan0_) + kCmds, 0);
  for (int c = 0; c < kCmds; ++c)
    for (uint32_t b = 0; b < banks; ++b) {
      at_.push_back(uint32_t(push_.size()));
      for (const Constraint& k : table) {
        if (k.from != c) continue;
        const uint32_t base = k.scope == kBank ? b * kCmds : k.scope == kGroup ? group0_ + (b >> gs_) * kCmds : chan0_;
        push_.push_back(Push{base + k.to, k.cycles});
      }
    }
  at_.push_back(uint32_t(push_.size()));
}

void TimingRegisters::encode(T now, int32_t* w) const {
  auto rel = [now](T v) { return int32_t(v > now ? v - now : 0); };
  for (T v : r_) *w++ = rel(v);  // per bank, per group, the channel's
  *w++ = rel(row_bus_);
  for (uint32_t i = 0; i < 4; ++i) *w++ = rel(faw_[(faw_pos_ + i) & 3] + faw_cycles_);
}

void TimingRegisters::restore(T now, const int32_t* k) {
  for (T& v : r_) v = now + *k++;
  row_bus_ = now + *k++;
  for (uint32_t i = 0; i < 4; ++i) faw_[i] = now + *k++ - faw_cycles_;
  faw_pos_ = 0;
}

}  // namespace skipopu::hbm::detail

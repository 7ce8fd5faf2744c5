// The DRAM timing constraints of one pseudo-channel as a declarative table, and the two ways
// the bank model evaluates it:
//  - TimingChecker (detailed path): the last issue time of every command per bank, bank group
//    and channel; a command's earliest time is a scan of the table rows that end in it.
//  - TimingRegisters (fast path): per command, per bank / group / channel, the earliest time
//    it may issue; issuing a command pushes the registers of every table row that starts
//    with it.
// Both are built from the one table (make_timing_table), so they cannot drift apart: commands
// issue in nondecreasing time, hence max over past issues of (issue + cycles) equals
// (last issue + cycles). tests/hbm/test_timing_table.cpp checks the two agree on random
// command sequences and spells out the table row by row.
// Row commands (ACT, PRE, PREA, REF, REFsb) share one row-command bus (one per cycle) and
// ACTs the four-activate window; column commands (RD, WR) have their own bus, whose data
// occupancy is in the RD/WR rows (max(tCCD, BL/2)).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm::detail {

using T = int64_t;  // device cycles
constexpr T kNeg = -(T(1) << 50);
constexpr T kInf = T(1) << 62;

enum Cmd : uint8_t { ACT = 0, PRE = 1, RD = 2, WR = 3, REF = 4, PREA = 5, REFSB = 6 };
constexpr int kCmds = 7;
enum Scope : uint8_t { kBank = 0, kGroup = 1, kChannel = 2 };

struct Constraint {
  Cmd from, to;
  Scope scope;
  int32_t cycles;
};

// The table for one timing set (JEDEC-style rows: from-command, to-command, scope, cycles).
std::vector<Constraint> make_timing_table(const Timing& t);
inline bool is_row_cmd(Cmd c) { return c == ACT || c == PRE || c == PREA || c == REF || c == REFSB; }

// Detailed path.
class TimingChecker {
 public:
  TimingChecker() = default;
  TimingChecker(const std::vector<Constraint>& table, uint32_t banks, uint32_t group_shift, uint32_t tFAW);
  T earliest(Cmd c, uint32_t bank) const;
  // Records a command. PREA is recorded as a PRE of every bank in `banks_closed` (bit mask).
  void issue(Cmd c, uint32_t bank, T t, uint64_t banks_closed = 0);

 private:
  void note(Cmd c, uint32_t bank, T t);
  std::array<std::vector<Constraint>, kCmds> by_to_;
  uint32_t nb_ = 0, ng_ = 0, gs_ = 0;
  T faw_cycles_ = 0;
  std::vector<T> last_bank_, last_group_;  // [cmd * n + index]
  std::array<T, kCmds> last_all_{};
  T last_row_ = kNeg;
  std::array<T, 4> faw_{{kNeg, kNeg, kNeg, kNeg}};
  uint32_t faw_pos_ = 0;
};

// Fast path.
class TimingRegisters {
 public:
  TimingRegisters() = default;
  TimingRegisters(const std::vector<Constraint>& table, uint32_t banks, uint32_t group_shift, uint32_t tFAW);
  // earliest = max(own, common): the bank and bank-group part, and the part every bank shares
  // (channel registers, the row-command bus, the four-activate window).
  T own(Cmd c, uint32_t bank) const {
    return std::max(r_[bank * kCmds + c], r_[group0_ + (bank >> gs_) * kCmds + c]);
  }
  T common(Cmd c) const {
    T t = r_[chan0_ + c];
    if (is_row_cmd(c)) t = std::max(t, row_bus_);
    if (c == ACT) t = std::max(t, faw_[faw_pos_] + faw_cycles_);
    return t;
  }
  T earliest(Cmd c, uint32_t bank) const { return std::max(own(c, bank), common(c)); }
  void issue(Cmd c, uint32_t bank, T t, uint64_t banks_closed = 0) {  // inline: one call per command
    if (c == PREA) {
      for (uint64_t m = banks_closed; m; m &= m - 1) push(PRE, uint32_t(__builtin_ctzll(m)), t);
    } else {
      push(c, bank, t);
    }
    if (is_row_cmd(c)) row_bus_ = t + 1;
    if (c == ACT) {
      faw_[faw_pos_] = t;
      faw_pos_ = (faw_pos_ + 1) & 3;
    }
  }

  // Canonical form relative to `now` (stream extrapolation): every register as its distance
  // above `now`, 0 if at or below it (a register at or below the present acts as the present).
  size_t words() const { return r_.size() + 1 + 4; }
  void encode(T now, int32_t* w) const;
  void restore(T now, const int32_t* k);

 private:
  void push(Cmd c, uint32_t bank, T t) {
    const uint32_t i = c * nb_ + bank;
    T* const r = r_.data();
    for (const Push* p = push_.data() + at_[i], *e = push_.data() + at_[i + 1]; p != e; ++p)
      r[p->reg] = std::max(r[p->reg], t + p->cycles);
  }
  struct Push {  // one table row for one issuing bank: the register it pushes, by how much
    uint32_t reg;
    int32_t cycles;
  };
  // per (command, bank): the rows starting with that command, resolved to registers
  // (push_[at_[c * banks + b] .. at_[c * banks + b + 1]))
  std::vector<Push> push_;
  std::vector<uint32_t> at_;
  uint32_t nb_ = 0, gs_ = 0;
  T faw_cycles_ = 0;
  // the registers: per bank, per bank group, then the channel's ([index * kCmds + cmd] each)
  std::vector<T> r_;
  uint32_t group0_ = 0, chan0_ = 0;
  T row_bus_ = 0;
  std::array<T, 4> faw_{{kNeg, kNeg, kNeg, kNeg}};
  uint32_t faw_pos_ = 0;
};

}  // namespace skipopu::hbm::detail

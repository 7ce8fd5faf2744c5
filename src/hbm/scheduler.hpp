// Command scheduling policy of one pseudo-channel controller (controller.scheduler), one
// definition for both paths of the bank model. Its unit is one column access (one beat,
// beat_bytes): an AXI burst in the queue is served beat by beat, in any order the policy picks.
//
// Per bank, for the current mode (reads or writes), the engine hands over a BankView: the
// oldest pending beat, how many pending beats hit the open row and the oldest of those. From
// it the policy offers at most one column candidate and one row-command candidate per bank;
// the engine issues, on each bus, the candidate that can issue earliest (then the oldest, then
// the lowest bank). The column and row-command buses are separate (HBM), so a ready column
// command never waits for a row command.
//   frfcfs      (Rixner et al., ISCA 2000; DRAMSys, Ramulator 2): column commands for row hits
//               of any queued request, oldest hit per bank; ACT for the oldest pending beat of a
//               closed bank; PRE of an open bank only when no pending beat hits its row.
//               A row counts as open for column purposes only once ACT + tRCD has passed: that is
//               the column candidate's earliest time, so a ready hit in another bank goes first.
//   frfcfs_cap  frfcfs, but once row_hit_cap hits have bypassed an older miss to the same bank,
//               the bank serves no more hits until that miss's row is opened (PRE allowed).
//   fcfs        only the oldest pending beat of the mode may issue its next command.
// Closed page (controller.page_policy): an open bank with no pending beat of the mode is
// precharged. A bank whose per-bank refresh is pending takes no column command or ACT; it is
// precharged and refreshed (REFsb) with top priority.
#pragma once
#include <cstdint>

#include "timing_table.hpp"

namespace skipopu::hbm::detail {

struct BankView {
  int64_t open_row = -1;       // -1: closed
  uint32_t pending = 0;        // pending beats of the mode in this bank
  uint32_t hits = 0;           // ... of which hit the open row
  uint64_t oldest_age = 0;     // the oldest pending beat (valid if pending)
  uint32_t oldest_row = 0;
  int32_t oldest_node = -1;
  uint64_t hit_age = 0;        // the oldest hit (valid if hits)
  int32_t hit_node = -1;
  uint32_t bypass = 0;         // hits served since the last ACT while an older miss waited
  bool refresh_pending = false;
};

struct ColCand {
  T t = kInf;
  uint64_t age = 0;
  uint32_t bank = 0;
  int32_t node = -1;
  bool bypass = false;  // an older pending beat of the same bank (a miss) is passed over
  bool some = false;
  uint64_t tied = 0;    // fast path, before the winner is resolved: the banks tied at t
};

struct RowCand {
  T t = kInf;
  uint64_t age = 0;
  uint32_t bank = 0;
  uint32_t row = 0;
  Cmd cmd = ACT;
  bool some = false;
  uint64_t tied = 0;  // fast path, before the winner is resolved: the banks tied at t
};

// What the policy lets one bank do next (the engine adds the times).
struct BankChoice {
  bool col = false;           // a column command for col_node (the mode's RD or WR)
  uint64_t col_age = 0;
  int32_t col_node = -1;
  bool col_bypass = false;    // an older pending beat of the same bank (a miss) is passed over
  bool row = false;           // a row command
  Cmd row_cmd = ACT;
  uint64_t row_age = 0;
  uint32_t row_row = 0;
};

class SchedulerPolicy {
 public:
  SchedulerPolicy() = default;
  SchedulerPolicy(HbmParams::Scheduler kind, uint32_t cap, bool open_page)
      : kind_(kind), cap_(cap), open_page_(open_page) {}
  bool fcfs() const { return kind_ == HbmParams::Scheduler::Fcfs; }

  // Bank b's next commands. `is_oldest`: (fcfs) this bank holds the oldest pending beat of the mode.
  void choose(const BankView& v, bool is_oldest, BankChoice& c) const {
    c.col = c.row = false;
    if (v.refresh_pending) {  // precharge, then refresh, before anything else
      row(c, v.open_row >= 0 ? PRE : REFSB, 0, 0);
      return;
    }
    if (v.open_row < 0) {
      if (v.pending && (!fcfs() || is_oldest)) row(c, ACT, v.oldest_age, v.oldest_row);
      return;
    }
    if (v.pending == 0) {
      if (!open_page_) row(c, PRE, UINT64_MAX, 0);
      return;
    }
    const bool oldest_hits = int64_t(v.oldest_row) == v.open_row;
    if (fcfs()) {
      if (!is_oldest) return;
      if (oldest_hits) col(c, v.oldest_age, v.oldest_node, false);
      else row(c, PRE, v.oldest_age, 0);
      return;
    }
    const bool capped = kind_ == HbmParams::Scheduler::FrFcfsCap && !oldest_hits && v.bypass >= cap_;
    if (v.hits && !capped) col(c, v.hit_age, v.hit_node, v.hit_age != v.oldest_age);
    else if (!oldest_hits) row(c, PRE, v.oldest_age, 0);
  }

  // The bus takes the candidate that can issue earliest (times clamped to the present), then
  // the oldest, then the lowest bank.
  static bool wins(T t, uint64_t age, uint32_t b, T best_t, uint64_t best_age, uint32_t best_b) {
    return t != best_t ? t < best_t : age != best_age ? age < best_age : b < best_b;
  }
  static void offer(ColCand& c, const BankChoice& ch, uint32_t b, T t) {
    if (c.some && !wins(t, ch.col_age, b, c.t, c.age, c.bank)) return;
    c = ColCand{t, ch.col_age, b, ch.col_node, ch.col_bypass, true};
  }
  static void offer(RowCand& r, const BankChoice& ch, uint32_t b, T t) {
    if (r.some && !wins(t, ch.row_age, b, r.t, r.age, r.bank)) return;
    r = RowCand{t, ch.row_age, b, ch.row_row, ch.row_cmd, true};
  }

 private:
  static void col(BankChoice& c, uint64_t age, int32_t node, bool bypass) {
    c.col = true;
    c.col_age = age;
    c.col_node = node;
    c.col_bypass = bypass;
  }
  static void row(BankChoice& c, Cmd cmd, uint64_t age, uint32_t r) {
    c.row = true;
    c.row_cmd = cmd;
    c.row_age = age;
    c.row_row = r;
  }
  HbmParams::Scheduler kind_ = HbmParams::Scheduler::FrFcfs;
  uint32_t cap_ = 0;
  bool open_page_ = true;
};

}  // namespace skipopu::hbm::detail

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
};

struct RowCand {
  T t = kInf;
  uint64_t age = 0;
  uint32_t bank = 0;
  uint32_t row = 0;
  Cmd cmd = ACT;
  bool some = false;
};

class SchedulerPolicy {
 public:
  SchedulerPolicy() = default;
  SchedulerPolicy(HbmParams::Scheduler kind, uint32_t cap, bool open_page)
      : kind_(kind), cap_(cap), open_page_(open_page) {}
  bool fcfs() const { return kind_ == HbmParams::Scheduler::Fcfs; }

  // Bank b's candidates, folded into the best so far. `is_oldest`: (fcfs) this bank holds
  // the oldest pending beat of the mode. `earliest(cmd)` gives the command's earliest legal
  // time on this bank; `now` the present (times are compared clamped to it).
  template <class Earliest>
  void consider(uint32_t b, const BankView& v, bool is_oldest, Earliest&& earliest, T now, bool write_mode,
                ColCand& col, RowCand& row) const {
    if (v.refresh_pending) {
      offer_row(row, v.open_row >= 0 ? PRE : REFSB, earliest(v.open_row >= 0 ? PRE : REFSB), 0, b, 0, now);
      return;
    }
    const Cmd cc = write_mode ? WR : RD;
    if (v.open_row < 0) {
      if (v.pending && (!fcfs() || is_oldest)) offer_row(row, ACT, earliest(ACT), v.oldest_age, b, v.oldest_row, now);
      return;
    }
    if (v.pending == 0) {
      if (!open_page_) offer_row(row, PRE, earliest(PRE), UINT64_MAX, b, 0, now);
      return;
    }
    const bool oldest_hits = int64_t(v.oldest_row) == v.open_row;
    if (fcfs()) {
      if (!is_oldest) return;
      if (oldest_hits) offer_col(col, earliest(cc), v.oldest_age, b, v.oldest_node, false, now);
      else offer_row(row, PRE, earliest(PRE), v.oldest_age, b, 0, now);
      return;
    }
    const bool capped = kind_ == HbmParams::Scheduler::FrFcfsCap && !oldest_hits && v.bypass >= cap_;
    if (v.hits && !capped) {
      offer_col(col, earliest(cc), v.hit_age, b, v.hit_node, v.hit_age != v.oldest_age, now);
      return;
    }
    if (!oldest_hits) offer_row(row, PRE, earliest(PRE), v.oldest_age, b, 0, now);
  }

 private:
  static void offer_col(ColCand& c, T t, uint64_t age, uint32_t b, int32_t node, bool bypass, T now) {
    const T tc = std::max(t, now);
    if (c.some && (tc > c.t || (tc == c.t && (age > c.age || (age == c.age && b > c.bank))))) return;
    c = ColCand{tc, age, b, node, bypass, true};
  }
  static void offer_row(RowCand& r, Cmd cmd, T t, uint64_t age, uint32_t b, uint32_t row, T now) {
    const T tc = std::max(t, now);
    if (r.some && (tc > r.t || (tc == r.t && (age > r.age || (age == r.age && b > r.bank))))) return;
    r = RowCand{tc, age, b, row, cmd, true};
  }
  HbmParams::Scheduler kind_ = HbmParams::Scheduler::FrFcfs;
  uint32_t cap_ = 0;
  bool open_page_ = true;
};

}  // namespace skipopu::hbm::detail

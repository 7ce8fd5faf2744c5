#include "bank_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hot_inline.hpp"
#include "sel_scan.hpp"

// The per-event steps that advance_impl calls once per event (selection, the view of a bank,
// the winner on each bus, issuing a command, admitting a burst) are SKIPOPU_HOT, and so are the
// per-request steps of submit.

static_assert(skipopu::hbm::detail::kSelInf == skipopu::hbm::detail::kInf, "the selection kernel and the bank model share kInf");

namespace skipopu::hbm {

using detail::ACT;
using detail::PRE;
using detail::PREA;
using detail::RD;
using detail::REF;
using detail::REFSB;
using detail::WR;
using detail::log2_ceil;

BankModel::BankModel(const HbmParams& p) : p_(p) {
  validate_hbm_params(p_, "hbm params");
  nb_ = p_.banks();
  if (nb_ > kMaxBanks) throw std::logic_error("hbm bank model: at most 64 banks per pseudo-channel");
  const Timing& t = p_.timing;
  tB_ = t.burst_cycles();
  if ((p_.dev_num & (p_.dev_num - 1)) == 0) num_shift_ = int(log2_ceil(p_.dev_num));
  if ((p_.max_burst_beats & (p_.max_burst_beats - 1)) == 0) burst_shift_ = int(log2_ceil(p_.max_burst_beats));
  group_shift_ = log2_ceil(p_.banks_per_group);
  beat_shift_ = log2_ceil(p_.beat_bytes);
  amap_ = detail::AddressMap(p_);
  ports_ = detail::PortStage(p_);
  policy_ = detail::SchedulerPolicy(p_.scheduler, p_.row_hit_cap, p_.open_page);
  table_ = detail::make_timing_table(t);
  ref_interval_ = p_.refresh_mode == HbmParams::RefreshMode::AllBank ? T(t.tREFI) : T(t.tREFI / nb_);

  pcs_.resize(p_.pseudo_channels);
  for (Pc& pc : pcs_) {
    const uint32_t cap = p_.read_queue + p_.write_queue;
    pc.pool.resize(cap);
    for (uint32_t i = cap; i-- > 0;) pc.free_e.push_back(int32_t(i));
    if (p_.fast_path) {
      pc.nlink.assign(size_t(cap) * kMaxBeats, Link{-1, -1});
      pc.blist.assign(2 * nb_, BankList{});
      pc.reg = detail::TimingRegisters(table_, nb_, group_shift_, t.tFAW);
    } else {
      pc.chk = detail::TimingChecker(table_, nb_, group_shift_, t.tFAW);
    }
    pc.bank.assign(nb_, Bank{});
    pc.ref_due = p_.refresh ? ref_interval_ : kInf;
  }
  // Stream extrapolation needs the row field on top of the address (one address period later
  // every beat maps to the same bank, one row up) and no per-bank refresh (its phase would be
  // part of the state), nor a starvation limit (its counts would be part of the state).
  x_on_ = p_.fast_path && p_.stream_extrapolation && !p_.mapping.empty() &&
          p_.mapping.back().field == AddrField::Row && p_.refresh_mode == HbmParams::RefreshMode::AllBank &&
          p_.starvation_limit == 0;
  x_period_ = uint64_t(1) << amap_.row_pos();
  x_max_nodes_ = size_t(p_.memo_nodes);
  // the memo's nodes stay where they are as it fills (x_node): no copying of ~620-B nodes at
  // each growth; the pages are touched only as nodes are made
  if (x_on_ && x_max_nodes_ <= (size_t(1) << 20)) x_nodes_.reserve(x_max_nodes_);
  x_idle_ = p_.fast_path && p_.stream_extrapolation && p_.refresh && p_.refresh_mode == HbmParams::RefreshMode::AllBank;
  due_.assign(p_.pseudo_channels, detail::kNeg);
  nb_base_.assign(p_.pseudo_channels, 0);
  nb_add_.assign(p_.pseudo_channels, -1);
  lim_.assign(p_.pseudo_channels, 0);
  bound_.assign(p_.pseudo_channels, kNoBound);
}

SKIPOPU_HOT void BankModel::check(const Request& r) const {
  if (r.pc >= p_.pseudo_channels || r.port >= p_.ports || r.bytes == 0 || r.arrival < now_ ||
      r.arrival < last_arrival_ || r.addr + r.bytes > p_.pc_bytes)
    throw std::logic_error("hbm bank model: invalid request id " + std::to_string(r.id));
}

// A slot for request r, open in its PC (its port timing is the caller's). A request taken from
// a feed gets none of the slots of its PC's memo run (`avoid`): stream_memo.cpp tells the run
// at its last node by slot, and only a submit (which forgets that node) may reuse them.
SKIPOPU_HOT uint32_t BankModel::new_slot(const Request& r, uint64_t seq, const Pc* avoid) {
  size_t i = free_slots_.size();
  if (avoid)
    while (i > 0 && std::find(avoid->x_run.begin(), avoid->x_run.begin() + avoid->x_nrun, free_slots_[i - 1]) !=
                        avoid->x_run.begin() + avoid->x_nrun)
      --i;
  uint32_t si;
  if (i > 0) {
    si = free_slots_[i - 1];
    free_slots_[i - 1] = free_slots_.back();
    free_slots_.pop_back();
  } else {
    si = uint32_t(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[si];
  s.id = r.id;
  s.beat0 = r.addr >> beat_shift_;
  s.beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  s.bytes = r.bytes;
  s.arrival = r.arrival;
  s.pc = r.pc;
  s.write = r.write;
  s.delivered = false;
  s.seq = seq;
  s.bursts = uint32_t(burst_of(s.beat0 + s.beats - 1) - burst_of(s.beat0) + 1);
  s.admitted = s.done_bursts = 0;
  s.unissued = s.beats;
  s.first_col = kInf;
  s.last_col = detail::kNeg;
  s.chain = s.chain_x = kNoChain;
  s.port_id = r.port;
  Pc& pc = pcs_[r.pc];
  s.open_idx = uint32_t(pc.open.size());
  pc.open.push_back(si);
  return si;
}

SKIPOPU_HOT BankModel::Lane& BankModel::lane_of(Pc& pc, uint32_t port, bool write) {
  Lane* lane = nullptr;
  for (Lane& l : pc.lanes)
    if (l.port == port && l.write == write) lane = &l;
  if (!lane) {
    pc.lanes.push_back(Lane{port, write, {}, 0});
    lane = &pc.lanes.back();
  }
  if (lane->head == lane->fifo.size()) {
    lane->fifo.clear();
    lane->head = 0;
  } else if (lane->head >= 1024 && 2 * lane->head >= lane->fifo.size()) {  // a lane that never drains:
    lane->fifo.erase(lane->fifo.begin(), lane->fifo.begin() + std::ptrdiff_t(lane->head));  // keep it bounded
    lane->head = 0;
  }
  return *lane;
}

void BankModel::submit(const Request& r) {
  check(r);
  last_arrival_ = r.arrival;
  const uint32_t si = new_slot(r, seq_++);
  Slot& s = slots_[si];
  s.port = ports_.accept(r.port, r.pc, r.write, r.arrival, s.bursts, s.beats);
  Pc& pc = pcs_[r.pc];
  if (p_.fast_path) lane_of(pc, r.port, r.write).fifo.push_back(si);
  else pc.incoming.push_back(si);
  if (x_on_ && s.bursts >= kXMinBursts) ++pc.n_long;
  pc.x_prev = pc.xr_node = pc.xd_node = -1;  // a new request: the evolution since the last node depends on it
  pc.dirty = true;
  pc.in_valid = false;
  pc.min_unissued = pc.open.size() + pc.pending <= 4 ? std::min(pc.min_unissued, s.beats) : 1;
  sync_pc(r.pc);
}

void BankModel::submit_stream(RequestStream& s) {
  constexpr uint32_t kNone = ~0u, kMany = ~0u - 1;
  bool lazy = p_.fast_path;
  sp_pc_.assign(p_.ports, kNone);
  sp_bursts_.assign(p_.ports, 0);
  sp_long_.assign(p_.ports, 0);
  sp_min_.assign(p_.ports, UINT64_MAX);
  sp_dir_.assign(p_.ports, 0);
  s.scan([&](const Request& r) {
    check(r);
    uint32_t& a = sp_pc_[r.port];
    if (a != r.pc) a = a == kNone ? r.pc : kMany;
    sp_dir_[r.port] |= r.write ? 2 : 1;
    const uint64_t beat0 = r.addr >> beat_shift_, beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
    const uint64_t bursts = burst_of(beat0 + beats - 1) - burst_of(beat0) + 1;
    sp_bursts_[r.port] += bursts;
    if (x_on_ && bursts >= kXMinBursts) ++sp_long_[r.port];
    sp_min_[r.port] = std::min(sp_min_[r.port], beats);
  });
  for (uint32_t p = 0; p < p_.ports && lazy; ++p) {
    const uint32_t a = sp_pc_[p];
    if (a == kNone) continue;
    if (a == kMany || sp_dir_[p] == 3 || ports_.crosses(p, a)) {
      lazy = false;
      break;
    }
    for (const Lane& l : pcs_[a].lanes)
      if (l.port == p && l.write == (sp_dir_[p] == 2) && l.feed != kNoFeed) lazy = false;
  }
  if (!lazy) return Model::submit_stream(s);
  last_arrival_ = s.arrival();
  const uint64_t seq0 = seq_;
  seq_ += s.size();
  for (uint32_t p = 0; p < p_.ports; ++p) {
    const uint32_t a = sp_pc_[p];
    if (a == kNone) continue;
    uint32_t f = 0;
    while (f < feeds_.size() && feeds_[f].s) ++f;
    if (f == feeds_.size()) feeds_.emplace_back();
    feeds_[f] = Feed{&s, p, seq0, ports_.reserve(p, sp_dir_[p] == 2, s.arrival(), sp_bursts_[p], s.left(p)), s.left(p)};
    Pc& pc = pcs_[a];
    Lane& l = lane_of(pc, p, sp_dir_[p] == 2);
    l.fifo.push_back(kFeedBit | f);
    l.feed = f;
    pc.pending += s.left(p);
    pc.n_long += uint32_t(sp_long_[p]);
    if (l.fifo.size() - l.head == 1) take(pc, l, l.head);  // never a feed at the head
    pc.x_prev = pc.xr_node = pc.xd_node = -1;
    pc.dirty = true;
    pc.in_valid = false;
    // as submit() of each: the bound over at most four open requests, else 1
    if (pc.open.size() + pc.pending <= 4) {
      take_all(pc);
      pc.min_unissued = std::min(pc.min_unissued, sp_min_[p]);
    } else {
      pc.min_unissued = 1;
    }
    sync_pc(a);
  }
}

// Takes the next request of the feed at l.fifo[pos] into a slot just before it.
void BankModel::take(Pc& pc, Lane& l, size_t pos) {
  Feed& f = feeds_[l.fifo[pos] & ~kFeedBit];
  Request r;
  uint64_t k;
  if (!f.s->next(f.port, r, k)) throw std::logic_error("hbm bank model: a feed ended early");
  const uint32_t si = new_slot(r, f.seq0 + k, &pc);
  Slot& s = slots_[si];
  s.port = detail::PortTiming{f.base, 0, false, 0};
  f.base += Cycle(s.bursts) * ports_.pace() + ports_.gap(r.write);
  --pc.pending;
  if (--f.left == 0) {
    l.fifo[pos] = si;
    l.feed = kNoFeed;
    f.s = nullptr;
  } else if (pos == l.head && l.head > 0) {
    l.fifo[--l.head] = si;
  } else {
    l.fifo.insert(l.fifo.begin() + std::ptrdiff_t(pos), si);
  }
}

void BankModel::take_all(Pc& pc) {
  for (Lane& l : pc.lanes)
    while (l.feed != kNoFeed) {
      size_t pos = l.head;
      while (l.fifo[pos] != (kFeedBit | l.feed)) ++pos;
      take(pc, l, pos);
    }
}

void BankModel::lane_pop(Pc& pc, Lane& l) {
  ++l.head;
  if (l.head < l.fifo.size() && (l.fifo[l.head] & kFeedBit)) take(pc, l, l.head);
}

// The per-PC scheduling summary that pop_completion and next_event scan, kept compact.
void BankModel::sync_pc(uint32_t i) {
  const Pc& pc = pcs_[i];
  due_[i] = pc.dirty ? detail::kNeg : pc.xv ? pc.xv_t2 : pc.next;
  const T lat = col_to_data();
  if (pc.xv) {
    // Virtual landing (stream_memo.cpp): the PC stands at a memo node at pc.time, its events
    // up to its limit (<= xv_t2) not yet replayed. Nothing completes before xv_t2 (the edge
    // that crosses the limit), and the stream's unissued beats issue from pc.time on. After a
    // submit only the limit is known (the new request's beats issue after it; the stream does
    // not complete before it).
    // Standing at a node (not before a drain), nothing completes before x_horizon either.
    const uint64_t rem = pc.min_unissued;
    if (pc.dirty) {
      nb_base_[i] = pc.time;
    } else {
      nb_base_[i] = std::max(pc.xv_t2, pc.time + (rem > 1 ? T(rem - 1) * tB_ : 0));
      if (!pc.xv_drain) nb_base_[i] = std::max(nb_base_[i], x_horizon(pc));
    }
    nb_add_[i] = lat;
  } else if (pc.open.empty() && !pc.pending) {
    nb_base_[i] = 0;
    nb_add_[i] = -1;  // nothing open
  } else {
    // No state changes before the PC's next event; a request's beats without a column command
    // need at least one data-bus slot each after that, then the read or write latency.
    const uint64_t rem = pc.min_unissued;  // 1 when many requests are open (cheap, still a bound)
    nb_base_[i] = pc.dirty ? pc.time : pc.next;
    nb_add_[i] = (rem > 1 ? T(rem - 1) * tB_ : 0) + lat;
  }
  rebound(i);
}

// ---- queues ----

SKIPOPU_HOT int32_t BankModel::admit(Pc& pc, uint32_t si) {
  uint64_t beat;
  uint32_t n;
  burst_range(slots_[si], slots_[si].admitted, beat, n);
  return admit_entry(pc, si, beat, n, uint16_t((uint32_t(1) << n) - 1));
}

// A burst of slot si enters its queue with the beats in `pend` still to serve.
int32_t BankModel::admit_entry(Pc& pc, uint32_t si, uint64_t beat, uint32_t n, uint16_t pend) {
  return admit_burst<true>(pc, si, beat, n, pend);
}

int32_t BankModel::admit_rebuilt(Pc& pc, uint32_t si, uint64_t beat, uint32_t n, uint16_t pend) {
  return admit_burst<false>(pc, si, beat, n, pend);
}

template <bool kMarks>
inline int32_t BankModel::admit_burst(Pc& pc, uint32_t si, uint64_t beat, uint32_t n, uint16_t pend) {
  const Slot& s = slots_[si];
  const int32_t ei = pc.free_e.back();
  pc.free_e.pop_back();
  Entry& e = pc.pool[ei];
  e.ord = pc.admissions++;
  e.beat = beat;
  e.slot = si;
  e.n = uint16_t(n);
  e.pend = pend;
  e.write = s.write;
  const int m = e.write;
  e.prev = pc.tail[m];
  e.next = -1;
  if (pc.tail[m] >= 0) pc.pool[pc.tail[m]].next = ei; else pc.head[m] = ei;
  pc.tail[m] = ei;
  ++pc.count[m];
  if (e.write) ++pc.nw; else ++pc.nr;
  // Each beat's bank and row first (for a whole burst at once), then (fast path) each pending
  // beat appended to its (mode, bank) list, the list pointers and masks in registers.
  amap_.beats(beat, n, e.bank.data(), e.row.data());
  const uint32_t pm = pend & ((uint32_t(1) << n) - 1);
  if (!p_.fast_path) {
    e.left = uint16_t(__builtin_popcount(pm));
    return ei;
  }
  Link* const nl = pc.nlink.data();
  BankList* const bl = pc.blist.data() + size_t(m) * nb_;
  const Bank* const bank = pc.bank.data();
  const uint8_t* const eb = e.bank.data();
  const uint32_t* const er = e.row.data();
  uint64_t banks = 0, moved = 0;
  uint32_t left = 0;
  for (uint32_t p = pm; p; p &= p - 1, ++left) {
    const uint32_t i = uint32_t(__builtin_ctz(p)), b = eb[i];
    BankList& L = bl[b];
    const int32_t node = ei * kMaxBeats + int32_t(i), prev = L.tail;
    nl[node] = Link{-1, prev};
    if (prev >= 0) nl[prev].next = node; else L.head = node;
    L.tail = node;
    const bool hit = bank[b].open_row == int64_t(er[i]);
    if constexpr (kMarks) {
      // The bank's choice (SchedulerPolicy::choose) reads whether it has pending beats and hits,
      // its oldest pending beat and its oldest hit: a younger beat moves it only as the first of either.
      if (L.count == 0 || (hit && L.hits == 0)) moved |= uint64_t(1) << b;
      banks |= uint64_t(1) << b;
    }
    ++L.count;
    L.hits += hit;
  }
  e.left = uint16_t(left);
  if constexpr (kMarks) {
    pc.pend_banks[m] |= banks;
    // (the kept choices are of mode c_wm: a select in the other mode recomputes every bank)
    if (m == int(pc.c_wm)) pc.c_dirty |= moved;
  }
  return ei;
}

SKIPOPU_HOT void BankModel::issue_column(Pc& pc, int32_t node, T t) {
  const int32_t ei = node / kMaxBeats;
  const uint32_t i = uint32_t(node % kMaxBeats);
  Entry& e = pc.pool[ei];
  const uint32_t b = e.bank[i];
  const Cmd c = e.write ? WR : RD;
  if (trace_on_) trace_.push_back({uint64_t(t), uint32_t(&pc - pcs_.data()), c, b, e.row[i]});
  if (p_.fast_path) {
    pc.reg.issue(c, b, t);
    const int m = e.write;
    const uint32_t li = m * nb_ + b;
    const Link l = pc.nlink[node];
    BankList& L = pc.blist[li];
    if (l.prev >= 0) pc.nlink[l.prev].next = l.next; else L.head = l.next;
    if (l.next >= 0) pc.nlink[l.next].prev = l.prev; else L.tail = l.prev;
    --L.hits;  // a column command is always a row hit
    if (--L.count == 0) pc.pend_banks[m] &= ~(uint64_t(1) << b);
    pc.c_dirty |= uint64_t(1) << b;      // its view, its tRTP
    pc.c_col_stale |= group_mask(b);     // its group's tCCD_L / tWTR_L
  } else {
    pc.chk.issue(c, b, t);
  }
  (e.write ? pc.n_wr : pc.n_rd) += 1;
  Slot& s = slots_[e.slot];  // column commands issue in time order: the first is the earliest
  if (s.first_col == kInf && burst_of(e.beat) == burst_of(s.beat0)) s.first_col = t;  // its first burst's
  s.last_col = t;
  e.pend = uint16_t(e.pend & ~(1u << i));
  --s.unissued;
  if (--e.left == 0) {
    const int m = e.write;
    if (e.prev >= 0) pc.pool[e.prev].next = e.next; else pc.head[m] = e.next;
    if (e.next >= 0) pc.pool[e.next].prev = e.prev; else pc.tail[m] = e.prev;
    --pc.count[m];
    finish_burst(pc, ei, t);
  }
}

SKIPOPU_HOT void BankModel::finish_burst(Pc& pc, int32_t ei, T t) {
  const Entry& e = pc.pool[ei];
  {
    Slot& s = slots_[e.slot];
    const int64_t term = chain_term(s, t, e.beat + e.n);
    s.chain = std::max(s.chain, term);
    s.chain_x = std::max(s.chain_x, term);
  }
  if (e.write) --pc.nw; else --pc.nr;
  // starvation_limit: bursts of one direction served while the other's wait
  if (e.write) { pc.reads_wait += pc.count[0] != 0; pc.writes_wait = 0; }
  else { pc.writes_wait += pc.count[1] != 0; pc.reads_wait = 0; }
  ++pc.bursts;
  if (++slots_[e.slot].done_bursts == slots_[e.slot].bursts) complete(pc, e.slot);
  pc.free_e.push_back(ei);
}

// Request si's last beat has issued: its completion (first and last data from its first and
// last column command) and the bookkeeping.
void BankModel::complete(Pc& pc, uint32_t si) {
  const Slot& s = slots_[si];
  if (!s.delivered) heap_.push(completion_of(s, s.first_col, s.chain));
  ++pc.requests;
  (s.write ? pc.bytes_written : pc.bytes_read) += s.bytes;
  const uint32_t k = s.open_idx, last = pc.open.back();  // swap-remove
  pc.open[k] = last;
  slots_[last].open_idx = k;
  pc.open.pop_back();
  free_slots_.push_back(si);
  if (x_on_ && s.bursts >= kXMinBursts) --pc.n_long;
}

// Bank b was just activated: count the pending beats of each mode that hit its row.
void BankModel::row_opened(Pc& pc, uint32_t b) {
  const int64_t r = pc.bank[b].open_row;
  for (int m = 0; m < 2; ++m) {
    uint32_t hits = 0;
    for (int32_t node = pc.blist[m * nb_ + b].head; node >= 0; node = pc.nlink[node].next)
      hits += int64_t(pc.pool[node / kMaxBeats].row[node % kMaxBeats]) == r;
    pc.blist[m * nb_ + b].hits = hits;
  }
}

// ---- row commands ----

SKIPOPU_HOT void BankModel::issue_row(Pc& pc, uint32_t pci, Cmd c, uint32_t b, uint32_t row, T t) {
  if (trace_on_) trace_.push_back({uint64_t(t), pci, c, b, row});
  if (p_.fast_path) {
    pc.reg.issue(c, b, t, pc.open_banks);
    // ACT: the bank and its group's tRRD_L; PRE, REFsb: the bank; PREA, REF: every bank
    pc.c_dirty |= (c == ACT || c == PRE || c == REFSB) ? uint64_t(1) << b : ~uint64_t(0);
    if (c == ACT) pc.c_row_stale |= group_mask(b);
  } else {
    pc.chk.issue(c, b, t, pc.open_banks);
  }
  auto close = [&](uint32_t k) {
    pc.bank[k].open_row = -1;
    pc.open_banks &= ~(uint64_t(1) << k);
    if (p_.fast_path) pc.blist[k].hits = pc.blist[nb_ + k].hits = 0;
  };
  switch (c) {
    case ACT:
      pc.bank[b].open_row = row;
      pc.bank[b].bypass = 0;
      pc.open_banks |= uint64_t(1) << b;
      if (p_.fast_path) row_opened(pc, b);
      ++pc.n_act;
      break;
    case PRE:
      close(b);
      ++pc.n_pre;
      break;
    case PREA:
      for (uint64_t m = pc.open_banks; m; m &= m - 1) close(uint32_t(__builtin_ctzll(m)));
      ++pc.n_pre;
      break;
    case REF:
    case REFSB:
      ++pc.n_ref;
      break;
    default:
      throw std::logic_error("hbm bank model: not a row command");
  }
}

template <bool kFast>
BankModel::T BankModel::prea_earliest(const Pc& pc) const {
  T t = 0;
  for (uint64_t m = pc.open_banks; m; m &= m - 1) t = std::max(t, earliest<kFast>(pc, PRE, uint32_t(__builtin_ctzll(m))));
  return t;
}

// ---- scheduling ----

namespace {
// Among the banks in `tied` (not empty), the one with the smallest age; the lowest on equal ages.
template <class Age>
uint32_t oldest_tied(uint64_t tied, Age&& age) {
  uint32_t bb = uint32_t(__builtin_ctzll(tied));
  uint64_t ba = age(bb);
  for (tied &= tied - 1; tied; tied &= tied - 1) {
    const uint32_t b = uint32_t(__builtin_ctzll(tied));
    const uint64_t a = age(b);
    if (a < ba) { ba = a; bb = b; }
  }
  return bb;
}
}  // namespace

SKIPOPU_HOT void BankModel::view_fast(const Pc& pc, bool wm, uint32_t b, detail::BankView& v) const {
  const uint32_t li = wm * nb_ + b;
  v.open_row = pc.bank[b].open_row;
  v.bypass = pc.bank[b].bypass;
  v.refresh_pending = int32_t(b) == pc.ref_bank;
  const BankList& L = pc.blist[li];
  v.pending = L.count;
  v.hits = L.hits;
  if (!v.pending) return;
  int32_t node = L.head;
  const Entry& e = pc.pool[node / kMaxBeats];
  v.oldest_node = node;
  v.oldest_age = e.ord * kMaxBeats + uint64_t(node % kMaxBeats);
  v.oldest_row = e.row[node % kMaxBeats];
  if (!v.hits) return;
  for (; node >= 0; node = pc.nlink[node].next) {
    const Entry& h = pc.pool[node / kMaxBeats];
    if (int64_t(h.row[node % kMaxBeats]) == v.open_row) {
      v.hit_node = node;
      v.hit_age = h.ord * kMaxBeats + uint64_t(node % kMaxBeats);
      return;
    }
  }
}

template <bool kFast>
SKIPOPU_HOT void BankModel::select(Pc& pc, bool wm, detail::ColCand& col, detail::RowCand& row) const {
  const T now = pc.time;
  const Cmd cc = wm ? WR : RD;
  // fcfs: the oldest pending beat of the mode (first pending beat of the oldest burst)
  uint32_t oldest_bank = UINT32_MAX;
  if (policy_.fcfs() && pc.head[wm] >= 0) {
    const Entry& h = pc.pool[pc.head[wm]];
    oldest_bank = h.bank[__builtin_ctz(h.pend)];
  }
  if constexpr (kFast) {
    // Recompute the banks whose view or bank/group registers changed; add the shared part of
    // the times (channel registers, row bus, tFAW) at selection.
    if (!pc.c_valid || pc.c_wm != wm || policy_.fcfs()) {
      pc.c_valid = true;
      pc.c_wm = wm;
      pc.c_dirty = ~uint64_t(0);
      pc.k_valid = false;
    }
    const uint64_t all = nb_ == 64 ? ~uint64_t(0) : (uint64_t(1) << nb_) - 1;
    for (uint64_t m = pc.c_dirty & all; m; m &= m - 1) {
      const uint32_t b = uint32_t(__builtin_ctzll(m));
      detail::BankView v;
      view_fast(pc, wm, b, v);
      detail::BankChoice& ch = pc.c_choice[b];
      policy_.choose(v, b == oldest_bank, ch);
      const uint64_t bit = uint64_t(1) << b;
      const T col_own = ch.col ? pc.reg.own(cc, b) : kInf;
      if (col_own != pc.c_col_own[b]) col_key_moved(pc, b, col_own);
      pc.c_col_age[b] = ch.col_age;
      pc.c_row_age[b] = ch.row_age;
      const bool refsb = ch.row && ch.row_cmd == REFSB;
      const T row_own = ch.row && !refsb ? pc.reg.own(ch.row_cmd, b) : kInf;
      const uint64_t actm = ch.row && ch.row_cmd == ACT ? pc.c_actm | bit : pc.c_actm & ~bit;
      if (row_own != pc.c_row_own[b] || actm != pc.c_actm) pc.r_valid = false;
      pc.c_row_own[b] = row_own;
      pc.c_actm = actm;
      pc.c_refsb = refsb ? pc.c_refsb | bit : pc.c_refsb & ~bit;
    }
    for (uint64_t m = pc.c_col_stale & ~pc.c_dirty; m; m &= m - 1) {
      const uint32_t b = uint32_t(__builtin_ctzll(m));
      if (pc.c_col_own[b] == kInf) continue;
      const T col_own = pc.reg.own(cc, b);
      if (col_own != pc.c_col_own[b]) col_key_moved(pc, b, col_own);
    }
    for (uint64_t m = pc.c_row_stale & ~pc.c_dirty; m; m &= m - 1) {
      const uint32_t b = uint32_t(__builtin_ctzll(m));
      if (pc.c_row_own[b] == kInf) continue;
      const T row_own = pc.reg.own(pc.c_choice[b].row_cmd, b);
      if (row_own != pc.c_row_own[b]) pc.r_valid = false;
      pc.c_row_own[b] = row_own;
    }
    pc.c_dirty = pc.c_col_stale = pc.c_row_stale = 0;
    // Each bus takes the earliest time (the kernel: keys over every bank), then the oldest
    // among the banks tied there, then the lowest bank (resolve_col / resolve_row, for the bus
    // that issues). Both scans are without the present (kept while no input changes: the
    // banks' own parts, the ACT mask, the shared parts), then clamped to it. max(key, now) is
    // monotone, so the earliest is max(earliest, now); the banks tied there are the same
    // unless now has reached the second-smallest key.
    // The column bus's keys share one part, so the shared part acts like the present: the
    // kept scan holds while it does not fall below the clamp it was made with.
    // When banks are ready at the clamp, they are the tie there (not kept: the keys above it
    // are not looked at).
    const T c_col = std::max(pc.reg.common(cc), now);
    uint64_t ready = 0;
    if (!pc.k_valid || c_col < pc.k_c || (c_col > pc.k_bt && c_col >= pc.k_k2)) {
      ready = detail::sel_ready(pc.c_col_own.data(), c_col, nb_);
      pc.k_valid = !ready;
      if (!ready) {
        pc.k_tied = 0;
        pc.k_k2 = kInf;
        pc.k_bt = detail::sel_scan(pc.c_col_own.data(), 0, c_col, c_col, nb_, pc.k_tied, pc.k_k2);
        pc.k_c = c_col;
      }
    }
    if (ready) {
      col.t = c_col;
      col.tied = ready;
      col.some = true;
    } else if (pc.k_bt != kInf) {
      col.t = std::max(pc.k_bt, c_col);
      col.tied = pc.k_tied;
      col.some = true;
    }
    const T g_pre = pc.reg.common(PRE), g_act = pc.reg.common(ACT);
    if (!pc.r_valid || pc.r_pre != g_pre || pc.r_act != g_act || (now > pc.r_bt && now >= pc.r_k2)) {
      pc.r_tied = 0;
      pc.r_k2 = kInf;
      pc.r_bt = detail::sel_scan(pc.c_row_own.data(), pc.c_actm, std::max(g_pre, now), std::max(g_act, now), nb_,
                                 pc.r_tied, pc.r_k2);
      pc.r_pre = g_pre;
      pc.r_act = g_act;
      pc.r_valid = true;
    }
    uint64_t tied = pc.r_tied;
    T bt = pc.r_bt == kInf ? kInf : std::max(pc.r_bt, now);
    if (pc.c_refsb) {  // a refresh-pending bank's REFsb (its own shared part)
      const uint32_t b = uint32_t(__builtin_ctzll(pc.c_refsb));
      const T t = std::max({pc.reg.own(REFSB, b), pc.reg.common(REFSB), now});
      if (t < bt) { bt = t; tied = 0; }
      if (t == bt) tied |= uint64_t(1) << b;
    }
    if (bt != kInf) {
      row.t = bt;
      row.tied = tied;
      row.some = true;
    }
  } else {
    // Reference: every bank's view from a full scan of the mode's queue in age order, every
    // time from the checker.
    detail::BankView v[kMaxBanks];
    for (int32_t ei = pc.head[wm]; ei >= 0; ei = pc.pool[ei].next) {
      const Entry& e = pc.pool[ei];
      for (uint32_t i = 0; i < e.n; ++i) {
        if (!((e.pend >> i) & 1)) continue;
        detail::BankView& x = v[e.bank[i]];
        const uint64_t age = e.ord * kMaxBeats + i;
        const int32_t node = ei * kMaxBeats + int32_t(i);
        if (x.pending++ == 0) { x.oldest_age = age; x.oldest_row = e.row[i]; x.oldest_node = node; }
        if (pc.bank[e.bank[i]].open_row == int64_t(e.row[i]) && x.hits++ == 0) { x.hit_age = age; x.hit_node = node; }
      }
    }
    for (uint32_t b = 0; b < nb_; ++b) {
      v[b].open_row = pc.bank[b].open_row;
      v[b].bypass = pc.bank[b].bypass;
      v[b].refresh_pending = int32_t(b) == pc.ref_bank;
      detail::BankChoice ch;
      policy_.choose(v[b], b == oldest_bank, ch);
      if (ch.col) policy_.offer(col, ch, b, std::max(pc.chk.earliest(cc, b), now));
      if (ch.row) policy_.offer(row, ch, b, std::max(pc.chk.earliest(ch.row_cmd, b), now));
    }
  }
}

// Bank b's column-bus own part becomes `own`: the kept column scan (keys max(own, k_c)) is
// updated in place (remove the old key, insert the new one), or dropped when the bank was
// alone at the earliest key. k_k2 stays a lower bound of the keys above the earliest (a
// removed one may have been it), which only makes select rescan sooner.
void BankModel::col_key_moved(Pc& pc, uint32_t b, T own) const {
  const T old = pc.c_col_own[b];
  pc.c_col_own[b] = own;
  if (!pc.k_valid) return;
  const uint64_t bit = uint64_t(1) << b;
  if (old != kInf && std::max(old, pc.k_c) == pc.k_bt) {
    pc.k_tied &= ~bit;
    if (!pc.k_tied) {
      pc.k_valid = false;
      return;
    }
  }
  if (own == kInf) return;
  const T k = std::max(own, pc.k_c);
  if (pc.k_bt == kInf || k < pc.k_bt) {
    pc.k_k2 = pc.k_bt;
    pc.k_bt = k;
    pc.k_tied = bit;
  } else if (k == pc.k_bt) {
    pc.k_tied |= bit;
  } else {
    pc.k_k2 = std::min(pc.k_k2, k);
  }
}

SKIPOPU_HOT void BankModel::resolve_col(const Pc& pc, detail::ColCand& col) const {
  // The mode's oldest pending beat, when it is a tied bank's candidate, is the oldest of them
  // (candidates are distinct beats): the common case of a stream, found without the loop.
  uint32_t bb = UINT32_MAX;
  if (col.tied & (col.tied - 1)) {
    const int32_t h = pc.head[pc.c_wm];
    if (h >= 0) {
      const Entry& e = pc.pool[h];
      const uint32_t i = uint32_t(__builtin_ctz(e.pend)), b = e.bank[i];
      if (((col.tied >> b) & 1) && pc.c_col_age[b] == e.ord * kMaxBeats + i) bb = b;
    }
  }
  if (bb == UINT32_MAX) bb = oldest_tied(col.tied, [&](uint32_t b) { return pc.c_col_age[b]; });
  const detail::BankChoice& ch = pc.c_choice[bb];
  col = detail::ColCand{col.t, ch.col_age, bb, ch.col_node, ch.col_bypass, true};
}

SKIPOPU_HOT void BankModel::resolve_row(const Pc& pc, detail::RowCand& row) const {
  const uint32_t bb = oldest_tied(row.tied, [&](uint32_t b) { return pc.c_row_age[b]; });
  const detail::BankChoice& ch = pc.c_choice[bb];
  row = detail::RowCand{row.t, ch.row_age, bb, ch.row_row, ch.row_cmd, true};
}

// Fast path: each direction's earliest-ready head burst over the PC's port lanes (at equal
// ready times the earlier request), kept in pc.in_* until a submit or an admission.
void BankModel::in_candidates(Pc& pc) const {
  for (int m = 0; m < 2; ++m) {
    pc.in_slot[m] = UINT32_MAX;
    pc.in_ready[m] = kInf;
  }
  for (size_t i = 0; i < pc.lanes.size(); ++i) {
    const Lane& l = pc.lanes[i];
    if (l.head == l.fifo.size()) continue;
    const Slot& s = slots_[l.fifo[l.head]];
    const int m = l.write;
    const T r = ready_dev(s, s.admitted);
    if (pc.in_slot[m] == UINT32_MAX || r < pc.in_ready[m] || (r == pc.in_ready[m] && older_burst(s, slots_[pc.in_slot[m]]))) {
      pc.in_ready[m] = r;
      pc.in_lane[m] = i;
      pc.in_slot[m] = l.fifo[l.head];
    }
  }
  pc.in_valid = true;
}

void BankModel::advance(Pc& pc, uint32_t pci, T limit) {
  if (p_.fast_path) advance_impl<true>(pc, pci, limit);
  else advance_impl<false>(pc, pci, limit);
}

// One loop for both paths; each is compiled on its own. At equal times: ingress, refresh,
// column command, row command.
template <bool kFast>
void BankModel::advance_impl(Pc& pc, uint32_t pci, T limit) {
  const Timing& tm = p_.timing;
  const bool all_bank = p_.refresh_mode == HbmParams::RefreshMode::AllBank;
  ++pc.advances;
  bool virtual_end = false;
  if constexpr (kFast) virtual_end = pc.xv && x_resume(pc, limit);
  // The bus candidates of each event (below). Only `some` is reset per event: every other field
  // is read only when `some` is set, and whoever sets it (select, resolve_*, offer) writes them.
  detail::ColCand col;
  detail::RowCand row;
  while (!virtual_end) {
    T best = kInf;
    int kind = -1;
    // 1: ingress, per direction (AXI's AR and AW are separate channels, the read and the write
    // queue separate): each direction's earliest-ready burst (in order per port lane), then the
    // earliest of the two whose queue has room (at equal ready times the earlier request). A
    // burst waiting for room in one queue does not hold the other direction's.
    uint32_t in_slot = UINT32_MAX;
    size_t in_i = 0;
    T in_t = kInf;  // when that burst may enter
    if constexpr (kFast) {
      // The kept candidates (pc.in_*, recomputed after a submit or an admission), then as below.
      if (!pc.in_valid) in_candidates(pc);
      const bool rd_in = pc.in_slot[0] != UINT32_MAX && pc.nr < p_.read_queue;
      const bool wr_in = pc.in_slot[1] != UINT32_MAX && pc.nw < p_.write_queue;
      int m = rd_in ? 0 : wr_in ? 1 : -1;
      if (rd_in && wr_in &&
          (pc.in_ready[1] < pc.in_ready[0] ||
           (pc.in_ready[1] == pc.in_ready[0] && older_burst(slots_[pc.in_slot[1]], slots_[pc.in_slot[0]]))))
        m = 1;
      if (m >= 0) {
        in_slot = pc.in_slot[m];
        in_i = pc.in_lane[m];
        in_t = std::max(pc.in_ready[m], pc.time);
        if (in_t < best) { best = in_t; kind = 1; }
      }
    } else {
      uint32_t cs[2] = {UINT32_MAX, UINT32_MAX};
      size_t ci[2] = {0, 0};
      T cr[2] = {kInf, kInf};
      for (size_t i = 0; i < pc.incoming.size(); ++i) {
        const Slot& s = slots_[pc.incoming[i]];
        const int m = s.write;
        const T r = ready_dev(s, s.admitted);
        if (r < cr[m] || (r == cr[m] && older_burst(s, slots_[cs[m]]))) { cr[m] = r; ci[m] = i; cs[m] = pc.incoming[i]; }
      }
      const bool rd_in = cs[0] != UINT32_MAX && pc.nr < p_.read_queue;
      const bool wr_in = cs[1] != UINT32_MAX && pc.nw < p_.write_queue;
      int m = rd_in ? 0 : wr_in ? 1 : -1;
      if (rd_in && wr_in && (cr[1] < cr[0] || (cr[1] == cr[0] && older_burst(slots_[cs[1]], slots_[cs[0]])))) m = 1;
      if (m >= 0) {
        in_slot = cs[m];
        in_i = ci[m];
        in_t = std::max(cr[m], pc.time);
        if (in_t < best) { best = in_t; kind = 1; }
      }
    }
    // 2: refresh. All-bank: start, PREA, REF. Per-bank: the next bank becomes pending (its
    // PRE and REFsb are row-command candidates of the policy).
    if (p_.refresh) {
      T t = kInf;
      if (all_bank) {
        if (!pc.ref_active) t = std::max(pc.ref_due, pc.time);
        else t = std::max(pc.open_banks ? prea_earliest<kFast>(pc) : earliest<kFast>(pc, REF, 0), pc.time);
      } else if (pc.ref_bank < 0) {
        t = std::max(pc.ref_due, pc.time);
      }
      if (t < best) { best = t; kind = 2; }
    }
    // Desired mode (write drain by watermarks, bounded by the starvation limit).
    const uint32_t qr = pc.count[0], qw = pc.count[1];
    bool wm = pc.write_mode;
    // Serving reads with no write queued, nothing switches to writes (write_high >= 1): the
    // common case of a read stream, decided without the rest.
    if (wm || qw != 0 || p_.write_high == 0) {
      // A direction starved past the limit is served until one of its bursts is done.
      const uint32_t lim = p_.starvation_limit;
      const bool w_starved = lim && qw > 0 && pc.writes_wait >= lim, r_starved = lim && qr > 0 && pc.reads_wait >= lim;
      if (!wm) { if ((qw >= p_.write_high || (qr == 0 && qw > 0) || w_starved) && !r_starved) wm = true; }
      else if (((qw <= p_.write_low && qr > 0) || qw == 0 || r_starved) && !w_starved) wm = false;
    }
    // 4: column command, 3: row command
    col.some = row.some = false;
    if (!pc.ref_active) select<kFast>(pc, wm, col, row);
    if (col.some && col.t < best) { best = col.t; kind = 4; }
    if (row.some && row.t < best) { best = row.t; kind = 3; }
    if (kind < 0 || best >= limit) {
      pc.next = best;
      break;
    }
    if constexpr (kFast) {
      if (kind == 1 && pc.n_long) {
        // A memoised stretch may follow: at an ingress that waited for room (the burst was at
        // the PC before), or at the first burst of a long request entering as it reaches the
        // PC (the rest of its bursts reach it on the port's schedule, one an AXI cycle, unless
        // a write's data waits for lateral links). The present moves to that ingress first:
        // nothing happens before it, and every candidate time is at or after it.
        const Slot& s = slots_[in_slot];
        const bool arrival = best > pc.time && s.admitted == 0 && s.bursts >= kXMinBursts && !s.port.link;
        int v = 0;
        if (best == pc.time) {
          v = x_visit(pc, limit);
        } else if (arrival) {
          pc.time = best;
          v = x_visit(pc, limit, true);
        }
        if (v == 1) continue;  // replayed, landed
        if (v == 2) break;     // replayed up to the limit, standing at a node
        if (v == 3) continue;  // the run drained in one step
      }
      if (kind == 2 && x_idle_ && idle_refreshes(pc, pci, std::min(limit, in_t))) continue;
    }
    pc.time = best;
    ++pc.events;
    switch (kind) {
      case 1: {
        Slot& s = slots_[in_slot];
        admit(pc, in_slot);
        pc.in_valid = false;
        if (++s.admitted == s.bursts) {
          if constexpr (kFast) lane_pop(pc, pc.lanes[in_i]);
          else pc.incoming.erase(pc.incoming.begin() + std::ptrdiff_t(in_i));
        }
        break;
      }
      case 2:
        if (!all_bank) {
          pc.c_dirty |= uint64_t(1) << pc.ref_next_bank;
          pc.ref_bank = int32_t(pc.ref_next_bank);
          pc.ref_next_bank = (pc.ref_next_bank + 1) % nb_;
          pc.ref_start = best;
          pc.ref_due += ref_interval_;
        } else if (!pc.ref_active) {
          // stream extrapolation: the stretch from the last node across this refresh becomes
          // a refresh edge when the stream is met again after it
          pc.xr_node = pc.x_prev >= 0 && pc.x_gen == x_gen_ ? pc.x_prev : -1;
          pc.xr_gen = pc.x_gen;
          pc.xr_d = pc.ref_due - pc.x_t;
          pc.xr_due = pc.ref_due;
          pc.x_prev = -1;
          pc.ref_active = true;
          pc.ref_start = best;
        } else if (pc.open_banks) {
          issue_row(pc, pci, PREA, 0, 0, best);
        } else {
          issue_row(pc, pci, REF, 0, 0, best);
          pc.ref_active = false;
          pc.ref_cycles += uint64_t(best + tm.tRFC - pc.ref_start);
          pc.ref_due += ref_interval_;
        }
        break;
      case 3:
        if constexpr (kFast) resolve_row(pc, row);
        issue_row(pc, pci, row.cmd, row.bank, row.row, best);
        if (row.cmd == REFSB) {
          pc.c_dirty |= uint64_t(1) << row.bank;
          pc.ref_bank_cycles += uint64_t(best + tm.tRFCsb - pc.ref_start);
          pc.ref_bank = -1;
        }
        break;
      case 4:
        if constexpr (kFast) resolve_col(pc, col);
        pc.write_mode = wm;
        if (col.bypass) ++pc.bank[col.bank].bypass;
        issue_column(pc, col.node, best);
        if constexpr (kFast) {
          if (pc.xd_node >= 0 && pc.open.empty() && !pc.pending) x_drain_end(pc);  // a drain being recorded ends
        }
        break;
    }
  }
  pc.dirty = false;
  if (pc.pending && pc.open.size() + pc.pending <= 4) take_all(pc);
  if (pc.open.size() + pc.pending <= 4) {
    pc.min_unissued = UINT64_MAX;
    for (uint32_t si : pc.open) pc.min_unissued = std::min(pc.min_unissued, slots_[si].unissued);
  } else {
    pc.min_unissued = 1;
  }
  sync_pc(pci);
}

// Refreshes of an idle PC in closed form (fast path with stream extrapolation, all-bank
// refresh): queue empty, every bank closed, the refresh due at pc.ref_due about to start and
// REF free to issue then. Each refresh is then two events at its due time (start, REF: nothing
// to precharge), and nothing else happens until the next burst may enter or the limit, `stop`
// (an ingress at a refresh's due time goes first). REF only pushes the ACT register (tRFC), a
// maximum over issue times, so issuing the last REF alone leaves the registers as issuing all.
// At least two refreshes (one is left to the per-event path, which keeps the refresh-edge
// bookkeeping of the stream memo: after two starts it has forgotten the last node either way).
// True: done, pc.time at the last REF.
bool BankModel::idle_refreshes(Pc& pc, uint32_t pci, T stop) {
  if (pc.ref_active || pc.nr + pc.nw || pc.open_banks || trace_on_ || pc.ref_due + ref_interval_ >= stop ||
      pc.reg.earliest(REF, 0) > pc.ref_due)
    return false;
  const uint64_t n = uint64_t(stop - 1 - pc.ref_due) / uint64_t(ref_interval_) + 1;  // due before stop
  const T last = pc.ref_due + T(n - 1) * ref_interval_;
  issue_row(pc, pci, REF, 0, 0, last);
  pc.n_ref += n - 1;
  pc.ref_cycles += n * uint64_t(p_.timing.tRFC);
  pc.ref_due = last + ref_interval_;
  pc.ref_start = last;
  pc.events += 2 * n;
  pc.time = last;
  pc.x_prev = pc.xr_node = -1;
  x_idle_refs_ += n;
  return true;
}

// ---- engine interface ----

Cycle BankModel::next_event() const {
  Cycle best = heap_.q.empty() ? kNever : heap_.q.top().done;
  best = std::min(best, heap_.handed.min());
  if (!heap_.lat.empty()) best = std::min(best, heap_.lat.top().done);  // a lower bound after the links
  // Per PC: the completion bound of sync_pc. The conversion to AXI cycles, the latency and the
  // clamp to now_ + 1 are monotone, so they apply once, to the smallest device time.
  T tmin = kNoBound;
  for (const T b : bound_) tmin = std::min(tmin, b);
  if (tmin != kNoBound) {
    Cycle c = to_axi(uint64_t(tmin)) + std::min(p_.read_latency, p_.write_latency);
    if (c <= now_) c = now_ + 1;
    best = std::min(best, c);
  }
  return best;
}

BankModel::T BankModel::last_dev_by(Cycle until, Cycle lat) const {
  if (until < lat) return -1;
  // to_axi(d) = ceil(d * den / num) <= A  <=>  d * den <= A * num  <=>  d <= floor(A * num / den)
  const unsigned __int128 d = (unsigned __int128)(until - lat) * p_.dev_num / p_.dev_den;
  return d >= (unsigned __int128)(kNoBound - 1) ? kNoBound - 1 : T(d);
}

bool BankModel::pop_completion(Cycle until, Completion& out) {
  if (until > now_) now_ = until;
  if (until > advanced_ || advanced_ == 0) {
    // Advance only the PCs that may complete a request by `until` (their completion bound is
    // at or before it) and have an event before the limit. The others may lag: nothing they do
    // before `until` is visible, a request submitted later arrives after `until`, and they
    // catch up when their bound is reached (or in report()).
    const T limit = T(to_dev(until));
    // A PC may complete something by `until` when to_axi(bound) + lat <= until, i.e. its bound
    // is at or before `by` (kNoBound, nothing open: never; refreshes may lag).
    const T by = lazy_ && !early_ ? last_dev_by(until, std::min(p_.read_latency, p_.write_latency)) : kNoBound;
    for (uint32_t i = 0; i < pcs_.size(); ++i) {
      if (limit <= due_[i]) {  // no event before the limit: up to date there
        // (its bound stays: not dirty, so nb_base_ is its next event or more, at or after limit)
        lim_[i] = std::max(lim_[i], limit);
        continue;
      }
      if (bound_[i] > by) continue;
      advance(pcs_[i], i, limit);
      lim_[i] = limit;
      rebound(i);
    }
    advanced_ = until;
  }
  // Every completion the DRAM delivers by `until` is known now (and none later can have an
  // earlier done): the reads crossing switches among them go through the read-data links in
  // (done, age) order (the links only delay) and are handed on; then q (no sink) holds
  // exactly the completions whose final done is at or before `until`.
  while (!heap_.lat.empty() && heap_.lat.top().done <= until) {
    Pending c = heap_.lat.pop();
    ports_.return_read(c.port, c.pc, c.beats, c.first_data, c.done);
    heap_.hand(c);
  }
  heap_.handed.reach(until);
  if (heap_.q.empty() || heap_.q.top().done > until) return false;
  out = heap_.q.pop();
  return true;
}

void BankModel::settle() {
  const T limit = T(to_dev(advanced_));
  x_virtual_ok_ = false;  // every PC real at the limit
  for (uint32_t i = 0; i < pcs_.size(); ++i) {
    const bool virt = pcs_[i].xv;
    x_land(pcs_[i]);
    if (virt || (limit > due_[i] && limit > lim_[i])) {
      advance(pcs_[i], i, std::max(limit, lim_[i]));
      lim_[i] = std::max(limit, lim_[i]);
      rebound(i);
    }
  }
  x_virtual_ok_ = true;
}

void BankModel::report(StatGroup& into, Cycle end) {
  // What settling completes is queued, not handed: a sink sees only what pop_completion fixes.
  CompletionSink* const sink = heap_.sink;
  heap_.sink = nullptr;
  settle();
  heap_.sink = sink;
  uint64_t br = 0, bw = 0, acts = 0, cols = 0, refs = 0, refc = 0, reqs = 0, busy = 0, ev = 0, adv = 0;
  const uint64_t end_dev = to_dev(end);
  for (uint32_t i = 0; i < pcs_.size(); ++i) {
    const Pc& pc = pcs_[i];
    StatGroup& g = into.group("pc" + std::to_string(i), "pseudo-channel " + std::to_string(i));
    const uint64_t ncol = pc.n_rd + pc.n_wr;
    const uint64_t rc = pc.ref_cycles + pc.ref_bank_cycles / nb_;
    g.add("bytes_read", pc.bytes_read, "byte", "bytes of completed read requests");
    g.add("bytes_written", pc.bytes_written, "byte", "bytes of completed write requests");
    g.add("requests", pc.requests, "count", "requests completed");
    g.add("bursts", pc.bursts, "count", "AXI bursts served");
    g.add("reads", pc.n_rd, "count", "RD commands");
    g.add("writes", pc.n_wr, "count", "WR commands");
    g.add("activates", pc.n_act, "count", "ACT commands");
    g.add("precharges", pc.n_pre, "count", "PRE and PREA commands");
    g.add("refreshes", pc.n_ref, "count", "REF (all-bank) or REFsb (per-bank) commands");
    g.add("refresh_cycles", rc, "cycle",
          "device cycles from refresh start to tRFC after REF (per-bank: bank-cycles from due to tRFCsb after REFsb, / banks)");
    g.add_real("row_hit_rate", ncol ? 1.0 - double(std::min(pc.n_act, ncol)) / double(ncol) : 0.0, "ratio",
               "column commands that needed no new activation");
    const uint64_t bus = ncol * tB_;
    g.add_real("bus_utilisation", end_dev ? double(bus) / double(end_dev) : 0.0, "ratio",
               "data-bus busy device cycles / device cycles of the whole run (prefill, decode, drain)");
    br += pc.bytes_read;
    bw += pc.bytes_written;
    acts += pc.n_act;
    cols += ncol;
    refs += pc.n_ref;
    refc += rc;
    reqs += pc.requests;
    busy += bus;
    ev += pc.events;
    adv += pc.advances;
  }
  into.add("sim_events", ev, "count", "simulator work: scheduler events processed (ingress, commands, refresh steps)");
  into.add("sim_advances", adv, "count", "simulator work: per-PC advance calls");
  into.add("bytes_read", br, "byte", "bytes read, all pseudo-channels");
  into.add("bytes_written", bw, "byte", "bytes written, all pseudo-channels");
  into.add("requests", reqs, "count", "requests completed");
  into.add("column_commands", cols, "count", "RD + WR commands");
  into.add("activates", acts, "count", "ACT commands");
  into.add("refreshes", refs, "count", "REF or REFsb commands");
  into.add("refresh_cycles", refc, "cycle", "device cycles lost to refresh, summed over PCs");
  into.add_real("row_hit_rate", cols ? 1.0 - double(std::min(acts, cols)) / double(cols) : 0.0, "ratio",
                "column commands that needed no new activation");
  into.add_real("refresh_overhead", end_dev ? double(refc) / double(end_dev * pcs_.size()) : 0.0, "ratio",
                "refresh_cycles / (elapsed device cycles x PCs)");
  into.add_real("bus_utilisation", end_dev ? double(busy) / double(end_dev * pcs_.size()) : 0.0, "ratio",
                "data-bus busy device cycles / (device cycles of the whole run x PCs)");
}

}  // namespace skipopu::hbm

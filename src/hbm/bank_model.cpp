#include "bank_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace skipopu::hbm {

namespace {
uint32_t log2u(uint64_t v) {
  uint32_t r = 0;
  while ((uint64_t(1) << r) < v) ++r;
  return r;
}
}  // namespace

BankModel::BankModel(const HbmParams& p) : p_(p) {
  validate_hbm_params(p_, "hbm params");
  nb_ = p_.banks();
  ng_ = p_.bank_groups;
  if (nb_ > kMaxBanks) throw std::logic_error("hbm bank model: at most 64 banks per pseudo-channel");
  const Timing& t = p_.timing;
  tB_ = t.burst_cycles();
  // Address decode over the beat index, LSB first.
  const uint32_t ba_bits = log2u(p_.banks_per_group);
  bank_bit_pos_.assign(log2u(nb_), 0);
  uint32_t pos = 0;
  for (const AddrBit& b : p_.mapping) {
    switch (b.field) {
      case AddrField::Row: row_pos_ = pos; pos += log2u(p_.rows()); break;
      case AddrField::Column: col_pos_ = pos; pos += log2u(p_.columns()); break;
      case AddrField::BG: bank_bit_pos_[ba_bits + b.index] = pos++; break;
      case AddrField::BA: bank_bit_pos_[b.index] = pos++; break;
    }
  }
  row_mask_ = p_.rows() - 1;

  // The declarative timing table. Scope 0: same bank, 1: same bank group, 2: any bank.
  ccd_s_ = int32_t(std::max(t.tCCD_S, tB_));
  const int32_t ccd_l = int32_t(std::max(t.tCCD_L, tB_));
  rd_to_wr_ = std::max(ccd_s_, int32_t(t.tCL + tB_ + t.tRTW) - int32_t(t.tCWL));
  wr_to_rd_s_ = int32_t(t.tCWL + tB_ + t.tWTR_S);
  wr_to_rd_l_ = int32_t(t.tCWL + tB_ + t.tWTR_L);
  wr_to_pre_ = int32_t(t.tCWL + tB_ + t.tWR);
  table_ = {
      {ACT, ACT, 0, int32_t(t.tRC)},   {ACT, ACT, 1, int32_t(t.tRRD_L)}, {ACT, ACT, 2, int32_t(t.tRRD_S)},
      {ACT, RD, 0, int32_t(t.tRCDRD)}, {ACT, WR, 0, int32_t(t.tRCDWR)},  {ACT, PRE, 0, int32_t(t.tRAS)},
      {PRE, ACT, 0, int32_t(t.tRP)},   {RD, RD, 1, ccd_l},              {RD, RD, 2, ccd_s_},
      {WR, WR, 1, ccd_l},              {WR, WR, 2, ccd_s_},             {RD, WR, 2, rd_to_wr_},
      {WR, RD, 1, wr_to_rd_l_},        {WR, RD, 2, wr_to_rd_s_},        {RD, PRE, 0, int32_t(t.tRTP)},
      {WR, PRE, 0, wr_to_pre_},        {REF, ACT, 2, int32_t(t.tRFC)},  {PRE, REF, 2, int32_t(t.tRP)},
  };
  for (const Constraint& c : table_) by_to_[c.to].push_back(c);

  pcs_.resize(p_.pseudo_channels);
  for (Pc& pc : pcs_) {
    pc.q.reserve(p_.read_queue + p_.write_queue);
    pc.bank.assign(nb_, Bank{});
    pc.group.assign(ng_, Group{});
    pc.last_bank.assign(6 * nb_, kNeg);
    pc.last_group.assign(6 * ng_, kNeg);
    pc.last_all.fill(kNeg);
    pc.ref_due = p_.refresh ? T(t.tREFI) : kInf;
  }
  port_free_.assign(p_.ports, 0);
  const uint32_t nsw = std::max((p_.ports + p_.ports_per_switch - 1) / p_.ports_per_switch,
                                (p_.pseudo_channels + p_.pcs_per_switch - 1) / p_.pcs_per_switch);
  link_free_.assign(nsw, 0);
  oldest_hit_.assign(nb_, 0);
  act_memo_.assign(nb_, 0);
  pre_memo_.assign(nb_, 0);
}

void BankModel::decode(uint64_t beat, uint32_t& bank, uint32_t& row) const {
  uint32_t b = 0;
  for (size_t i = 0; i < bank_bit_pos_.size(); ++i) b |= uint32_t((beat >> bank_bit_pos_[i]) & 1) << i;
  bank = b;
  row = uint32_t((beat >> row_pos_) & row_mask_);
}

void BankModel::burst_range(const Slot& s, uint32_t k, uint64_t& beat, uint32_t& n) const {
  const uint64_t M = p_.max_burst_beats;
  const uint64_t start = k == 0 ? s.beat0 : (s.beat0 / M + k) * M;
  const uint64_t end = std::min((start / M + 1) * M, s.beat0 + s.beats);
  beat = start;
  n = uint32_t(end - start);
}

BankModel::T BankModel::ready_dev(const Slot& s, uint32_t k) const {
  Cycle axi = s.base + k;
  if (s.hops) {
    uint64_t beat;
    uint32_t n;
    burst_range(s, k, beat, n);
    const uint64_t cum = beat + n - s.beat0;
    const Cycle link = (s.link_start + cum * p_.lateral_cycles + p_.lateral_beats - 1) / p_.lateral_beats;
    axi = std::max(axi, link) + Cycle(s.hops) * p_.hop_latency;
  }
  return T(to_dev(axi));
}

void BankModel::submit(const Request& r) {
  if (r.pc >= p_.pseudo_channels || r.port >= p_.ports || r.bytes == 0 || r.arrival < now_ ||
      r.arrival < last_arrival_ || r.addr + r.bytes > p_.pc_bytes)
    throw std::logic_error("hbm bank model: invalid request id " + std::to_string(r.id));
  last_arrival_ = r.arrival;
  uint32_t si;
  if (!free_slots_.empty()) {
    si = free_slots_.back();
    free_slots_.pop_back();
  } else {
    si = uint32_t(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[si];
  s.id = r.id;
  s.beat0 = r.addr / p_.beat_bytes;
  s.beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  s.bytes = r.bytes;
  s.arrival = r.arrival;
  s.pc = r.pc;
  s.write = r.write;
  s.seq = seq_++;
  const uint64_t M = p_.max_burst_beats;
  s.bursts = uint32_t((s.beat0 + s.beats - 1) / M - s.beat0 / M + 1);
  s.admitted = s.done_bursts = 0;
  s.unissued = s.beats;
  s.first_data = kNever;
  s.done = 0;
  s.base = std::max(r.arrival, port_free_[r.port]);
  port_free_[r.port] = s.base + s.bursts;
  const uint32_t sp = r.port / p_.ports_per_switch, sc = r.pc / p_.pcs_per_switch;
  s.hops = sp > sc ? sp - sc : sc - sp;
  s.link_start = 0;
  if (s.hops) {
    const uint32_t lo = std::min(sp, sc), hi = std::max(sp, sc);
    uint64_t start = s.base * p_.lateral_beats;
    for (uint32_t l = lo; l < hi; ++l) start = std::max(start, link_free_[l]);
    for (uint32_t l = lo; l < hi; ++l) link_free_[l] = start + s.beats * p_.lateral_cycles;
    s.link_start = start;
  }
  Pc& pc = pcs_[r.pc];
  pc.incoming.push_back(si);
  pc.open.push_back(si);
  pc.dirty = true;
  pc.min_unissued = std::min(pc.min_unissued, s.beats);
}

BankModel::T BankModel::earliest_fast(const Pc& pc, Cmd c, uint32_t b) const {
  const Bank& bk = pc.bank[b];
  const Group& g = pc.group[group_of(b)];
  switch (c) {
    case ACT: {
      T t = std::max({bk.next_act, g.next_act, pc.g_next_act, pc.row_bus});
      return std::max(t, pc.faw[pc.faw_pos] + T(p_.timing.tFAW));
    }
    case PRE: return std::max(bk.next_pre, pc.row_bus);
    case RD: return std::max({bk.next_rd, g.next_rd, pc.g_next_rd});
    case WR: return std::max({bk.next_wr, g.next_wr, pc.g_next_wr});
    case REF: return std::max(pc.g_next_ref, pc.row_bus);
    default: return 0;
  }
}

BankModel::T BankModel::earliest_table(const Pc& pc, Cmd c, uint32_t b) const {
  T t = 0;
  const uint32_t g = group_of(b);
  for (const Constraint& k : by_to_[c]) {
    T last;
    if (k.scope == 0) last = pc.last_bank[k.from * nb_ + b];
    else if (k.scope == 1) last = pc.last_group[k.from * ng_ + g];
    else last = pc.last_all[k.from];
    t = std::max(t, last + k.cycles);
  }
  if (c == ACT || c == PRE || c == REF) t = std::max(t, pc.last_row_cmd + 1);  // one row command per tCK
  if (c == ACT) t = std::max(t, pc.faw[pc.faw_pos] + T(p_.timing.tFAW));      // four-activate window
  return t;
}

BankModel::T BankModel::earliest(const Pc& pc, Cmd c, uint32_t b) const {
  return p_.fast_path ? earliest_fast(pc, c, b) : earliest_table(pc, c, b);
}

BankModel::T BankModel::prea_earliest(const Pc& pc) const {
  T t = 0;
  for (uint32_t b = 0; b < nb_; ++b)
    if (pc.bank[b].open_row >= 0) t = std::max(t, earliest(pc, PRE, b));
  return t;
}

void BankModel::issue(Pc& pc, uint32_t pci, Cmd c, uint32_t b, uint32_t row, T t) {
  const Timing& tm = p_.timing;
  if (trace_on_) trace_.push_back({uint64_t(t), pci, c, b, row});
  const bool fast = p_.fast_path;
  auto mx = [](T& r, T v) { if (v > r) r = v; };
  auto table_note = [&](Cmd k, uint32_t bank) {
    pc.last_bank[k * nb_ + bank] = t;
    pc.last_group[k * ng_ + group_of(bank)] = t;
    pc.last_all[k] = t;
  };
  switch (c) {
    case ACT: {
      Bank& bk = pc.bank[b];
      bk.open_row = row;
      if (fast) {
        Group& g = pc.group[group_of(b)];
        mx(bk.next_act, t + tm.tRC);
        mx(bk.next_rd, t + tm.tRCDRD);
        mx(bk.next_wr, t + tm.tRCDWR);
        mx(bk.next_pre, t + tm.tRAS);
        mx(g.next_act, t + tm.tRRD_L);
        mx(pc.g_next_act, t + tm.tRRD_S);
        pc.row_bus = t + 1;
      } else {
        table_note(ACT, b);
        pc.last_row_cmd = t;
      }
      pc.faw[pc.faw_pos] = t;
      pc.faw_pos = (pc.faw_pos + 1) & 3;
      ++pc.n_act;
      break;
    }
    case PRE:
    case PREA: {
      for (uint32_t k = 0; k < nb_; ++k) {
        if (c == PRE ? k != b : pc.bank[k].open_row < 0) continue;
        pc.bank[k].open_row = -1;
        if (fast) {
          mx(pc.bank[k].next_act, t + tm.tRP);
          mx(pc.g_next_ref, t + tm.tRP);
        } else {
          table_note(PRE, k);
        }
      }
      if (fast) pc.row_bus = t + 1; else pc.last_row_cmd = t;
      ++pc.n_pre;
      break;
    }
    case RD: {
      if (fast) {
        Group& g = pc.group[group_of(b)];
        mx(g.next_rd, t + int32_t(std::max(tm.tCCD_L, tB_)));
        mx(pc.g_next_rd, t + ccd_s_);
        mx(pc.g_next_wr, t + rd_to_wr_);
        mx(pc.bank[b].next_pre, t + tm.tRTP);
      } else {
        table_note(RD, b);
      }
      ++pc.n_rd;
      break;
    }
    case WR: {
      if (fast) {
        Group& g = pc.group[group_of(b)];
        mx(g.next_wr, t + int32_t(std::max(tm.tCCD_L, tB_)));
        mx(pc.g_next_wr, t + ccd_s_);
        mx(g.next_rd, t + wr_to_rd_l_);
        mx(pc.g_next_rd, t + wr_to_rd_s_);
        mx(pc.bank[b].next_pre, t + wr_to_pre_);
      } else {
        table_note(WR, b);
      }
      ++pc.n_wr;
      break;
    }
    case REF: {
      if (fast) {
        mx(pc.g_next_act, t + tm.tRFC);
        pc.row_bus = t + 1;
      } else {
        pc.last_all[REF] = t;
        pc.last_row_cmd = t;
      }
      ++pc.n_ref;
      break;
    }
  }
}

void BankModel::finish_burst(Pc& pc, uint32_t pci, const Entry& e, T first, T last) {
  Slot& s = slots_[e.slot];
  const Timing& tm = p_.timing;
  const T lat = e.write ? tm.tCWL : tm.tCL;
  const Cycle extra = (e.write ? p_.write_latency : p_.read_latency) + Cycle(s.hops) * p_.hop_latency;
  const Cycle fd = to_axi(uint64_t(first + lat + tB_)) + extra;
  const Cycle dn = to_axi(uint64_t(last + lat + tB_)) + extra;
  s.first_data = std::min(s.first_data, fd);
  s.done = std::max(s.done, dn);
  if (e.write) --pc.nw; else --pc.nr;
  ++pc.bursts;
  if (++s.done_bursts == s.bursts) {
    Completion c;
    c.id = s.id;
    c.first_data = s.first_data;
    c.done = s.done;
    heap_.push(c);
    latency_sum_ += s.done - s.arrival;
    ++pc.requests;
    (s.write ? pc.bytes_written : pc.bytes_read) += s.bytes;
    for (size_t i = 0; i < pc.open.size(); ++i)
      if (pc.open[i] == e.slot) {
        pc.open[i] = pc.open.back();
        pc.open.pop_back();
        break;
      }
    free_slots_.push_back(e.slot);
  }
}

void BankModel::advance(Pc& pc, uint32_t pci, T limit) {
  const bool fast = p_.fast_path;
  const Timing& tm = p_.timing;
  for (;;) {
    T best = kInf;
    int kind = -1;
    // 0: beat (detailed) or end of the burst in progress (fast)
    if (pc.busy) { best = pc.cur_t; kind = 0; }
    // 1: ingress of the earliest-ready burst (in order; waits for queue room)
    size_t in_i = SIZE_MAX;
    {
      T rbest = kInf;
      uint64_t sbest = UINT64_MAX;
      for (size_t i = 0; i < pc.incoming.size(); ++i) {
        const Slot& s = slots_[pc.incoming[i]];
        const T r = ready_dev(s, s.admitted);
        if (r < rbest || (r == rbest && s.seq < sbest)) { rbest = r; sbest = s.seq; in_i = i; }
      }
      if (in_i != SIZE_MAX) {
        const bool w = slots_[pc.incoming[in_i]].write;
        const bool room = w ? pc.nw < p_.write_queue : pc.nr < p_.read_queue;
        const T t = std::max(rbest, pc.time);
        if (room && t < best) { best = t; kind = 1; }
      }
    }
    // 2: refresh (start, PREA, REF)
    if (p_.refresh) {
      T t = kInf;
      if (!pc.ref_active) {
        if (!pc.busy) t = std::max(pc.ref_due, pc.time);
      } else {
        bool any_open = false;
        for (uint32_t b = 0; b < nb_ && !any_open; ++b) any_open = pc.bank[b].open_row >= 0;
        t = std::max(any_open ? prea_earliest(pc) : earliest(pc, REF, 0), pc.time);
      }
      if (t < best) { best = t; kind = 2; }
    }
    // Desired mode (write drain by watermarks).
    const uint32_t qr = pc.nr - (pc.busy && !pc.cur.write ? 1 : 0);
    const uint32_t qw = pc.nw - (pc.busy && pc.cur.write ? 1 : 0);
    bool wm = pc.write_mode;
    if (!wm) { if (qw >= p_.write_high || (qr == 0 && qw > 0)) wm = true; }
    else if ((qw <= p_.write_low && qr > 0) || qw == 0) wm = false;
    // 3: row commands (look-ahead ACT / PRE, closed-page PRE), oldest first on ties
    Cmd row_cmd = ACT;
    uint32_t row_bank = 0, row_row = 0;
    size_t pick_i = SIZE_MAX;
    if (!pc.ref_active) {
      const uint32_t none = UINT32_MAX;
      std::fill(oldest_hit_.begin(), oldest_hit_.end(), none);
      for (size_t i = 0; i < pc.q.size(); ++i) {
        const Entry& e = pc.q[i];
        if (e.write != wm) continue;
        bool hit = true;
        for (uint32_t j = 0; j < e.npairs; ++j) {
          const uint32_t b = e.bank[j];
          if (pc.bank[b].open_row == int64_t(e.row[j])) {
            if (oldest_hit_[b] == none) oldest_hit_[b] = uint32_t(i);
          } else {
            hit = false;
          }
        }
        if (hit && pick_i == SIZE_MAX) pick_i = i;
      }
      T rbest = kInf;
      std::fill(act_memo_.begin(), act_memo_.end(), kNeg);
      std::fill(pre_memo_.begin(), pre_memo_.end(), kNeg);
      for (size_t i = 0; i < pc.q.size(); ++i) {
        const Entry& e = pc.q[i];
        if (e.write != wm) continue;
        for (uint32_t j = 0; j < e.npairs; ++j) {
          const uint32_t b = e.bank[j];
          const int64_t open = pc.bank[b].open_row;
          if (open == int64_t(e.row[j])) continue;
          T t;
          Cmd c;
          if (open < 0) {
            c = ACT;
            if (act_memo_[b] == kNeg) act_memo_[b] = std::max(earliest(pc, ACT, b), pc.time);
            t = act_memo_[b];
          } else {
            if ((pc.busy_banks >> b) & 1) continue;
            if (oldest_hit_[b] < i) continue;
            c = PRE;
            if (pre_memo_[b] == kNeg) pre_memo_[b] = std::max(earliest(pc, PRE, b), pc.time);
            t = pre_memo_[b];
          }
          if (t < rbest) { rbest = t; row_cmd = c; row_bank = b; row_row = e.row[j]; }
        }
      }
      if (!p_.open_page) {
        for (uint32_t b = 0; b < nb_; ++b) {
          if (pc.bank[b].open_row < 0 || oldest_hit_[b] != none || ((pc.busy_banks >> b) & 1)) continue;
          const T t = std::max(earliest(pc, PRE, b), pc.time);
          if (t < rbest) { rbest = t; row_cmd = PRE; row_bank = b; }
        }
      }
      if (rbest < best) { best = rbest; kind = 3; }
      // 4: column pick: oldest row-hit burst of the current mode
      if (!pc.busy && pick_i != SIZE_MAX && pc.time < best) { best = pc.time; kind = 4; }
    }
    if (kind < 0 || best >= limit) {
      pc.next = best;
      break;
    }
    pc.time = best;
    switch (kind) {
      case 0: {
        if (fast) {
          finish_burst(pc, pci, pc.cur, pc.cur_first, pc.cur_t);
          pc.busy = false;
          pc.busy_banks = 0;
        } else {
          Entry& e = pc.cur;
          uint32_t b, row;
          decode(e.beat + pc.cur_i, b, row);
          issue(pc, pci, e.write ? WR : RD, b, row, best);
          if (pc.cur_i == 0) pc.cur_first = best;
          if (++pc.cur_i == e.n) {
            finish_burst(pc, pci, e, pc.cur_first, best);
            pc.busy = false;
            pc.busy_banks = 0;
          } else {
            decode(e.beat + pc.cur_i, b, row);
            pc.cur_t = std::max(earliest_table(pc, e.write ? WR : RD, b), best);
          }
        }
        break;
      }
      case 1: {
        const uint32_t si = pc.incoming[in_i];
        Slot& s = slots_[si];
        Entry e;
        e.seq = s.seq;
        e.slot = si;
        e.write = s.write;
        uint32_t n;
        burst_range(s, s.admitted, e.beat, n);
        e.n = uint16_t(n);
        e.npairs = 0;
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t b, row;
          decode(e.beat + i, b, row);
          bool dup = false;
          for (uint32_t j = 0; j < e.npairs; ++j) dup |= e.bank[j] == b;
          if (!dup) { e.bank[e.npairs] = uint8_t(b); e.row[e.npairs] = row; ++e.npairs; }
        }
        pc.q.push_back(e);
        if (e.write) ++pc.nw; else ++pc.nr;
        if (++s.admitted == s.bursts) {
          pc.incoming.erase(pc.incoming.begin() + in_i);
        }
        break;
      }
      case 2: {
        if (!pc.ref_active) {
          pc.ref_active = true;
          pc.ref_start = best;
        } else {
          bool any_open = false;
          for (uint32_t b = 0; b < nb_ && !any_open; ++b) any_open = pc.bank[b].open_row >= 0;
          if (any_open) {
            issue(pc, pci, PREA, 0, 0, best);
          } else {
            issue(pc, pci, REF, 0, 0, best);
            pc.ref_active = false;
            pc.ref_cycles += uint64_t(best + tm.tRFC - pc.ref_start);
            pc.ref_due += tm.tREFI;
          }
        }
        break;
      }
      case 3:
        issue(pc, pci, row_cmd, row_bank, row_row, best);
        break;
      case 4: {
        pc.write_mode = wm;
        pc.cur = pc.q[pick_i];
        pc.q.erase(pc.q.begin() + pick_i);
        Entry& e = pc.cur;
        pc.busy = true;
        pc.busy_banks = 0;
        for (uint32_t j = 0; j < e.npairs; ++j) pc.busy_banks |= uint64_t(1) << e.bank[j];
        slots_[e.slot].unissued -= e.n;
        const Cmd c = e.write ? WR : RD;
        if (fast) {
          T last = best;
          for (uint32_t i = 0; i < e.n; ++i) {
            uint32_t b, row;
            decode(e.beat + i, b, row);
            const T t = std::max(earliest_fast(pc, c, b), best);
            issue(pc, pci, c, b, row, t);
            if (i == 0) pc.cur_first = t;
            last = t;
          }
          pc.cur_t = last;
        } else {
          uint32_t b, row;
          decode(e.beat, b, row);
          pc.cur_i = 0;
          pc.cur_t = std::max(earliest_table(pc, c, b), best);
        }
        break;
      }
    }
  }
  pc.horizon = std::max(pc.horizon, limit);
  pc.dirty = false;
  pc.min_unissued = UINT64_MAX;
  for (uint32_t si : pc.open) pc.min_unissued = std::min(pc.min_unissued, slots_[si].unissued);
}

Cycle BankModel::next_event() const {
  Cycle best = heap_.empty() ? kNever : heap_.top().done;
  const Timing& tm = p_.timing;
  const Cycle min_lat = std::min(p_.read_latency, p_.write_latency);
  const T data = T(std::min(tm.tCL, tm.tCWL) + tB_);
  for (const Pc& pc : pcs_) {
    if (pc.open.empty()) continue;
    // No state changes before the PC's next event; a request's unscheduled beats need at
    // least one data-bus slot each after that.
    const uint64_t rem = pc.min_unissued;
    const T base = std::max(pc.horizon, pc.dirty ? pc.time : pc.next);
    const T t = base + (rem > 1 ? T(rem - 1) * tB_ : 0) + data;
    Cycle c = to_axi(uint64_t(t)) + min_lat;
    if (c <= now_) c = now_ + 1;
    best = std::min(best, c);
  }
  return best;
}

bool BankModel::pop_completion(Cycle until, Completion& out) {
  if (until > now_) now_ = until;
  if (until > advanced_ || advanced_ == 0) {
    const T limit = T(to_dev(until));
    for (uint32_t i = 0; i < pcs_.size(); ++i) {
      Pc& pc = pcs_[i];
      if (!pc.dirty && limit <= pc.next) {  // nothing changed and nothing due before limit
        pc.horizon = std::max(pc.horizon, limit);
        continue;
      }
      advance(pc, i, limit);
    }
    advanced_ = until;
  }
  if (heap_.empty() || heap_.top().done > until) return false;
  out = heap_.pop();
  return true;
}

void BankModel::report(StatGroup& into, Cycle end) const {
  uint64_t br = 0, bw = 0, acts = 0, cols = 0, refs = 0, refc = 0, reqs = 0, busy = 0;
  const uint64_t end_dev = to_dev(end);
  for (uint32_t i = 0; i < pcs_.size(); ++i) {
    const Pc& pc = pcs_[i];
    StatGroup& g = into.group("pc" + std::to_string(i), "pseudo-channel " + std::to_string(i));
    const uint64_t ncol = pc.n_rd + pc.n_wr;
    g.add("bytes_read", pc.bytes_read, "byte", "bytes of completed read requests");
    g.add("bytes_written", pc.bytes_written, "byte", "bytes of completed write requests");
    g.add("requests", pc.requests, "count", "requests completed");
    g.add("bursts", pc.bursts, "count", "AXI bursts served");
    g.add("reads", pc.n_rd, "count", "RD commands");
    g.add("writes", pc.n_wr, "count", "WR commands");
    g.add("activates", pc.n_act, "count", "ACT commands");
    g.add("precharges", pc.n_pre, "count", "PRE and PREA commands");
    g.add("refreshes", pc.n_ref, "count", "REF commands");
    g.add("refresh_cycles", pc.ref_cycles, "cycle", "device cycles from refresh start to tRFC after REF");
    g.add_real("row_hit_rate", ncol ? 1.0 - double(std::min(pc.n_act, ncol)) / double(ncol) : 0.0, "ratio",
               "column commands that needed no new activation");
    const uint64_t bus = ncol * tB_;
    g.add_real("utilization", end_dev ? double(bus) / double(end_dev) : 0.0, "ratio", "data-bus busy / elapsed device cycles");
    br += pc.bytes_read;
    bw += pc.bytes_written;
    acts += pc.n_act;
    cols += ncol;
    refs += pc.n_ref;
    refc += pc.ref_cycles;
    reqs += pc.requests;
    busy += bus;
  }
  into.add("bytes_read", br, "byte", "bytes read, all pseudo-channels");
  into.add("bytes_written", bw, "byte", "bytes written, all pseudo-channels");
  into.add("requests", reqs, "count", "requests completed");
  into.add("column_commands", cols, "count", "RD + WR commands");
  into.add("activates", acts, "count", "ACT commands");
  into.add("refreshes", refs, "count", "REF commands");
  into.add("refresh_cycles", refc, "cycle", "device cycles lost to refresh, summed over PCs");
  into.add_real("row_hit_rate", cols ? 1.0 - double(std::min(acts, cols)) / double(cols) : 0.0, "ratio",
                "column commands that needed no new activation");
  into.add_real("refresh_overhead", end_dev ? double(refc) / double(end_dev * pcs_.size()) : 0.0, "ratio",
                "refresh_cycles / (elapsed device cycles x PCs)");
  into.add_real("utilization", end_dev ? double(busy) / double(end_dev * pcs_.size()) : 0.0, "ratio",
                "data-bus busy / (elapsed device cycles x PCs)");
}

}  // namespace skipopu::hbm

#include "bank_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "sel_scan.hpp"

static_assert(skipopu::hbm::detail::kSelInf == (int64_t(1) << 62), "the selection kernel and the bank model share kInf");

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
  if ((p_.dev_num & (p_.dev_num - 1)) == 0) num_shift_ = int(log2u(p_.dev_num));
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
  // Bank bits are disjoint single bits, so the bank index of a beat is the OR of the bank
  // indices of its low and high address parts: two table lookups.
  for (size_t i = 0; i < bank_bit_pos_.size(); ++i)
    if (bank_bit_pos_[i] >= 24) throw std::logic_error("hbm bank model: bank bits must lie in the low 24 beat-address bits");
  auto slow = [&](uint64_t beat) {
    uint32_t b = 0;
    for (size_t i = 0; i < bank_bit_pos_.size(); ++i) b |= uint32_t((beat >> bank_bit_pos_[i]) & 1) << i;
    return b;
  };
  for (uint32_t v = 0; v < 256; ++v) bank_lo_[v] = uint8_t(slow(v));
  bank_hi_.resize(1 << 16);
  for (uint32_t v = 0; v < (1u << 16); ++v) bank_hi_[v] = uint8_t(slow(uint64_t(v) << 8));

  // The declarative timing table. Scope 0: same bank, 1: same bank group, 2: any bank.
  ccd_s_ = int32_t(std::max(t.tCCD_S, tB_));
  ccd_l_ = int32_t(std::max(t.tCCD_L, tB_));
  const int32_t ccd_l = ccd_l_;
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
    const uint32_t cap = p_.read_queue + p_.write_queue;
    pc.pool.resize(cap);
    for (uint32_t i = cap; i-- > 0;) pc.free_e.push_back(int32_t(i));
    pc.nlink.assign(size_t(cap) * kMaxBeats, Link{-1, -1});
    pc.bhead.assign(2 * nb_, -1);
    pc.btail.assign(2 * nb_, -1);
    pc.bhits.assign(2 * nb_, 0);
    pc.bank.assign(nb_, Bank{});
    pc.group.assign(ng_, Group{});
    pc.last_bank.assign(6 * nb_, kNeg);
    pc.last_group.assign(6 * ng_, kNeg);
    pc.last_all.fill(kNeg);
    pc.ref_due = p_.refresh ? T(t.tREFI) : kInf;
  }
  // Stream extrapolation needs the row field on top of the address: then one address
  // period (2^row_pos beats) later every beat maps to the same bank, one row up.
  x_on_ = p_.fast_path && !p_.mapping.empty() &&
          p_.mapping.back().field == AddrField::Row;
  x_period_ = uint64_t(1) << row_pos_;
  port_free_.assign(p_.ports, 0);
  due_.assign(p_.pseudo_channels, kNeg);
  nb_base_.assign(p_.pseudo_channels, 0);
  nb_add_.assign(p_.pseudo_channels, -1);
  lim_.assign(p_.pseudo_channels, 0);
  const uint32_t nsw = std::max((p_.ports + p_.ports_per_switch - 1) / p_.ports_per_switch,
                                (p_.pseudo_channels + p_.pcs_per_switch - 1) / p_.pcs_per_switch);
  link_free_.assign(nsw, 0);
  // Divisions off the request path: switch of each port and PC, beat and burst shifts.
  for (uint32_t i = 0; i < p_.ports; ++i) switch_of_port_.push_back(i / p_.ports_per_switch);
  for (uint32_t i = 0; i < p_.pseudo_channels; ++i) switch_of_pc_.push_back(i / p_.pcs_per_switch);
  beat_shift_ = log2u(p_.beat_bytes);
  group_shift_ = log2u(p_.banks_per_group);
  if ((p_.max_burst_beats & (p_.max_burst_beats - 1)) == 0) burst_shift_ = int(log2u(p_.max_burst_beats));
}

void BankModel::decode(uint64_t beat, uint32_t& bank, uint32_t& row) const {
  bank = uint32_t(bank_lo_[beat & 255]) | bank_hi_[(beat >> 8) & 0xffff];
  row = uint32_t((beat >> row_pos_) & row_mask_);
}

void BankModel::burst_range(const Slot& s, uint32_t k, uint64_t& beat, uint32_t& n) const {
  const uint64_t M = p_.max_burst_beats;
  const uint64_t start = k == 0 ? s.beat0 : (burst_of(s.beat0) + k) * M;
  const uint64_t end = std::min((burst_of(start) + 1) * M, s.beat0 + s.beats);
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
  s.beat0 = r.addr >> beat_shift_;  // beat_bytes is a power of two (validated)
  s.beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  s.bytes = r.bytes;
  s.arrival = r.arrival;
  s.pc = r.pc;
  s.write = r.write;
  s.seq = seq_++;
  s.bursts = uint32_t(burst_of(s.beat0 + s.beats - 1) - burst_of(s.beat0) + 1);
  s.admitted = s.done_bursts = 0;
  s.unissued = s.beats;
  s.first_data = kNever;
  s.done = 0;
  s.base = std::max(r.arrival, port_free_[r.port]);
  port_free_[r.port] = s.base + s.bursts;
  const uint32_t sp = switch_of_port_[r.port], sc = switch_of_pc_[r.pc];
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
  if (p_.fast_path) {
    Lane* lane = nullptr;
    for (Lane& l : pc.lanes)
      if (l.port == r.port) lane = &l;
    if (!lane) {
      pc.lanes.push_back(Lane{r.port, {}, 0});
      lane = &pc.lanes.back();
    }
    if (lane->head == lane->fifo.size()) {
      lane->fifo.clear();
      lane->head = 0;
    } else if (lane->head >= 1024 && 2 * lane->head >= lane->fifo.size()) {  // a lane that never drains:
      lane->fifo.erase(lane->fifo.begin(), lane->fifo.begin() + std::ptrdiff_t(lane->head));  // keep it bounded
      lane->head = 0;
    }
    lane->fifo.push_back(si);
  } else {
    pc.incoming.push_back(si);
  }
  s.open_idx = uint32_t(pc.open.size());
  pc.open.push_back(si);
  if (x_on_ && s.bursts >= kXMinBursts) ++pc.n_long;
  pc.x_prev = -1;
  pc.dirty = true;
  pc.in_valid = false;
  pc.min_unissued = pc.open.size() <= 4 ? std::min(pc.min_unissued, s.beats) : 1;
  sync_pc(r.pc);
}

// The per-PC scheduling summary that pop_completion and next_event scan, kept compact.
void BankModel::sync_pc(uint32_t i) {
  const Pc& pc = pcs_[i];
  due_[i] = pc.dirty ? kNeg : pc.next;
  if (pc.open.empty()) {
    nb_base_[i] = 0;
    nb_add_[i] = -1;  // nothing open
  } else {
    const uint64_t rem = pc.min_unissued;  // 1 when many requests are open (cheap, still a bound)
    nb_base_[i] = pc.dirty ? pc.time : pc.next;
    nb_add_[i] = (rem > 1 ? T(rem - 1) * tB_ : 0) + T(std::min(p_.timing.tCL, p_.timing.tCWL) + tB_);
  }
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
      row_change(pc, b, +1);
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
      pc.sel_valid = false;  // tRRD_S / tFAW / row bus moved every candidate
      if (pc.bc_valid) {  // bank b changed state; its group's banks got a new tRRD_L bound
        // For the other banks of the group only the group's ACT register moved (up): an ACT
        // candidate's time max(bank, group) becomes max(old, group); nothing else changes.
        // The selection was dropped above, so there is nothing to fold.
        const uint32_t g0 = group_of(b) * p_.banks_per_group;
        const T gact = pc.group[group_of(b)].next_act;
        for (uint32_t k = g0; k < g0 + p_.banks_per_group; ++k) {
          if (k == b) touch_fast(pc, k);
          else if (((pc.bc_actm >> k) & 1) && pc.bc_raw[k] != kInf && pc.bc_raw[k] < gact) pc.bc_raw[k] = gact;
        }
      }
      ++pc.n_act;
      break;
    }
    case PRE:
    case PREA: {
      for (uint32_t k = c == PRE ? b : 0; k < (c == PRE ? b + 1 : nb_); ++k) {
        if (c == PREA && pc.bank[k].open_row < 0) continue;
        row_change(pc, k, -1);
        pc.bank[k].open_row = -1;
        if (fast) {
          mx(pc.bank[k].next_act, t + tm.tRP);
          mx(pc.g_next_ref, t + tm.tRP);
        } else {
          table_note(PRE, k);
        }
      }
      if (fast) pc.row_bus = t + 1; else pc.last_row_cmd = t;
      pc.sel_valid = false;  // the row bus moved every candidate
      if (c == PRE) touch_fast(pc, b); else pc.bc_valid = false;
      ++pc.n_pre;
      break;
    }
    case RD:
    case WR: {
      if (fast) column_registers(pc, c, b, t); else table_note(c, b);
      if (c == RD) ++pc.n_rd; else ++pc.n_wr;
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
      pc.bc_valid = false;
      ++pc.n_ref;
      break;
    }
  }
}

void BankModel::column_registers(Pc& pc, Cmd c, uint32_t b, T t) const {
  Bank& bk = pc.bank[b];
  Group& g = pc.group[group_of(b)];
  if (c == RD) {
    g.next_rd = std::max(g.next_rd, t + ccd_l_);
    pc.g_next_rd = std::max(pc.g_next_rd, t + ccd_s_);
    pc.g_next_wr = std::max(pc.g_next_wr, t + rd_to_wr_);
    bk.next_pre = std::max(bk.next_pre, t + T(p_.timing.tRTP));
  } else {
    g.next_wr = std::max(g.next_wr, t + ccd_l_);
    pc.g_next_wr = std::max(pc.g_next_wr, t + ccd_s_);
    g.next_rd = std::max(g.next_rd, t + wr_to_rd_l_);
    pc.g_next_rd = std::max(pc.g_next_rd, t + wr_to_rd_s_);
    bk.next_pre = std::max(bk.next_pre, t + wr_to_pre_);
  }
}

void BankModel::finish_burst(Pc& pc, int32_t ei, T first, T last) {
  const Entry& e = pc.pool[ei];
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
    c.arrival = s.arrival;
    c.first_data = s.first_data;
    c.done = s.done;
    heap_.push(c);
    latency_sum_ += s.done - s.arrival;
    ++pc.requests;
    (s.write ? pc.bytes_written : pc.bytes_read) += s.bytes;
    {  // swap-remove by the slot's index (the same order as a search for it would give)
      const uint32_t i = s.open_idx, last = pc.open.back();
      pc.open[i] = last;
      slots_[last].open_idx = i;
      pc.open.pop_back();
    }
    free_slots_.push_back(e.slot);
    if (x_on_ && s.bursts >= kXMinBursts) --pc.n_long;
  }
  pc.free_e.push_back(ei);
}

// ---- queue bookkeeping (shared by both paths) ----

int32_t BankModel::admit(Pc& pc, uint32_t si) {
  uint64_t beat;
  uint32_t n;
  burst_range(slots_[si], slots_[si].admitted, beat, n);
  return admit_range(pc, si, beat, n);
}

int32_t BankModel::admit_range(Pc& pc, uint32_t si, uint64_t beat, uint32_t n) {
  Slot& s = slots_[si];
  const int32_t ei = pc.free_e.back();
  pc.free_e.pop_back();
  Entry& e = pc.pool[ei];
  e.seq = s.seq;
  e.ord = pc.admissions++;
  e.slot = si;
  e.write = s.write;
  e.beat = beat;
  e.n = uint16_t(n);
  e.npairs = 0;
  e.missing = 0;
  uint64_t seen = 0;  // banks already paired (first occurrence order kept)
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t b, row;
    decode(e.beat + i, b, row);
    if (!((seen >> b) & 1)) {
      seen |= uint64_t(1) << b;
      e.bank[e.npairs] = uint8_t(b);
      e.row[e.npairs] = row;
      ++e.npairs;
    }
  }
  const int m = e.write;
  // mode list
  e.prev = pc.tail[m];
  e.next = -1;
  if (pc.tail[m] >= 0) pc.pool[pc.tail[m]].next = ei; else pc.head[m] = ei;
  pc.tail[m] = ei;
  ++pc.count[m];
  // bank lists
  for (uint32_t j = 0; j < e.npairs; ++j) {
    const uint32_t b = e.bank[j];
    const int32_t node = ei * kMaxBeats + int32_t(j);
    const uint32_t li = m * nb_ + b;
    pc.nlink[node].prev = pc.btail[li];
    pc.nlink[node].next = -1;
    if (pc.btail[li] >= 0) pc.nlink[pc.btail[li]].next = node; else pc.bhead[li] = node;
    pc.btail[li] = node;
    if (pc.bank[b].open_row == int64_t(e.row[j])) ++pc.bhits[li]; else ++e.missing;
  }
  if (e.missing == 0) {
    ++pc.ready[m];
    if (pc.rdy_e[m] < 0) pc.rdy_e[m] = ei;  // the youngest: oldest ready only if none was
  }
  if (e.write) ++pc.nw; else ++pc.nr;
  return ei;
}

void BankModel::take(Pc& pc, int32_t ei) {
  Entry& e = pc.pool[ei];
  const int m = e.write;
  if (e.prev >= 0) pc.pool[e.prev].next = e.next; else pc.head[m] = e.next;
  if (e.next >= 0) pc.pool[e.next].prev = e.prev; else pc.tail[m] = e.prev;
  --pc.count[m];
  if (e.missing == 0) --pc.ready[m];
  if (pc.rdy_e[m] == ei) pc.rdy_ok[m] = false;
  for (uint32_t j = 0; j < e.npairs; ++j) {
    const uint32_t b = e.bank[j];
    const int32_t node = ei * kMaxBeats + int32_t(j);
    const uint32_t li = m * nb_ + b;
    if (pc.nlink[node].prev >= 0) pc.nlink[pc.nlink[node].prev].next = pc.nlink[node].next; else pc.bhead[li] = pc.nlink[node].next;
    if (pc.nlink[node].next >= 0) pc.nlink[pc.nlink[node].next].prev = pc.nlink[node].prev; else pc.btail[li] = pc.nlink[node].prev;
    if (pc.bank[b].open_row == int64_t(e.row[j])) --pc.bhits[li];
  }
}

// The open row of bank b starts (+1) or stops (-1) serving the queued entries that want it.
void BankModel::row_change(Pc& pc, uint32_t b, int dir) {
  const int64_t r = pc.bank[b].open_row;
  for (int m = 0; m < 2; ++m) {
    const uint32_t li = m * nb_ + b;
    for (int32_t node = pc.bhead[li]; node >= 0; node = pc.nlink[node].next) {
      Entry& e = pc.pool[node / kMaxBeats];
      if (int64_t(e.row[node % kMaxBeats]) != r) continue;
      if (dir > 0) {
        ++pc.bhits[li];
        if (--e.missing == 0) {
          ++pc.ready[m];
          const int32_t ei = node / kMaxBeats, cr = pc.rdy_e[m];
          if (cr < 0 || e.ord < pc.pool[cr].ord) pc.rdy_e[m] = ei;  // list order = admission order
        }
      } else if (e.missing++ == 0) {
        --pc.ready[m];
        if (pc.rdy_e[m] == node / kMaxBeats) pc.rdy_ok[m] = false;
      }
    }
    if (dir < 0) pc.bhits[li] = 0;
  }
}

// ---- scheduling policy (one definition, two implementations) ----
// For bank b and the current mode's queue, with `front` its oldest entry touching b:
//   bank closed:                      ACT front's row            (age: front)
//   bank open at R, not in a burst:   PRE if front's row != R and either no queued entry
//                                     hits R or front is the oldest entry of the mode
//                                     (hits first; the oldest entry cannot starve);
//                                     closed page: PRE if no queued entry touches b (age: last)
// The row bus takes the candidate with the earliest legal time, then the oldest, then the
// lowest bank. The column side takes the oldest entry whose pairs all hit.

bool BankModel::bank_cand(const Pc& pc, uint32_t b, bool front, uint64_t front_seq, uint32_t front_row,
                          uint32_t hits, uint64_t oldest, RowCand& out) const {
  const int64_t open = pc.bank[b].open_row;
  out.bank = b;
  out.some = true;
  if (open < 0) {
    if (!front) return false;
    out.cmd = ACT;
    out.raw = earliest(pc, ACT, b);
    out.age = front_seq;
    out.row = front_row;
    return true;
  }
  if ((pc.busy_banks >> b) & 1) return false;
  if (front) {
    if (int64_t(front_row) == open) return false;
    if (hits > 0 && front_seq != oldest) return false;
    out.age = front_seq;
  } else {
    if (p_.open_page) return false;
    out.age = UINT64_MAX;
  }
  out.cmd = PRE;
  out.raw = earliest(pc, PRE, b);
  out.row = 0;
  return true;
}

bool BankModel::better(const RowCand& a, const RowCand& b, T now) {
  if (!b.some) return a.some;
  if (!a.some) return false;
  const T ta = std::max(a.raw, now), tb = std::max(b.raw, now);
  if (ta != tb) return ta < tb;
  if (a.age != b.age) return a.age < b.age;
  return a.bank < b.bank;
}

BankModel::RowCand BankModel::row_scan(const Pc& pc, bool wm) const {
  bool front[kMaxBanks] = {};
  uint64_t fseq[kMaxBanks];
  uint32_t frow[kMaxBanks], hits[kMaxBanks] = {};
  uint64_t oldest = UINT64_MAX;
  // Walk the whole queue in age order (the reference ignores the incremental lists).
  for (int32_t ei = pc.head[wm]; ei >= 0; ei = pc.pool[ei].next) {
    const Entry* e = &pc.pool[ei];
    if (oldest == UINT64_MAX) oldest = e->seq;
    for (uint32_t j = 0; j < e->npairs; ++j) {
      const uint32_t b = e->bank[j];
      if (!front[b]) { front[b] = true; fseq[b] = e->seq; frow[b] = e->row[j]; }
      if (pc.bank[b].open_row == int64_t(e->row[j])) ++hits[b];
    }
  }
  RowCand best;
  for (uint32_t b = 0; b < nb_; ++b) {
    RowCand c;
    if (bank_cand(pc, b, front[b], front[b] ? fseq[b] : 0, front[b] ? frow[b] : 0, hits[b], oldest, c) &&
        better(c, best, pc.time))
      best = c;
  }
  return best;
}

void BankModel::bank_cand_fast(Pc& pc, uint32_t b, bool wm) const {
  pc.bc_raw[b] = kInf;
  const int64_t open = pc.bank[b].open_row;
  const uint32_t li = wm * nb_ + b;
  const int32_t node = pc.bhead[li];
  if (open < 0) {
    if (node < 0) return;
    const Entry& e = pc.pool[node / kMaxBeats];
    pc.bc_actm |= uint64_t(1) << b;
    pc.bc_raw[b] = std::max(pc.bank[b].next_act, pc.group[group_of(b)].next_act);
    pc.bc_age[b] = e.seq;
    pc.bc_row[b] = e.row[node % kMaxBeats];
    return;
  }
  if ((pc.busy_banks >> b) & 1) return;
  if (node >= 0) {
    const Entry& e = pc.pool[node / kMaxBeats];
    if (int64_t(e.row[node % kMaxBeats]) == open) return;
    if (pc.bhits[li] > 0 && e.seq != pc.pool[pc.head[wm]].seq) return;
    pc.bc_age[b] = e.seq;
  } else {
    if (p_.open_page) return;
    pc.bc_age[b] = UINT64_MAX;
  }
  pc.bc_actm &= ~(uint64_t(1) << b);
  pc.bc_raw[b] = pc.bank[b].next_pre;
  pc.bc_row[b] = 0;
}

// Bank b's inputs changed: bring its candidate up to date (when the set is being kept).
void BankModel::touch_fast(Pc& pc, uint32_t b) {
  if (!pc.bc_valid) return;
  bank_cand_fast(pc, b, pc.bc_wm);
  if (!pc.sel_valid) return;
  if (pc.sel_key != kInf && pc.sel_bank == b) {
    pc.sel_valid = false;
    return;
  }
  // Fold bank b into the cached selection (global parts are unchanged since it was made).
  const T g_act = std::max({pc.g_next_act, pc.row_bus, pc.faw[pc.faw_pos] + T(p_.timing.tFAW)});
  const T key = std::max(pc.bc_raw[b], ((pc.bc_actm >> b) & 1) ? g_act : pc.row_bus);
  if (key == kInf) return;
  const T now = pc.time;
  const T kb = std::max(key, now), ks = std::max(pc.sel_key, now);
  if (pc.sel_key == kInf || kb < ks ||
      (kb == ks && (pc.bc_age[b] < pc.sel_age || (pc.bc_age[b] == pc.sel_age && b < pc.sel_bank)))) {
    pc.sel_valid = false;  // b may win: recompute
  } else if (key > pc.sel_key) {
    pc.sel_k2 = std::min(pc.sel_k2, key);
  }
}

int32_t BankModel::pick_scan(const Pc& pc, bool wm) const {
  for (int32_t ei = pc.head[wm]; ei >= 0; ei = pc.pool[ei].next) {
    const Entry& e = pc.pool[ei];
    bool hit = true;
    for (uint32_t j = 0; j < e.npairs && hit; ++j) hit = pc.bank[e.bank[j]].open_row == int64_t(e.row[j]);
    if (hit) return ei;
  }
  return -1;
}

int32_t BankModel::pick_fast(Pc& pc, bool wm) const {
  if (pc.ready[wm] == 0) return -1;
  if (pc.rdy_ok[wm]) return pc.rdy_e[wm];
  int32_t r = -1;
  for (int32_t ei = pc.head[wm]; ei >= 0; ei = pc.pool[ei].next)
    if (pc.pool[ei].missing == 0) { r = ei; break; }
  pc.rdy_e[wm] = r;
  pc.rdy_ok[wm] = true;
  return r;
}

// One loop for both paths; each is compiled on its own (no per-step test of the path).
void BankModel::advance(Pc& pc, uint32_t pci, T limit) {
  if (p_.fast_path) advance_impl<true>(pc, pci, limit);
  else advance_impl<false>(pc, pci, limit);
}

template <bool kFast>
void BankModel::advance_impl(Pc& pc, uint32_t pci, T limit) {
  constexpr bool fast = kFast;
  const Timing& tm = p_.timing;
  ++pc.advances;
  for (;;) {
    T best = kInf;
    int kind = -1;
    // 0: beat (detailed) or end of the burst in progress (fast)
    if (pc.busy) { best = pc.cur_t; kind = 0; }
    // 1: ingress of the earliest-ready burst (in order; waits for queue room)
    uint32_t in_slot = UINT32_MAX;
    size_t in_i = 0;
    {
      T rbest = kInf;
      uint64_t sbest = UINT64_MAX;
      if constexpr (fast) {
        if (!pc.in_valid) {  // changes only with a submit or an admission
          pc.in_slot = UINT32_MAX;
          for (size_t i = 0; i < pc.lanes.size(); ++i) {
            const Lane& l = pc.lanes[i];
            if (l.head == l.fifo.size()) continue;
            const Slot& s = slots_[l.fifo[l.head]];
            const T r = ready_dev(s, s.admitted);
            if (r < rbest || (r == rbest && s.seq < sbest)) { rbest = r; sbest = s.seq; pc.in_lane = i; pc.in_slot = l.fifo[l.head]; }
          }
          pc.in_ready = rbest;
          pc.in_valid = true;
        }
        in_slot = pc.in_slot;
        in_i = pc.in_lane;
        rbest = pc.in_ready;
      } else {
        for (size_t i = 0; i < pc.incoming.size(); ++i) {
          const Slot& s = slots_[pc.incoming[i]];
          const T r = ready_dev(s, s.admitted);
          if (r < rbest || (r == rbest && s.seq < sbest)) { rbest = r; sbest = s.seq; in_i = i; in_slot = pc.incoming[i]; }
        }
      }
      if (in_slot != UINT32_MAX) {
        const bool w = slots_[in_slot].write;
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
    const uint32_t qr = pc.count[0], qw = pc.count[1];
    bool wm = pc.write_mode;
    if (!wm) { if (qw >= p_.write_high || (qr == 0 && qw > 0)) wm = true; }
    else if ((qw <= p_.write_low && qr > 0) || qw == 0) wm = false;
    // 3: row command; 4: column pick
    RowCand rc;
    int32_t pick = -1;
    if (!pc.ref_active) {
      if constexpr (fast) {
        if (!pc.bc_valid || pc.bc_wm != wm) {
          pc.bc_valid = true;
          pc.bc_wm = wm;
          pc.sel_valid = false;
          for (uint32_t b = 0; b < nb_; ++b) bank_cand_fast(pc, b, wm);
        }
        if (!pc.sel_valid || (pc.sel_key != kInf && pc.time >= pc.sel_k2)) {
          const T now = pc.time;
          const T g_act = std::max({pc.g_next_act, pc.row_bus, pc.faw[pc.faw_pos] + T(tm.tFAW), now});
          const T g_pre = std::max(pc.row_bus, now);
          // (clamped time, age, bank) minimum in two light passes: the earliest clamped time,
          // then the oldest (lowest bank on ties) among the banks at that time, and the
          // smallest key above it.
          uint64_t tied = 0;  // banks at the earliest time
          T k2 = kInf;
          const T bt = detail::sel_scan(pc.bc_raw.data(), pc.bc_actm, g_pre, g_act, nb_, tied, k2);
          uint32_t sel = 0;
          uint64_t ba = 0;
          if (bt != kInf) {
            sel = uint32_t(__builtin_ctzll(tied));
            ba = pc.bc_age[sel];
            for (tied &= tied - 1; tied; tied &= tied - 1) {
              const uint32_t b = uint32_t(__builtin_ctzll(tied));
              if (pc.bc_age[b] < ba) { ba = pc.bc_age[b]; sel = b; }
            }
          }
          pc.sel_valid = true;
          pc.sel_key = bt;
          pc.sel_age = ba;
          pc.sel_bank = sel;
          pc.sel_k2 = k2;
        }
        if (pc.sel_key != kInf) {
          const uint32_t sel = pc.sel_bank;
          rc.some = true;
          rc.raw = std::max(pc.sel_key, pc.time);
          rc.bank = sel;
          rc.cmd = ((pc.bc_actm >> sel) & 1) ? ACT : PRE;
          rc.row = pc.bc_row[sel];
        }
        if (!pc.busy) pick = pick_fast(pc, wm);
      } else {
        rc = row_scan(pc, wm);
        if (!pc.busy) pick = pick_scan(pc, wm);
      }
      if (rc.some) {
        const T t = std::max(rc.raw, pc.time);
        if (t < best) { best = t; kind = 3; }
      }
      if (pick >= 0 && pc.time < best) { best = pc.time; kind = 4; }
    }
    if (kind < 0 || best >= limit) {
      pc.next = best;
      break;
    }
    if (kind == 4 && pc.n_long && x_visit(pc, limit)) continue;  // replayed a memoised stretch
    pc.time = best;
    ++pc.events;
    switch (kind) {
      case 0: {
        const int32_t ei = pc.cur;
        if constexpr (fast) {
          const uint64_t banks = pc.busy_banks;
          pc.busy = false;
          pc.busy_banks = 0;
          finish_burst(pc, ei, pc.cur_first, pc.cur_t);
          for (uint64_t m = banks; m; m &= m - 1) touch_fast(pc, uint32_t(__builtin_ctzll(m)));
        } else {
          const Entry& e = pc.pool[ei];
          uint32_t b, row;
          decode(e.beat + pc.cur_i, b, row);
          issue(pc, pci, e.write ? WR : RD, b, row, best);
          if (pc.cur_i == 0) pc.cur_first = best;
          if (++pc.cur_i == e.n) {
            pc.busy = false;
            pc.busy_banks = 0;
            finish_burst(pc, ei, pc.cur_first, best);
          } else {
            decode(e.beat + pc.cur_i, b, row);
            pc.cur_t = std::max(earliest_table(pc, e.write ? WR : RD, b), best);
          }
        }
        break;
      }
      case 1: {
        Slot& s = slots_[in_slot];
        const int32_t ei = admit(pc, in_slot);
        pc.in_valid = false;
        if (++s.admitted == s.bursts) {
          if constexpr (fast) ++pc.lanes[in_i].head;
          else pc.incoming.erase(pc.incoming.begin() + in_i);
        }
        if (fast && pc.bc_valid && pc.pool[ei].write == pc.bc_wm) {
          const Entry& e = pc.pool[ei];
          for (uint32_t j = 0; j < e.npairs; ++j) touch_fast(pc, e.bank[j]);
        }
        break;
      }
      case 2: {
        pc.bc_valid = false;
        pc.x_prev = -1;
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
        issue(pc, pci, rc.cmd, rc.bank, rc.row, best);
        break;
      case 4: {
        pc.write_mode = wm;
        const int32_t old_head = pc.head[wm];
        take(pc, pick);
        pc.cur = pick;
        const Entry& e = pc.pool[pick];
        pc.busy = true;
        pc.busy_banks = 0;
        for (uint32_t j = 0; j < e.npairs; ++j) pc.busy_banks |= uint64_t(1) << e.bank[j];
        slots_[e.slot].unissued -= e.n;
        const Cmd c = e.write ? WR : RD;
        if constexpr (fast) {
          // Closed-form burst: each column command at the max of its registers; the register
          // updates are those of issue(), specialised (no trace: it is off on hot paths).
          T last = best;
          if (!trace_on_) {
            for (uint32_t i = 0; i < e.n; ++i) {
              const uint64_t beat = e.beat + i;
              const uint32_t b = uint32_t(bank_lo_[beat & 255]) | bank_hi_[(beat >> 8) & 0xffff];
              const Bank& bk = pc.bank[b];
              const Group& g = pc.group[group_of(b)];
              const T t = c == RD ? std::max({bk.next_rd, g.next_rd, pc.g_next_rd, best})
                                  : std::max({bk.next_wr, g.next_wr, pc.g_next_wr, best});
              column_registers(pc, c, b, t);
              if (i == 0) pc.cur_first = t;
              last = t;
            }
            (c == RD ? pc.n_rd : pc.n_wr) += e.n;
          } else {
            for (uint32_t i = 0; i < e.n; ++i) {
              uint32_t b, row;
              decode(e.beat + i, b, row);
              const T t = std::max(earliest_fast(pc, c, b), best);
              issue(pc, pci, c, b, row, t);
              if (i == 0) pc.cur_first = t;
              last = t;
            }
          }
          pc.cur_t = last;
          // The picked entry's banks are busy now; if it was the oldest, the new oldest
          // may unlock a PRE on its banks.
          for (uint32_t j = 0; j < e.npairs; ++j) touch_fast(pc, e.bank[j]);
          if (old_head == pick && pc.head[wm] >= 0) {
            const Entry& h = pc.pool[pc.head[wm]];
            for (uint32_t j = 0; j < h.npairs; ++j) touch_fast(pc, h.bank[j]);
          }
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
  pc.dirty = false;
  if (pc.open.size() <= 4) {
    pc.min_unissued = UINT64_MAX;
    for (uint32_t si : pc.open) pc.min_unissued = std::min(pc.min_unissued, slots_[si].unissued);
  } else {
    pc.min_unissued = 1;
  }
  sync_pc(pci);
}

// ---- stream extrapolation (fast path) ----
// While a PC serves one long request alone (every other open request of the PC waits
// behind it in the same port lane, all its bursts are ready at the port, no refresh in
// progress), its state just before each burst pick is written in canonical form: times
// relative to the present (a register at or below the present acts as the present, so it
// is written as 0), rows relative to the row of the next burst to admit, queued bursts by
// beat offset, and the address phase inside one address period. The evolution from such a
// state is a function of it alone until a refresh starts, the engine's limit is reached or
// the request's last burst would be admitted. Every state met is a memo node; the simulated
// step to the next state is its edge (time, counters). A state met again follows the known
// edges as far as those three bounds allow and restores the state where it lands: exact,
// nothing to undo, because the engine never runs past `limit` and a new request's arrival
// is never before it.

uint32_t BankModel::x_stream_slot(const Pc& pc) const {
  if (pc.busy || pc.ref_active || trace_on_) return UINT32_MAX;
  const Lane* ln = nullptr;
  for (const Lane& l : pc.lanes) {
    if (l.head == l.fifo.size()) continue;
    if (ln) return UINT32_MAX;
    ln = &l;
  }
  if (!ln || pc.open.size() != ln->fifo.size() - ln->head) return UINT32_MAX;
  const uint32_t si = ln->fifo[ln->head];
  const Slot& s = slots_[si];
  if (s.bursts < kXMinBursts || s.done_bursts == 0 || s.admitted + 2 > s.bursts) return UINT32_MAX;  // long requests only
  if (ready_dev(s, s.bursts - 1) > pc.time) return UINT32_MAX;
  return si;
}

void BankModel::x_encode(const Pc& pc, const Slot& s, uint64_t anchor, std::string& out) const {
  const T t = pc.time;
  const size_t words = 3 + 5 * size_t(nb_) + 3 * size_t(ng_) + 9 + 2 + 2 * size_t(pc.count[0] + pc.count[1]);
  out.resize(words * sizeof(int32_t));
  int32_t* w = reinterpret_cast<int32_t*>(&out[0]);
  auto put = [&w](int64_t v) { *w++ = int32_t(v); };
  auto rel = [t](T v) { return v > t ? v - t : T(0); };
  const int64_t arow = int64_t(anchor >> row_pos_);
  put(int64_t(anchor & (x_period_ - 1)));
  put(pc.write_mode);
  put(s.write);
  for (uint32_t b = 0; b < nb_; ++b) {
    const Bank& bk = pc.bank[b];
    put(bk.open_row < 0 ? int64_t(INT32_MIN) : bk.open_row - arow);
    put(rel(bk.next_act));
    put(rel(bk.next_pre));
    put(rel(bk.next_rd));
    put(rel(bk.next_wr));
  }
  for (uint32_t g = 0; g < ng_; ++g) {
    put(rel(pc.group[g].next_act));
    put(rel(pc.group[g].next_rd));
    put(rel(pc.group[g].next_wr));
  }
  put(rel(pc.g_next_act));
  put(rel(pc.g_next_rd));
  put(rel(pc.g_next_wr));
  put(rel(pc.g_next_ref));
  put(rel(pc.row_bus));
  for (uint32_t i = 0; i < 4; ++i) put(rel(pc.faw[(pc.faw_pos + i) & 3] + T(p_.timing.tFAW)));
  for (int m = 0; m < 2; ++m) {
    put(pc.count[m]);
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) {
      put(int64_t(pc.pool[ei].beat) - int64_t(anchor));
      put(pc.pool[ei].n);
    }
  }
}

void BankModel::x_restore(Pc& pc, uint32_t si, const std::string& key, T t, uint64_t anchor) {
  const int32_t* k = reinterpret_cast<const int32_t*>(key.data());
  size_t i = 1;
  // drop the queue (the slot's entries are re-admitted below, in age order)
  for (int m = 0; m < 2; ++m) {
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) pc.free_e.push_back(ei);
    pc.head[m] = pc.tail[m] = -1;
    pc.count[m] = pc.ready[m] = 0;
    pc.rdy_e[m] = -1;
    pc.rdy_ok[m] = false;
  }
  pc.nr = pc.nw = 0;
  std::fill(pc.bhead.begin(), pc.bhead.end(), -1);
  std::fill(pc.btail.begin(), pc.btail.end(), -1);
  std::fill(pc.bhits.begin(), pc.bhits.end(), 0);
  pc.write_mode = k[i++] != 0;
  ++i;  // the request's direction
  const int64_t arow = int64_t(anchor >> row_pos_);
  for (uint32_t b = 0; b < nb_; ++b) {
    Bank& bk = pc.bank[b];
    const int32_t o = k[i++];
    bk.open_row = o == INT32_MIN ? -1 : arow + o;
    bk.next_act = t + k[i++];
    bk.next_pre = t + k[i++];
    bk.next_rd = t + k[i++];
    bk.next_wr = t + k[i++];
  }
  for (uint32_t g = 0; g < ng_; ++g) {
    pc.group[g].next_act = t + k[i++];
    pc.group[g].next_rd = t + k[i++];
    pc.group[g].next_wr = t + k[i++];
  }
  pc.g_next_act = t + k[i++];
  pc.g_next_rd = t + k[i++];
  pc.g_next_wr = t + k[i++];
  pc.g_next_ref = t + k[i++];
  pc.row_bus = t + k[i++];
  for (uint32_t j = 0; j < 4; ++j) pc.faw[j] = t + k[i++] - T(p_.timing.tFAW);
  pc.faw_pos = 0;
  for (int m = 0; m < 2; ++m) {
    const int32_t cnt = k[i++];
    for (int32_t j = 0; j < cnt; ++j, i += 2) admit_range(pc, si, uint64_t(int64_t(anchor) + k[i]), uint32_t(k[i + 1]));
  }
  pc.time = t;
  pc.busy = false;
  pc.busy_banks = 0;
  pc.bc_valid = pc.sel_valid = pc.in_valid = false;
}

bool BankModel::x_visit(Pc& pc, T limit) {
  if (pc.x_landed) {  // the pick of the node just restored: already visited
    pc.x_landed = false;
    return false;
  }
  const uint32_t si = x_stream_slot(pc);
  if (si == UINT32_MAX) {
    pc.x_prev = -1;
    return false;
  }
  Slot& s = slots_[si];
  uint64_t anchor;
  uint32_t n0;
  burst_range(s, s.admitted, anchor, n0);
  x_encode(pc, s, anchor, x_buf_);
  int32_t id;
  auto it = x_map_.find(x_buf_);
  if (it != x_map_.end()) {
    id = it->second;
  } else {
    if (x_nodes_.size() >= (1u << 16)) {  // bound the memory: start over
      x_map_.clear();
      x_nodes_.clear();
      ++x_gen_;
    }
    id = int32_t(x_nodes_.size());
    auto ins = x_map_.emplace(x_buf_, id);
    x_nodes_.emplace_back();
    x_nodes_.back().key = &ins.first->first;
  }
  // the simulated step from the previous node is the edge to this one
  if (pc.x_prev >= 0 && pc.x_gen == x_gen_ && pc.x_slot == si && x_nodes_[pc.x_prev].succ < 0) {
    XNode& e = x_nodes_[pc.x_prev];
    e.succ = id;
    e.dt = pc.time - pc.x_t;
    e.d_adm = s.admitted - pc.x_adm;
    e.d_fin = s.done_bursts - pc.x_fin;
    e.fin = e.d_fin > 0;
    e.lastfin = pc.cur_t - pc.time;
    e.d_events = pc.events - pc.x_events;
    e.d_act = pc.n_act - pc.x_act;
    e.d_pre = pc.n_pre - pc.x_pre;
    e.d_rd = pc.n_rd - pc.x_rd;
    e.d_wr = pc.n_wr - pc.x_wr;
    e.d_bursts = pc.bursts - pc.x_bursts;
    e.d_unissued = pc.x_unissued - s.unissued;
    e.d_anchor = anchor - pc.x_anchor;
  }
  // follow known edges while no refresh can start, the limit is not reached and the
  // request's last burst stays unadmitted
  const T ref = p_.refresh ? pc.ref_due : kInf;
  T tt = pc.time, lastfin = 0;
  bool fin = false;
  int32_t cur = id;
  uint32_t adm = s.admitted, dfin = 0;
  uint64_t dev = 0, dact = 0, dpre = 0, drd = 0, dwr = 0, dbur = 0, duni = 0, danc = 0, steps = 0;
  for (;;) {
    const XNode& e = x_nodes_[cur];
    if (e.succ < 0) break;
    const T t2 = tt + e.dt;
    if (t2 >= limit || t2 >= ref || adm + e.d_adm + 2 > s.bursts) break;
    tt = t2;
    adm += e.d_adm;
    dfin += e.d_fin;
    if (e.fin) { fin = true; lastfin = t2 + e.lastfin; }
    dev += e.d_events; dact += e.d_act; dpre += e.d_pre; drd += e.d_rd; dwr += e.d_wr;
    dbur += e.d_bursts; duni += e.d_unissued; danc += e.d_anchor;
    cur = e.succ;
    ++steps;
  }
  if (steps > 0) {
    const uint64_t anchor2 = anchor + danc;
    const int32_t phase = *reinterpret_cast<const int32_t*>(x_nodes_[cur].key->data());
    uint64_t chk;
    burst_range(s, adm, chk, n0);
    if (chk != anchor2 || int64_t(anchor2 & (x_period_ - 1)) != phase) steps = 0;  // never expected
    else {
      s.admitted = adm;
      s.done_bursts += dfin;
      s.unissued -= duni;
      pc.events += dev; pc.n_act += dact; pc.n_pre += dpre; pc.n_rd += drd; pc.n_wr += dwr; pc.bursts += dbur;
      if (fin) {
        pc.cur_t = lastfin;
        const T lat = s.write ? p_.timing.tCWL : p_.timing.tCL;
        const Cycle extra = (s.write ? p_.write_latency : p_.read_latency) + Cycle(s.hops) * p_.hop_latency;
        s.done = std::max(s.done, to_axi(uint64_t(lastfin + lat + tB_)) + extra);
      }
      x_restore(pc, si, *x_nodes_[cur].key, tt, anchor2);
      pc.x_landed = true;
      ++x_jumps_;
      x_bursts_ += dfin;
      id = cur;
      anchor = anchor2;
    }
  }
  pc.x_prev = id;
  pc.x_gen = x_gen_;
  pc.x_slot = si;
  pc.x_t = pc.time;
  pc.x_adm = s.admitted;
  pc.x_fin = s.done_bursts;
  pc.x_events = pc.events;
  pc.x_act = pc.n_act;
  pc.x_pre = pc.n_pre;
  pc.x_rd = pc.n_rd;
  pc.x_wr = pc.n_wr;
  pc.x_bursts = pc.bursts;
  pc.x_unissued = s.unissued;
  pc.x_anchor = anchor;
  return steps > 0;
}

Cycle BankModel::next_event() const {
  Cycle best = heap_.empty() ? kNever : heap_.top().done;
  // Per PC: no state changes before its next event; a request's unscheduled beats need at
  // least one data-bus slot each after that. The conversion to AXI cycles, the latency and
  // the clamp to now_ + 1 are monotone, so they apply once, to the smallest device time.
  T tmin = kInf;
  bool any = false;
  for (size_t i = 0; i < nb_base_.size(); ++i) {
    if (nb_add_[i] < 0) continue;
    any = true;
    const T t = std::max(lim_[i], nb_base_[i]) + nb_add_[i];
    tmin = t < tmin ? t : tmin;
  }
  if (any) {
    Cycle c = to_axi(uint64_t(tmin)) + std::min(p_.read_latency, p_.write_latency);
    if (c <= now_) c = now_ + 1;
    best = std::min(best, c);
  }
  return best;
}

bool BankModel::pop_completion(Cycle until, Completion& out) {
  if (until > now_) now_ = until;
  if (until > advanced_ || advanced_ == 0) {
    // Advance only the PCs that may complete a request by `until` (their completion bound,
    // the one next_event uses, is at or before it) and have an event before the limit. The
    // others may lag: nothing they do before `until` is visible, a request submitted later
    // arrives after `until`, and they catch up when their bound is reached (or in report()).
    // A PC then runs many events per call instead of a few (locality, no per-call overhead).
    const T limit = T(to_dev(until));
    const Cycle lat = std::min(p_.read_latency, p_.write_latency);
    for (uint32_t i = 0; i < pcs_.size(); ++i) {
      if (limit <= due_[i]) {  // no event before the limit: up to date there
        lim_[i] = std::max(lim_[i], limit);
        continue;
      }
      if (lazy_) {
        if (nb_add_[i] < 0) continue;  // nothing open: nothing to complete (refreshes may lag)
        if (to_axi(uint64_t(std::max(lim_[i], nb_base_[i]) + nb_add_[i])) + lat > until) continue;
      }
      advance(pcs_[i], i, limit);
      lim_[i] = limit;
    }
    advanced_ = until;
  }
  if (heap_.empty() || heap_.top().done > until) return false;
  out = heap_.pop();
  return true;
}

void BankModel::settle() {
  // Bring every PC up to the last time popped (what pop_completion left lagging).
  const T limit = T(to_dev(advanced_));
  for (uint32_t i = 0; i < pcs_.size(); ++i)
    if (limit > due_[i] && limit > lim_[i]) {
      advance(pcs_[i], i, limit);
      lim_[i] = limit;
    }
}

void BankModel::report(StatGroup& into, Cycle end) {
  settle();
  uint64_t br = 0, bw = 0, acts = 0, cols = 0, refs = 0, refc = 0, reqs = 0, busy = 0, ev = 0, adv = 0;
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
    ev += pc.events;
    adv += pc.advances;
  }
  into.add("sim_events", ev, "count", "simulator work: scheduler events processed (ingress, commands, burst ends)");
  into.add("sim_advances", adv, "count", "simulator work: per-PC advance calls");
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

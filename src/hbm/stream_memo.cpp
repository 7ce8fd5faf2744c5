// Stream extrapolation (fast path, simulator.stream_extrapolation), docs/hbm.md.
// While a PC serves one long request alone (every other open request of the PC waits behind
// it in the same port lane, all its bursts are ready at the port, no refresh in progress), its
// state just before each burst's ingress is written in canonical form: the timing registers
// relative to the present (a register at or below the present acts as the present, so it is
// written as 0), open rows relative to the row of the burst about to enter, the queued bursts
// by beat offset and pending beats, the hit-bypass counters, the write mode and the address
// phase inside one address period. From such a state the evolution is a function of it alone
// until a refresh starts, the engine's limit is reached or the request's last burst would
// enter. Every state met is a memo node; the simulated stretch to the next node is its edge
// (time, counters, last column command). A state met again follows the known edges as far as
// those three bounds allow and restores the state where it lands: exact, nothing to undo,
// because the engine never runs past `limit` and a new request's arrival is never before it.
// The request's first and last data times are a min and a max over its column commands, so at
// every node the queued bursts' partial times are folded into the request (order-free).
#include <algorithm>
#include <string>

#include "bank_model.hpp"

namespace skipopu::hbm {

uint32_t BankModel::x_stream_slot(const Pc& pc) const {
  if (pc.ref_active || pc.ref_bank >= 0 || trace_on_) return UINT32_MAX;
  const Lane* ln = nullptr;
  for (const Lane& l : pc.lanes) {
    if (l.head == l.fifo.size()) continue;
    if (ln) return UINT32_MAX;
    ln = &l;
  }
  if (!ln || pc.open.size() != ln->fifo.size() - ln->head) return UINT32_MAX;
  const uint32_t si = ln->fifo[ln->head];
  const Slot& s = slots_[si];
  // Its first column command has issued (later ones cannot be earlier: first_data is known),
  // its last burst is still out of the queue, and the burst about to enter is at the PC.
  if (s.bursts < kXMinBursts || s.unissued == s.beats || s.admitted + 2 > s.bursts) return UINT32_MAX;
  if (ready_dev(s, s.admitted) > pc.time) return UINT32_MAX;
  return si;
}

// Folds the queued bursts' column times into the request and clears them.
void BankModel::x_fold(Pc& pc, Slot& s) {
  for (int m = 0; m < 2; ++m)
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) {
      Entry& e = pc.pool[ei];
      if (e.first == kInf) continue;
      s.first_data = std::min(s.first_data, data_at(s, e.first));
      s.done = std::max(s.done, data_at(s, e.last));
      e.first = kInf;
      e.last = 0;
    }
}

void BankModel::x_encode(const Pc& pc, const Slot& s, uint64_t anchor, std::string& out) const {
  const size_t words = 3 + pc.reg.words() + 2 * size_t(nb_) + 2 + 3 * size_t(pc.count[0] + pc.count[1]);
  out.resize(words * sizeof(int32_t));
  int32_t* w = reinterpret_cast<int32_t*>(&out[0]);
  const int64_t arow = int64_t(anchor >> amap_.row_pos());
  *w++ = int32_t(anchor & (x_period_ - 1));
  *w++ = pc.write_mode;
  *w++ = s.write;
  pc.reg.encode(pc.time, w);
  w += pc.reg.words();
  for (uint32_t b = 0; b < nb_; ++b) {
    const Bank& bk = pc.bank[b];
    *w++ = bk.open_row < 0 ? INT32_MIN : int32_t(bk.open_row - arow);
    *w++ = int32_t(bk.bypass);
  }
  for (int m = 0; m < 2; ++m) {
    *w++ = int32_t(pc.count[m]);
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) {
      *w++ = int32_t(int64_t(pc.pool[ei].beat) - int64_t(anchor));
      *w++ = pc.pool[ei].n;
      *w++ = pc.pool[ei].pend;
    }
  }
}

void BankModel::x_restore(Pc& pc, uint32_t si, const std::string& key, T t, uint64_t anchor) {
  const int32_t* k = reinterpret_cast<const int32_t*>(key.data());
  // drop the queue (the slot's bursts are re-admitted below, in age order)
  for (int m = 0; m < 2; ++m) {
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) pc.free_e.push_back(ei);
    pc.head[m] = pc.tail[m] = -1;
    pc.count[m] = 0;
  }
  pc.nr = pc.nw = 0;
  std::fill(pc.bhead.begin(), pc.bhead.end(), -1);
  std::fill(pc.btail.begin(), pc.btail.end(), -1);
  std::fill(pc.bcount.begin(), pc.bcount.end(), 0);
  std::fill(pc.bhits.begin(), pc.bhits.end(), 0);
  pc.pend_banks = {0, 0};
  size_t i = 1;
  pc.write_mode = k[i++] != 0;
  ++i;  // the request's direction
  pc.reg.restore(t, k + i);
  i += pc.reg.words();
  const int64_t arow = int64_t(anchor >> amap_.row_pos());
  pc.open_banks = 0;
  for (uint32_t b = 0; b < nb_; ++b) {
    Bank& bk = pc.bank[b];
    const int32_t o = k[i++];
    bk.open_row = o == INT32_MIN ? -1 : arow + o;
    bk.bypass = uint32_t(k[i++]);
    if (bk.open_row >= 0) pc.open_banks |= uint64_t(1) << b;
  }
  for (int m = 0; m < 2; ++m) {
    const int32_t cnt = k[i++];
    for (int32_t j = 0; j < cnt; ++j, i += 3)
      admit_entry(pc, si, uint64_t(int64_t(anchor) + k[i]), uint32_t(k[i + 1]), uint16_t(k[i + 2]));
  }
  pc.time = t;
  pc.in_valid = pc.c_valid = false;
}

void BankModel::x_snapshot(Pc& pc, uint32_t si, int32_t node, uint64_t anchor) {
  const Slot& s = slots_[si];
  pc.x_prev = node;
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
  pc.x_unissued = s.unissued;
  pc.x_anchor = anchor;
  pc.x_ref = pc.n_ref;
  pc.x_refc = pc.ref_cycles;
}

// Follows known edges from node `from` (the PC stands there at pc.time) while the limit is not
// reached and the request's last burst stays out of the queue. Where a refresh starts before
// the next node, the refresh edge recorded for (node, due - now) is taken. Applies the edges'
// time and counters to the PC and the request; the queue is not touched.
BankModel::XWalk BankModel::x_walk(Pc& pc, Slot& s, int32_t from, uint64_t anchor, T limit) {
  XWalk w{from, anchor};
  T ref = p_.refresh ? pc.ref_due : kInf;
  T tt = pc.time, lastcol = 0;
  bool col = false;
  int32_t cur = from;
  uint32_t adm = s.admitted, dfin = 0;
  uint64_t dev = 0, dact = 0, dpre = 0, drd = 0, dwr = 0, duni = 0, danc = 0, dref = 0, drefc = 0;
  for (;;) {
    const XEdge* e = &x_nodes_[cur].next;
    T t2 = e->succ >= 0 ? tt + e->dt : kInf;
    bool via_ref = false;
    if (t2 >= ref) {  // a refresh starts before the next node (or the next node is unknown)
      if (ref == kInf) break;
      const auto it = x_redges_.find(uint64_t(uint32_t(cur)) << 32 | uint64_t(ref - tt));
      if (it == x_redges_.end()) break;
      e = &it->second;
      t2 = tt + e->dt;
      via_ref = true;
    }
    if (t2 >= limit) {
      w.why = XStop::Limit;
      w.t2 = t2;
      break;
    }
    if (adm + e->d_adm + 2 > s.bursts) break;
    // every burst entering on the edge (up to the next node's) is at the PC when it starts:
    // the ingresses wait only for room, as when the edge was recorded
    if (ready_dev(s, adm + e->d_adm) > tt) break;
    tt = t2;
    adm += e->d_adm;
    dfin += e->d_fin;
    if (e->col) { col = true; lastcol = t2 + e->lastcol; }
    dev += e->d_events; dact += e->d_act; dpre += e->d_pre; drd += e->d_rd; dwr += e->d_wr;
    duni += e->d_unissued; danc += e->d_anchor;
    if (via_ref) { ref += ref_interval_; dref += e->d_ref; drefc += e->d_refc; ++w.refreshes; }
    cur = e->succ;
    ++w.steps;
  }
  if (w.steps == 0) return w;
  const uint64_t anchor2 = anchor + danc;
  const int32_t phase = *reinterpret_cast<const int32_t*>(x_nodes_[cur].key->data());
  uint64_t chk;
  uint32_t n0;
  burst_range(s, adm, chk, n0);
  if (chk != anchor2 || int64_t(anchor2 & (x_period_ - 1)) != phase)
    throw std::logic_error("hbm bank model: stream extrapolation landed off its address period");
  s.admitted = adm;
  s.done_bursts += dfin;
  s.unissued -= duni;
  pc.events += dev; pc.n_act += dact; pc.n_pre += dpre; pc.n_rd += drd; pc.n_wr += dwr; pc.bursts += dfin;
  pc.n_ref += dref; pc.ref_cycles += drefc;
  if (p_.refresh) pc.ref_due = ref;
  if (col) {
    pc.last_col = lastcol;
    s.done = std::max(s.done, data_at(s, lastcol));
  }
  pc.time = tt;
  ++x_jumps_;
  x_bursts_ += dfin;
  x_refreshes_ += w.refreshes;
  w.node = cur;
  w.anchor = anchor2;
  return w;
}

// A virtual landing becomes real: the queue of the node the PC stands at is rebuilt (unless
// the PC never left the state it visited); its ingress comes next.
void BankModel::x_land(Pc& pc) {
  if (!pc.xv) return;
  if (!pc.xv_real) x_restore(pc, pc.x_slot, *x_nodes_[pc.xv_node].key, pc.time, pc.xv_anchor);
  pc.xv = false;
  pc.x_landed = true;
}

// Ends a walk that moved the PC (or stopped at the limit): virtual while the limit stopped it
// and the engine allows it, else the queue is rebuilt where it stands.
static constexpr int kXNone = 0, kXLanded = 1, kXVirtual = 2;

int BankModel::x_visit(Pc& pc, T limit) {
  if (pc.x_landed) {  // the ingress of the node just restored: already visited
    pc.x_landed = false;
    return kXNone;
  }
  const uint32_t si = x_stream_slot(pc);
  if (si == UINT32_MAX) {
    pc.x_prev = -1;
    return kXNone;
  }
  Slot& s = slots_[si];
  x_fold(pc, s);
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
      for (Pc& o : pcs_) x_land(o);        // (no virtual landing may outlive its node)
      x_map_.clear();
      x_nodes_.clear();
      x_redges_.clear();
      ++x_gen_;
    }
    id = int32_t(x_nodes_.size());
    auto ins = x_map_.emplace(x_buf_, id);
    x_nodes_.emplace_back();
    x_nodes_.back().key = &ins.first->first;
  }
  // the simulated stretch from the previous node is the edge to this one: without a refresh
  // (a refresh start forgets the previous node) or, recorded separately, across one refresh
  auto record = [&](XEdge& e) {
    e.succ = id;
    e.dt = pc.time - pc.x_t;
    e.d_adm = s.admitted - pc.x_adm;
    e.d_fin = s.done_bursts - pc.x_fin;
    e.col = pc.last_col >= pc.x_t && pc.n_rd + pc.n_wr > pc.x_rd + pc.x_wr;
    e.lastcol = pc.last_col - pc.time;
    e.d_events = pc.events - pc.x_events;
    e.d_act = pc.n_act - pc.x_act;
    e.d_pre = pc.n_pre - pc.x_pre;
    e.d_rd = pc.n_rd - pc.x_rd;
    e.d_wr = pc.n_wr - pc.x_wr;
    e.d_unissued = pc.x_unissued - s.unissued;
    e.d_anchor = anchor - pc.x_anchor;
    e.d_ref = pc.n_ref - pc.x_ref;
    e.d_refc = pc.ref_cycles - pc.x_refc;
  };
  // (only if every burst that entered on the way was at the PC when the stretch began)
  const bool room_only = ready_dev(s, s.admitted) <= pc.x_t;
  if (pc.x_prev >= 0 && pc.x_gen == x_gen_ && pc.x_slot == si && room_only && x_nodes_[pc.x_prev].next.succ < 0)
    record(x_nodes_[pc.x_prev].next);
  if (pc.xr_node >= 0 && pc.xr_gen == x_gen_ && pc.x_slot == si && room_only && !pc.ref_active &&
      pc.ref_due == pc.xr_due + ref_interval_) {
    auto ins = x_redges_.emplace(uint64_t(uint32_t(pc.xr_node)) << 32 | uint64_t(pc.xr_d), XEdge{});
    if (ins.second) record(ins.first->second);
  }
  pc.xr_node = -1;
  const XWalk w = x_walk(pc, s, id, anchor, limit);
  int r = kXNone;
  if (w.why == XStop::Limit && x_virtual_ok_) {
    // Stand at the node without rebuilding the queue until something needs it.
    pc.xv = true;
    pc.xv_real = w.steps == 0;
    pc.xv_node = w.node;
    pc.xv_anchor = w.anchor;
    pc.xv_t2 = w.t2;
    ++x_virtual_;
    r = kXVirtual;
  } else if (w.steps > 0) {
    x_restore(pc, si, *x_nodes_[w.node].key, pc.time, w.anchor);
    pc.x_landed = true;
    r = kXLanded;
  }
  x_snapshot(pc, si, w.node, w.anchor);
  return r;
}

// Continues a virtual landing at the start of an advance: keeps walking if the stream still
// runs alone, else lands. True: still virtual (the advance is over).
bool BankModel::x_resume(Pc& pc, T limit) {
  const uint32_t si = x_stream_slot(pc);
  if (si != pc.x_slot || pc.x_gen != x_gen_ || !x_virtual_ok_) {
    x_land(pc);
    return false;
  }
  Slot& s = slots_[si];
  const XWalk w = x_walk(pc, s, pc.xv_node, pc.xv_anchor, limit);
  if (w.steps > 0) {
    pc.xv_real = false;
    pc.xv_node = w.node;
    pc.xv_anchor = w.anchor;
    x_snapshot(pc, si, w.node, w.anchor);
  }
  if (w.why == XStop::Limit) {
    pc.xv_t2 = w.t2;
    ++x_virtual_;
    return true;
  }
  x_land(pc);
  return false;
}

}  // namespace skipopu::hbm

// Stream extrapolation (fast path, simulator.stream_extrapolation), docs/hbm.md.
//
// While a PC serves one port's run alone (the request whose bursts are entering, behind up to
// four that have entered and are draining, of any port, direction and address, every other
// open request of the PC waiting behind in the entering one's port lane or in another lane that
// cannot enter before the entering request's last burst or before a clamp time the walks stop
// short of (x_stream_run), no refresh in progress), its state just before each burst's ingress is written in canonical form: the
// timing registers relative to the present (a register at or below the present acts as the
// present, so it is written as 0), open rows relative to the row of the burst about to enter,
// the queued bursts by beat offset, pending beats and the request of the run each belongs to,
// each request's direction and whether it has had a column command, the hit-bypass counters,
// the write mode and the address phase inside one address period. From such a state the evolution is a function of it alone until a refresh starts,
// the engine's limit is reached or the entering request's last burst would enter, provided
// its bursts wait only for queue room (each is at the PC when the stretch starts). Every state
// met is a memo node; the simulated stretch to the next node is its edge (time, counters, and
// per request of the run: bursts finished, beats issued, first and last column command,
// whether it completed). A stretch across one refresh is a refresh edge, keyed on the node and
// the refresh's distance from it. A state met again follows the known edges as far as the
// limit allows: the requests' counters and completions are replayed, and the PC either stands
// at the node reached (a virtual landing: the queue is rebuilt only when something needs it)
// or, when the walk stops for another reason, its queue is rebuilt there. Exact, nothing to
// undo: the engine never runs past `limit` and a new request's arrival is never before it.
// Arrival nodes (x_visit's `arrival`): the state at the ingress of a long request's first
// burst entering as it reaches the PC, keyed with the phase of the schedule its later bursts
// reach the PC on; its edge, to the first ingress that waits for room, is recorded and walked
// with that schedule in place of "every burst at the PC".
#include <algorithm>
#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdexcept>
#include <string>

#include "bank_model.hpp"
#include "hot_inline.hpp"

namespace skipopu::hbm {

// The run this PC may follow: `run` holds the draining requests oldest first, then the one
// whose bursts are entering (returned; UINT32_MAX: none). Requests waiting in other lanes do
// not belong to it if none of their bursts has entered. A lane of its direction whose head is
// ready only after the entering request's last burst cannot enter before that burst has
// entered (a PC admits, per direction, the earliest-ready burst of that direction's lane
// heads); any other such lane (the other direction, which enters its own queue while the
// entering request waits for room in its queue, or a head of its direction ready earlier)
// cannot enter before its head's first burst reaches the PC: `clamp` is the earliest such
// time, and walks stop before any edge that ends at or after it (x_walk). Until then the PC
// evolves as if those requests were not there; a stretch simulated up to it or past it is
// recorded as no edge (x_visit): such a request may enter and complete on the way, leaving
// the run as it was.
uint32_t BankModel::x_stream_run(const Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, T& clamp, bool* last,
                                 uint32_t* lanes) const {
  clamp = kInf;
  if (pc.ref_active || pc.ref_bank >= 0 || trace_on_) return UINT32_MAX;
  const Lane* ln = nullptr;
  uint32_t busy = 0;
  T rbest = kInf;
  for (const Lane& l : pc.lanes) {
    if (l.head == l.fifo.size()) continue;
    ++busy;
    const Slot& h = slots_[l.fifo[l.head]];
    const T r = ready_dev(h, h.admitted);
    if (!ln || r < rbest) {
      ln = &l;
      rbest = r;
    }
  }
  if (!ln) return UINT32_MAX;
  const uint32_t si = ln->fifo[ln->head];
  const Slot& s = slots_[si];
  size_t waiting = lane_waiting(*ln);
  if (busy > 1) {  // the other lanes wait, untouched, until s has entered whole
    const T end = ready_dev(s, s.bursts - 1);
    for (const Lane& l : pc.lanes) {
      if (&l == ln || l.head == l.fifo.size()) continue;
      const Slot& h = slots_[l.fifo[l.head]];
      if (h.admitted) return UINT32_MAX;
      // the ingress is per direction: a request of the other direction may enter its own queue
      // while s's bursts wait for room in theirs, and a head of s's direction ready before s's
      // last burst may enter before it; either is invisible until its first burst reaches the
      // PC, so walks stop short of that (the clamp)
      const T r = ready_dev(h, 0);
      if (l.write != ln->write || r <= end) clamp = std::min(clamp, r);
      waiting += lane_waiting(l);
    }
    if (clamp <= pc.time) return UINT32_MAX;
  }
  // its last burst is still out of the queue (or, with `last`, is the one entering: `last`
  // says whether nothing waits behind it, in its lane or another), and the burst about to enter
  // is at the PC
  const bool at_last = s.admitted + 1 == s.bursts;
  const bool is_last = last && at_last && lane_waiting(*ln) == 1 && busy == 1;
  if ((s.admitted + 2 > s.bursts && !(last && at_last)) || ready_dev(s, s.admitted) > pc.time) return UINT32_MAX;
  if (last) *last = is_last;
  if (lanes) *lanes = busy;
  // every other open request has entered (it is not one waiting in a lane): it is draining,
  // whatever its port, direction and addresses (each queued burst is keyed with the request it
  // belongs to)
  const size_t older = pc.open.size() + pc.pending - waiting;
  if (older + 1 > kXRun) return UINT32_MAX;
  nrun = 0;
  for (uint32_t o : pc.open) {
    const Slot& x = slots_[o];
    if (x.admitted < x.bursts) continue;
    uint32_t k = nrun++;  // insertion by submission order
    for (; k > 0 && slots_[run[k - 1]].seq > x.seq; --k) run[k] = run[k - 1];
    run[k] = o;
  }
  if (nrun != older) return UINT32_MAX;
  run[nrun++] = si;
  return si;
}

// A queued burst in a key: three words, each small in the common case (x_pack writes a word
// under 64 in one byte): its first beat's offset from the anchor in 16-beat units, the rest of
// the offset with its beat count (16 as 0), the request of the run it belongs to with its
// issued beats (0: none). x_decode_entry gives the fields back.
void BankModel::x_encode_entry(int32_t* w, int64_t off, uint32_t n, uint32_t k, uint16_t pend) {
  static_assert(kXRun <= 8 && kMaxBeats == 16, "x_encode_entry: the run index in 3 bits, the beat count in 4");
  const uint32_t mask = (uint32_t(1) << n) - 1;
  w[0] = int32_t(off >> 4);
  w[1] = int32_t((uint32_t(off) & 15) << 4 | (n & 15));
  w[2] = int32_t(k | (uint32_t(pend ^ mask) << 3));
}

void BankModel::x_decode_entry(const int32_t* w, int64_t& off, uint32_t& n, uint32_t& k, uint16_t& pend) {
  off = int64_t(w[0]) * 16 + (uint32_t(w[1]) >> 4);
  n = uint32_t(w[1]) & 15;
  if (!n) n = 16;
  k = uint32_t(w[2]) & 7;
  pend = uint16_t((uint32_t(w[2]) >> 3) ^ ((uint32_t(1) << n) - 1));
}

void BankModel::x_encode(const Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, uint64_t anchor,
                         std::string& out) const {
  const Slot& s = slots_[run[nrun - 1]];
  const size_t words =
      3 + pc.reg.words() + 2 * size_t(nb_) + 2 + 3 * size_t(pc.count[0] + pc.count[1]) + 1 + 2 * size_t(nrun) + 1;
  out.resize(words * sizeof(int32_t));
  int32_t* w = reinterpret_cast<int32_t*>(&out[0]);
  *w++ = int32_t(anchor & (x_period_ - 1));
  *w++ = pc.write_mode;
  *w++ = s.write;
  w = x_encode_banks(pc, w, anchor);
  for (int m = 0; m < 2; ++m) {
    *w++ = int32_t(pc.count[m]);
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) {
      const Entry& e = pc.pool[ei];
      uint32_t k = 0;  // the request of the run it belongs to
      while (run[k] != e.slot) ++k;
      x_encode_entry(w, int64_t(e.beat) - int64_t(anchor), e.n, k, e.pend);
      w += 3;
    }
  }
  *w++ = int32_t(nrun);
  for (uint32_t k = 0; k < nrun; ++k) {
    const Slot& x = slots_[run[k]];
    *w++ = x.write;
    *w++ = x.first_col != kInf;
  }
  // the last burst may end inside its aligned block: its beats (0: not the last burst)
  uint64_t b0;
  uint32_t n0;
  burst_range(s, s.admitted, b0, n0);
  *w++ = s.admitted + 1 == s.bursts ? int32_t(n0) : 0;
}

// The state a drain ends in (queue empty): write mode, timing registers, open rows relative to
// the row of `anchor` (the drained run's last burst), hit-bypass counters.
void BankModel::x_encode_end(const Pc& pc, uint64_t anchor, std::string& out) const {
  const size_t words = 2 + pc.reg.words() + 2 * size_t(nb_);
  out.resize(words * sizeof(int32_t));
  int32_t* w = reinterpret_cast<int32_t*>(&out[0]);
  *w++ = INT32_MIN;  // not a node of a run: no anchor phase can be negative
  *w++ = pc.write_mode;
  w = x_encode_banks(pc, w, anchor);
}

// Keys are stored packed: each 32-bit word of x_encode / x_encode_end zigzag-encoded in 7-bit
// groups, low first, the high bit set on every byte but a word's last (most words are small
// offsets: a key takes about a third of its words' bytes). x_unpack gives the words back.
void BankModel::x_pack(const std::string& raw, std::string& out) {
  const size_t n = raw.size() / sizeof(int32_t);
  const int32_t* w = reinterpret_cast<const int32_t*>(raw.data());
  out.resize(5 * n);
  char* o = &out[0];
  auto one = [&o](uint32_t z) {
    while (z >= 0x80) {
      *o++ = char(z | 0x80);
      z >>= 7;
    }
    *o++ = char(z);
  };
  size_t i = 0;
#if defined(__SSE2__)
  // eight words at a time where each takes one byte (most): zigzag, then narrowed to bytes
  const __m128i big = _mm_set1_epi32(~0x7f);
  for (; i + 8 <= n; i += 8) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i + 4));
    const __m128i za = _mm_xor_si128(_mm_slli_epi32(a, 1), _mm_srai_epi32(a, 31));
    const __m128i zb = _mm_xor_si128(_mm_slli_epi32(b, 1), _mm_srai_epi32(b, 31));
    const __m128i hi = _mm_and_si128(_mm_or_si128(za, zb), big);
    if (_mm_movemask_epi8(_mm_cmpeq_epi32(hi, _mm_setzero_si128())) == 0xffff) {
      const __m128i p = _mm_packs_epi32(za, zb);  // (each under 128: the saturations are exact)
      _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm_packus_epi16(p, p));
      o += 8;
    } else {
      for (size_t j = i; j < i + 8; ++j) one((uint32_t(w[j]) << 1) ^ uint32_t(w[j] >> 31));
    }
  }
#endif
  for (; i < n; ++i) one((uint32_t(w[i]) << 1) ^ uint32_t(w[i] >> 31));
  out.resize(size_t(o - &out[0]));
}

const int32_t* BankModel::x_unpack(const std::string& key) {
  x_raw_.resize(key.size() * sizeof(int32_t));  // (at most one word a byte)
  int32_t* w = reinterpret_cast<int32_t*>(&x_raw_[0]);
  const unsigned char* b = reinterpret_cast<const unsigned char*>(key.data());
  const unsigned char* e = b + key.size();
  int32_t* o = w;
  while (b < e) {
#if defined(__SSE2__)
    if (e - b >= 8) {  // eight one-byte words at a time (most words take one byte)
      const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
      if (!(_mm_movemask_epi8(x) & 0xff)) {
        const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi32(1);
        const __m128i x16 = _mm_unpacklo_epi8(x, zero);
        const __m128i lo = _mm_unpacklo_epi16(x16, zero), hi = _mm_unpackhi_epi16(x16, zero);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o),
                         _mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_sub_epi32(zero, _mm_and_si128(lo, one))));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 4),
                         _mm_xor_si128(_mm_srli_epi32(hi, 1), _mm_sub_epi32(zero, _mm_and_si128(hi, one))));
        o += 8;
        b += 8;
        continue;
      }
    }
#endif
    uint32_t z = *b++;
    if (z & 0x80) {
      z &= 0x7f;
      for (int sh = 7;; sh += 7) {
        const uint32_t c = *b++;
        z |= (c & 0x7f) << sh;
        if (!(c & 0x80)) break;
      }
    }
    *o++ = int32_t(z >> 1) ^ -int32_t(z & 1);
  }
  x_nwords_ = size_t(o - w);
  return w;
}

int32_t BankModel::x_first_word(const std::string& key) {
  uint32_t z = 0;
  for (size_t i = 0, sh = 0; i < key.size(); ++i, sh += 7) {
    const uint32_t c = uint8_t(key[i]);
    z |= (c & 0x7f) << sh;
    if (!(c & 0x80)) break;
  }
  return int32_t(z >> 1) ^ -int32_t(z & 1);
}

// The memo node of `key` (created if new; the memo starts over when full, keeping the nodes
// in use, x_evict).
int32_t BankModel::x_node(const std::string& key) {
  const uint64_t h = detail::KeyIndex::hash(key);
  const int32_t found = x_index_.find(key, h, x_keys_);
  if (found >= 0) {
    x_use(found);
    return found;
  }
  if (x_nodes_.size() >= x_max_nodes_ || x_redges_.size() >= 4 * x_max_nodes_ || x_cedges_.size() >= x_max_nodes_ / 4)
    x_evict();  // bound the memory
  const int32_t id = int32_t(x_nodes_.size());
  x_index_.insert(h, id);
  x_nodes_.emplace_back();
  x_nodes_.back().hash = h;
  x_keys_.push_back(key);
  return id;
}

// The memo is full: it starts over with the nodes used most since the last start (met again,
// walked through, drained from: `use`, halved at each start), at most half of its capacity,
// and the edges between kept nodes (a state's evolution does not depend on which other states
// are known). Every other node and edge goes; so do the PCs' references into the memo (a new
// generation: no edge is recorded from a node of the old one, and no PC stands at a node).
void BankModel::x_evict() {
  // No virtual landing may outlive its node. A PC that stood at a node is real again at the
  // node's time, before the limit it was advanced to: its events from there to that limit are
  // simulated at its next advance, so its completion bound is taken from its own time again
  // (from the limit, with the beats it had at the node, it could be late).
  for (uint32_t i = 0; i < pcs_.size(); ++i) {
    Pc& o = pcs_[i];
    if (!o.xv) continue;
    x_land(o);
    o.dirty = true;
    lim_[i] = std::min(lim_[i], o.time);
    sync_pc(i);
  }
  ++x_gen_;
  const size_t n = x_nodes_.size();
  std::array<size_t, 256> at_use{};
  for (const XNode& x : x_nodes_) ++at_use[x.use];
  uint32_t th = 1;  // keep nodes with use >= th
  size_t kept = n - at_use[0];
  while (th < 256 && kept > x_max_nodes_ / 2) kept -= at_use[th++];
  std::vector<int32_t>& remap = x_remap_;
  remap.assign(n, -1);
  int32_t k = 0;
  for (size_t i = 0; i < n; ++i)
    if (x_nodes_[i].use >= th) remap[i] = k++;
  x_index_.clear();
  std::vector<XEdge> d2;
  std::deque<XEdge> s2;
  auto fix = [&](XEdge& e) {
    if (e.succ < 0) return;
    e.succ = remap[size_t(e.succ)];
    if (e.succ < 0) e = XEdge{};
  };
  for (size_t i = 0; i < n; ++i) {  // in place: remap[i] <= i
    if (remap[i] < 0) continue;
    XNode& x = x_nodes_[size_t(remap[i])];
    if (size_t(remap[i]) != i) {
      x = x_nodes_[i];
      x_keys_[size_t(remap[i])].swap(x_keys_[i]);
    }
    x_index_.insert(x.hash, remap[i]);
    fix(x.next);
    for (size_t l = 0; l < x.skip.size(); ++l) {  // (tries start over where none is kept)
      XEdge c;
      if (x.skip[l]) c = *x.skip[l];
      fix(c);
      x.skip[l] = nullptr;
      if (c.succ >= 0) {
        s2.push_back(c);
        x.skip[l] = &s2.back();
      } else {
        x.skip_tries[l] = 0;
      }
    }
    if (x.drain >= 0) {
      XEdge d = x_dedges_[size_t(x.drain)];
      fix(d);
      x.drain = -1;
      if (d.succ >= 0) {
        x.drain = int32_t(d2.size());
        d2.push_back(d);
      }
    }
    x.use = uint8_t(x.use >> 1);
  }
  x_nodes_.resize(size_t(k));
  x_keys_.resize(size_t(k));
  x_rdrains_.clear();  // (drains across a refresh are learnt again: few, and soon)
  x_cedges_.clear();   // (so are crossings: one per request boundary of a run)
  detail::EdgeTable<XEdge> r2;
  for (size_t i = 0; i < x_redges_.size(); ++i) {  // (in the order they were recorded)
    const uint64_t key = x_redges_.key(i);
    const XEdge& e = x_redges_.value(i);
    const int32_t from = remap[size_t(key >> 32)];
    if (from < 0 || remap[size_t(e.succ)] < 0 || r2.size() >= 2 * x_max_nodes_) continue;
    XEdge e2 = e;
    e2.succ = remap[size_t(e.succ)];
    r2.emplace(x_rkey(from, T(key & 0xffffffffu)), e2);
  }
  x_dedges_ = std::move(d2);
  x_sedges_ = std::move(s2);  // (a deque's move keeps its elements where they are)
  x_redges_ = std::move(r2);
  x_kept_ += size_t(k);
}

// The run being recorded since its last ingress has drained (its last request just
// completed): the stretch is the drain edge of that node, unless another memo generation came
// between. Without a refresh on the way it is the node's drain; across one refresh (the one due
// at the node, which started on the way and is over: no column command issues while a refresh
// is in progress) it is the drain of (node, refresh due - node time), the evolution being a
// function of the node's state and that distance alone. More refreshes: not recorded.
void BankModel::x_drain_end(Pc& pc) {
  const int32_t from = pc.xd_node;
  pc.xd_node = -1;
  const bool plain = pc.n_ref == pc.x_ref && pc.x_prev == from;
  // the refresh start forgot the node (x_prev) and kept it as xr_node
  const bool across = p_.refresh && pc.n_ref == pc.x_ref + 1 && pc.ref_due == pc.xd_due + ref_interval_ &&
                      pc.xr_node == from && pc.xr_gen == x_gen_;
  if (pc.xd_gen != x_gen_ || pc.ref_active || !(plain || across)) return;
  // Slots are shared by all PCs: a request of the run that completed during the drain may have
  // left its slot to another PC's new request since (submit() forgets only its own PC's
  // recording). The snapshot's slots no longer describe the run then: no edge is recorded.
  const uint32_t self = uint32_t(&pc - pcs_.data());
  for (uint32_t k = 0; k < pc.x_nrun; ++k) {
    const Slot& x = slots_[pc.x_run[k]];
    if (x.pc != self || x.done_bursts != x.bursts) return;
  }
  x_encode_end(pc, pc.x_anchor, x_raw_);
  x_pack(x_raw_, x_buf_);
  const uint32_t gen = x_gen_;
  const int32_t end = x_node(x_buf_);
  if (gen != x_gen_) return;  // (the memo started over)
  const int32_t di = int32_t(x_dedges_.size());
  if (plain) {
    if (x_nodes_[from].drain >= 0) return;
    x_nodes_[from].drain = di;
  } else {
    // bounded (x_evict forgets them all)
    const T dist = pc.xd_due - pc.x_t;
    if (x_rdrains_.size() >= x_max_nodes_ / 2 || dist > T(UINT32_MAX) ||
        !x_rdrains_.emplace(x_rkey(from, dist), di).second)
      return;
  }
  x_dedges_.emplace_back();
  x_record(pc, x_dedges_.back(), end, pc.x_adm + 1, pc.x_anchor);  // every request completes
  pc.x_prev = -1;
}

// The drain from node `id` that the PC (standing there at pc.time, the run's last burst about
// to enter) follows: the node's drain if it ends before the next refresh starts, else the
// drain across that refresh recorded at the same distance from the node (an index into
// x_dedges_; -1: none known).
int32_t BankModel::x_drain_at(const Pc& pc, int32_t id) const {
  const int32_t d = x_nodes_[id].drain;
  if (d >= 0 && (!p_.refresh || pc.time + x_dedges_[size_t(d)].dt < pc.ref_due)) return d;
  if (!p_.refresh || pc.ref_due - pc.time > T(UINT32_MAX)) return -1;
  const int32_t* di = x_rdrains_.find(x_rkey(id, pc.ref_due - pc.time));
  return di ? *di : -1;
}

// The parts of a key shared by run states and drain end states: the timing registers relative
// to the present, then per bank the open row relative to the row of `anchor` and the bypass
// counter. x_encode_banks writes them, x_restore_banks reads them back (at time t); each
// returns the word after them.
int32_t* BankModel::x_encode_banks(const Pc& pc, int32_t* w, uint64_t anchor) const {
  pc.reg.encode(pc.time, w);
  w += pc.reg.words();
  const int64_t arow = int64_t(anchor >> amap_.row_pos());
  for (uint32_t b = 0; b < nb_; ++b) {
    const Bank& bk = pc.bank[b];
    *w++ = bk.open_row < 0 ? INT32_MIN : int32_t(bk.open_row - arow);
    *w++ = int32_t(bk.bypass);
  }
  return w;
}

const int32_t* BankModel::x_restore_banks(Pc& pc, const int32_t* k, T t, uint64_t anchor) {
  pc.reg.restore(t, k);
  k += pc.reg.words();
  const int64_t arow = int64_t(anchor >> amap_.row_pos());
  pc.open_banks = 0;
  for (uint32_t b = 0; b < nb_; ++b) {
    Bank& bk = pc.bank[b];
    const int32_t o = *k++;
    bk.open_row = o == INT32_MIN ? -1 : arow + o;
    bk.bypass = uint32_t(*k++);
    if (bk.open_row >= 0) pc.open_banks |= uint64_t(1) << b;
  }
  return k;
}

// Empties the PC's queue (its entries go back to the pool).
void BankModel::x_clear_queue(Pc& pc) {
  for (int m = 0; m < 2; ++m) {
    for (int32_t ei = pc.head[m]; ei >= 0; ei = pc.pool[ei].next) pc.free_e.push_back(ei);
    pc.head[m] = pc.tail[m] = -1;
    pc.count[m] = 0;
  }
  pc.nr = pc.nw = 0;
  std::fill(pc.blist.begin(), pc.blist.end(), BankList{});
  pc.pend_banks = {0, 0};
}

// The stretch simulated since the last snapshot (x_snapshot) as edge `e` to node `succ`; the
// entering request has `admitted` bursts in at its end, the anchor is `anchor` there.
void BankModel::x_record(const Pc& pc, XEdge& e, int32_t succ, uint32_t admitted, uint64_t anchor) const {
  e.succ = succ;
  e.dt = pc.time - pc.x_t;
  if (e.dt >= kXMaxEdge) throw std::logic_error("hbm bank model: stream extrapolation edge of 2^26 device cycles or more");
  e.d_adm = admitted - pc.x_adm;
  e.nrun = pc.x_nrun;
  e.d_events = pc.events - pc.x_events;
  e.d_act = pc.n_act - pc.x_act;
  e.d_pre = pc.n_pre - pc.x_pre;
  e.d_rd = pc.n_rd - pc.x_rd;
  e.d_wr = pc.n_wr - pc.x_wr;
  e.d_bursts = pc.bursts - pc.x_bursts;
  e.d_anchor = anchor - pc.x_anchor;
  // at most one refresh: a refresh start forgets the node (x_prev), a refresh edge or a drain
  // across a refresh is recorded only where the next one is not due yet (x_visit, x_drain_end)
  if (pc.n_ref - pc.x_ref > 1) throw std::logic_error("hbm bank model: stream extrapolation edge across two refreshes");
  e.d_ref = uint8_t(pc.n_ref - pc.x_ref);
  e.d_refc = pc.ref_cycles - pc.x_refc;
  e.has_first = e.completes = e.writes = 0;
  for (uint32_t k = 0; k < pc.x_nrun; ++k) {
    const Slot& x = slots_[pc.x_run[k]];
    XSlotDelta& d = e.sl[k];
    d.d_fin = x.done_bursts - pc.x_fin[k];
    d.d_uni = uint32_t(pc.x_uni[k] - x.unissued);
    const bool has_first = !pc.x_hadcol[k] && x.first_col != kInf;
    d.first = has_first ? int32_t(x.first_col - pc.time) : 0;
    d.last = d.d_uni ? int32_t(x.last_col - pc.time) : 0;
    const uint8_t bit = uint8_t(1u << k);
    if (has_first) e.has_first |= bit;
    if (x.done_bursts == x.bursts) e.completes |= bit;
    if (x.write) e.writes |= bit;
    d.chain = d.d_fin ? x.chain_x - chain_ref(x.write, pc.time, anchor) : 0;
  }
}

// x_restore by difference: beats `gone` of entry ei (pending there) leave their (mode, bank)
// lists; a bank whose open row did not move (`moved`) loses the hits among them. The entry's
// own pend and left are the caller's.
void BankModel::x_unlink_beats(Pc& pc, int32_t ei, uint16_t gone, uint64_t moved) {
  Entry& e = pc.pool[ei];
  const int m = e.write;
  for (uint32_t g = gone; g; g &= g - 1) {
    const uint32_t i = uint32_t(__builtin_ctz(g)), b = e.bank[i];
    const int32_t node = ei * kMaxBeats + int32_t(i);
    const Link l = pc.nlink[node];
    BankList& L = pc.blist[m * nb_ + b];
    if (l.prev >= 0) pc.nlink[l.prev].next = l.next; else L.head = l.next;
    if (l.next >= 0) pc.nlink[l.next].prev = l.prev; else L.tail = l.prev;
    --L.count;
    if (!((moved >> b) & 1) && pc.bank[b].open_row == int64_t(e.row[i])) --L.hits;
  }
}

// x_restore by difference: old entry ei is not in the state restored (its burst finished on
// the way): its pending beats leave their lists, it leaves its mode's list and the pool.
void BankModel::x_drop_entry(Pc& pc, int32_t ei, uint64_t moved) {
  Entry& e = pc.pool[ei];
  x_unlink_beats(pc, ei, uint16_t(e.pend & ((uint32_t(1) << e.n) - 1)), moved);
  const int m = e.write;
  if (e.prev >= 0) pc.pool[e.prev].next = e.next; else pc.head[m] = e.next;
  if (e.next >= 0) pc.pool[e.next].prev = e.prev; else pc.tail[m] = e.prev;
  --pc.count[m];
  if (e.write) --pc.nw; else --pc.nr;
  pc.free_e.push_back(ei);
}

// x_restore by difference: the old bursts of mode m before `keep` (-1: all) are marked
// (left = 0) and leave: their pending beats are the heads of their (mode, bank) lists (the
// lists are in age order), cut there; a bank whose open row did not move loses the hits among
// them.
void BankModel::x_drop_prefix(Pc& pc, int m, int32_t keep, uint64_t moved) {
  uint32_t nd = 0;
  for (int32_t ei = pc.head[m]; ei != keep; ei = pc.pool[ei].next, ++nd) pc.free_e.push_back(ei);
  pc.head[m] = keep;
  if (keep >= 0) pc.pool[keep].prev = -1; else pc.tail[m] = -1;
  pc.count[m] -= nd;
  (m ? pc.nw : pc.nr) -= nd;
  BankList* const bl = pc.blist.data() + size_t(m) * nb_;
  if (keep < 0) {
    // Every old burst of the mode leaves (all are marked): each of its lists is cut whole, so
    // it is empty, without walking its beats (spd13p; the walk below gives the same lists:
    // head and tail -1, count 0, and hits 0, a list's hits being among its beats).
    for (uint64_t bm = pc.pend_banks[m]; bm; bm &= bm - 1) bl[__builtin_ctzll(bm)] = BankList{};
    return;
  }
  for (uint64_t bm = pc.pend_banks[m]; bm; bm &= bm - 1) {
    const uint32_t b = uint32_t(__builtin_ctzll(bm));
    BankList& L = bl[b];
    const bool same = !((moved >> b) & 1);
    const int64_t open = pc.bank[b].open_row;
    int32_t node = L.head;
    uint32_t gone = 0, hits = 0;
    for (; node >= 0; node = pc.nlink[node].next) {
      const Entry& e = pc.pool[node / kMaxBeats];
      if (e.left) break;
      ++gone;
      hits += same && int64_t(e.row[node % kMaxBeats]) == open;
    }
    if (!gone) continue;
    L.head = node;
    if (node >= 0) pc.nlink[node].prev = -1; else L.tail = -1;
    L.count -= gone;
    L.hits -= hits;
  }
}

// Rebuilds the queue of the state `key` at time t: each queued burst goes back to the request
// of the run whose beats it holds. On the fast path by difference from the queue the PC holds
// (the state it was last real in, on the same run's path: each mode's list there is the
// surviving bursts of the old list, in order, then the bursts that entered since): a queued
// burst equal to the next one of the old list (same first beat, request, beats, and pending
// beats a subset of its own) keeps its entry, its issued beats unlinked; old bursts that match
// none are dropped; the rest are admitted. The queue is the one a rebuild from nothing gives,
// up to entry indices and admission numbers, whose order within a mode is the same.
void BankModel::x_restore(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, const std::string& key,
                          T t, uint64_t anchor) {
  const int32_t* k = x_unpack(key);
  struct QEntry {
    uint64_t beat;
    uint32_t si, n;
    uint16_t pend;
  };
  auto entry = [&](const int32_t* q) {  // a queued burst's three words (x_encode_entry)
    int64_t off;
    uint32_t n, r;
    uint16_t pend;
    x_decode_entry(q, off, n, r, pend);
    if (r >= nrun) throw std::logic_error("hbm bank model: stream extrapolation key of another run");
    return QEntry{uint64_t(int64_t(anchor) + off), run[r], n, pend};
  };
  pc.write_mode = k[1] != 0;  // (k[2]: the run's direction)
  if (!p_.fast_path) {
    x_clear_queue(pc);
    size_t i = x_restore_banks(pc, k + 3, t, anchor) - k;
    for (int m = 0; m < 2; ++m) {
      const int32_t cnt = k[i++];
      for (int32_t j = 0; j < cnt; ++j, i += 3) {
        const QEntry q = entry(k + i);
        admit_entry(pc, q.si, q.beat, q.n, q.pend);
      }
    }
  } else {
    std::array<int64_t, kMaxBanks> old_row;
    for (uint32_t b = 0; b < nb_; ++b) old_row[b] = pc.bank[b].open_row;
    size_t i = x_restore_banks(pc, k + 3, t, anchor) - k;
    uint64_t moved = 0;  // banks whose open row changed: their hits are recounted at the end
    for (uint32_t b = 0; b < nb_; ++b)
      if (pc.bank[b].open_row != old_row[b]) moved |= uint64_t(1) << b;
    uint64_t recount = 0;  // ... those of them with old beats kept in a list (below)
    for (int m = 0; m < 2; ++m) {
      const int32_t cnt = k[i++];
      // Old bursts before the first one kept (those that finished first, usually all that
      // did) are marked (left = 0) and leave together: their beats are the heads of their
      // (mode, bank) lists. Those after it leave one by one.
      const int32_t old_head = pc.head[m];
      int32_t p = old_head, first_kept = -1;
      int32_t j = 0;
      for (; j < cnt && (p >= 0 || first_kept < 0); ++j, i += 3) {
        const QEntry q = entry(k + i);
        const uint64_t beat = q.beat;
        const uint32_t n = q.n, si = q.si;
        const uint16_t pend = q.pend;
        bool kept = false;
        while (p >= 0 && !kept) {
          Entry& e = pc.pool[p];
          const int32_t nx = e.next;
          if (e.beat == beat && e.slot == si && e.n == n && !(pend & ~e.pend)) {
            const uint32_t mask = (uint32_t(1) << n) - 1;
            if (e.pend & ~pend & mask) x_unlink_beats(pc, p, uint16_t(e.pend & ~pend & mask), moved);
            e.pend = pend;
            e.left = uint16_t(__builtin_popcount(pend & mask));
            if (first_kept < 0) first_kept = p;
            kept = true;
          } else if (first_kept < 0) {
            e.left = 0;  // (a queued burst has a beat left: the mark)
          } else {
            x_drop_entry(pc, p, moved);
          }
          p = nx;
        }
        if (!kept) break;  // (this one and the rest enter anew)
      }
      for (; p >= 0;) {  // old bursts after the last kept one
        const int32_t nx = pc.pool[p].next;
        if (first_kept < 0) pc.pool[p].left = 0; else x_drop_entry(pc, p, moved);
        p = nx;
      }
      if (old_head >= 0 && old_head != first_kept) x_drop_prefix(pc, m, first_kept, moved);
      // A bank whose open row moved and whose list of this mode is empty now: its hits are 0,
      // and each burst admitted below counts its own against the new open row, so the list
      // needs no recount (row_opened) for this mode.
      BankList* const bl = pc.blist.data() + size_t(m) * nb_;
      for (uint64_t mv = moved; mv; mv &= mv - 1) {
        const uint32_t b = uint32_t(__builtin_ctzll(mv));
        if (bl[b].count) recount |= uint64_t(1) << b;
        else bl[b].hits = 0;
      }
      for (; j < cnt; ++j, i += 3) {  // (selection marks left out: recounted below, c_valid dropped)
        const QEntry q = entry(k + i);
        admit_rebuilt(pc, q.si, q.beat, q.n, q.pend);
      }
    }
    for (uint64_t mv = recount; mv; mv &= mv - 1) row_opened(pc, uint32_t(__builtin_ctzll(mv)));
    for (int m = 0; m < 2; ++m) {
      uint64_t banks = 0;
      const BankList* bl = pc.blist.data() + size_t(m) * nb_;
      for (uint32_t b = 0; b < nb_; ++b)
        if (bl[b].count) banks |= uint64_t(1) << b;
      pc.pend_banks[m] = banks;
    }
  }
  pc.time = t;
  pc.in_valid = pc.c_valid = false;
}

void BankModel::x_snapshot(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, int32_t node,
                           uint64_t anchor, T clamp) {
  const uint32_t si = run[nrun - 1];
  pc.x_prev = node;
  pc.x_cross = false;
  pc.x_clamp = clamp;
  pc.x_gen = x_gen_;
  pc.x_slot = si;
  pc.x_t = pc.time;
  pc.x_adm = slots_[si].admitted;
  pc.x_events = pc.events;
  pc.x_act = pc.n_act;
  pc.x_pre = pc.n_pre;
  pc.x_rd = pc.n_rd;
  pc.x_wr = pc.n_wr;
  pc.x_bursts = pc.bursts;
  pc.x_anchor = anchor;
  pc.x_ref = pc.n_ref;
  pc.x_refc = pc.ref_cycles;
  pc.x_nrun = nrun;
  pc.x_arr = x_nodes_[node].arr;
  for (uint32_t k = 0; k < nrun; ++k) {
    const Slot& x = slots_[run[k]];
    pc.x_run[k] = run[k];
    pc.x_fin[k] = x.done_bursts;
    pc.x_uni[k] = x.unissued;
    pc.x_hadcol[k] = x.first_col != kInf;
    slots_[run[k]].chain_x = kNoChain;
  }
}

// Applies one edge's counters to the PC and the requests of the run (completing those it
// completes, which leave `run`); the PC's time is left to the caller.
SKIPOPU_HOT void BankModel::x_apply(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, const XEdge& e, T t2,
                                    uint64_t anchor) {
  if (e.nrun != nrun) throw std::logic_error("hbm bank model: stream extrapolation edge of another run");
  slots_[run[nrun - 1]].admitted += e.d_adm;
  uint32_t kept = 0;
  for (uint32_t k = 0; k < nrun; ++k) {
    Slot& x = slots_[run[k]];
    const XSlotDelta& d = e.sl[k];
    x.done_bursts += d.d_fin;
    x.unissued -= d.d_uni;
    if ((e.has_first >> k) & 1) x.first_col = t2 + d.first;
    if (d.d_uni) x.last_col = t2 + d.last;
    if (d.d_fin) {
      const int64_t c = d.chain + chain_ref(x.write, t2, anchor);
      x.chain = std::max(x.chain, c);
      x.chain_x = std::max(x.chain_x, c);
    }
    if ((e.completes >> k) & 1) {
      complete(pc, run[k]);
      ++x_completions_;
    } else {
      run[kept++] = run[k];
    }
  }
  nrun = kept;
  pc.events += e.d_events; pc.n_act += e.d_act; pc.n_pre += e.d_pre; pc.n_rd += e.d_rd; pc.n_wr += e.d_wr;
  pc.bursts += e.d_bursts;
}

// Composes kXSkipLen[lv] consecutive normal edges from node `from` into its skip edge of that
// level, if they are all known and none completes a request (the run is the same at both ends):
// the composed edge (null: none).
const BankModel::XEdge* BankModel::x_compose(int32_t from, uint32_t lv) {
  XNode& a = x_nodes_[from];
  if (a.skip[lv]) return a.skip[lv];
  if (a.skip_tries[lv] >= kXComposeTries) return nullptr;  // tried while the path was still being learnt
  ++a.skip_tries[lv];
  XEdge c;
  c.nrun = a.next.nrun;
  c.writes = a.next.writes;  // (the same requests all along)
  T t = 0;  // time along the path, from the start node
  uint64_t an = 0;  // anchor along it, from the start node's
  std::array<bool, kXRun> fin{};
  int32_t cur = from;
  for (uint32_t i = 0; i < kXSkipLen[lv]; ++i) {
    const XEdge& e = x_nodes_[cur].next;
    if (e.succ < 0 || e.nrun != c.nrun || e.completes) return nullptr;
    t += e.dt;
    an += e.d_anchor;
    c.d_adm += e.d_adm;
    c.d_events += e.d_events; c.d_act += e.d_act; c.d_pre += e.d_pre; c.d_rd += e.d_rd; c.d_wr += e.d_wr;
    c.d_bursts += e.d_bursts; c.d_anchor += e.d_anchor;
    for (uint32_t k = 0; k < e.nrun; ++k) {
      const XSlotDelta& d = e.sl[k];
      XSlotDelta& x = c.sl[k];
      x.d_fin += d.d_fin;
      const uint8_t bit = uint8_t(1u << k);
      if ((e.has_first & bit) && !(c.has_first & bit)) {  // from the start, for now
        c.has_first |= bit;
        x.first = int32_t(t + d.first);
      }
      if (d.d_uni) x.last = int32_t(t + d.last);
      x.d_uni += d.d_uni;
      if (d.d_fin) {  // from the start, for now
        const int64_t v = d.chain + chain_ref((e.writes >> k) & 1, t, an);
        x.chain = fin[k] ? std::max(x.chain, v) : v;
        fin[k] = true;
      }
    }
    cur = e.succ;
  }
  c.dt = t;
  for (uint32_t k = 0; k < c.nrun; ++k) {  // relative to the end node, as on any edge
    c.sl[k].first = int32_t(c.sl[k].first - t);
    c.sl[k].last = int32_t(c.sl[k].last - t);
    if (fin[k]) c.sl[k].chain -= chain_ref((c.writes >> k) & 1, t, an);
  }
  c.succ = cur;
  x_sedges_.push_back(c);
  a.skip[lv] = &x_sedges_.back();
  return a.skip[lv];
}

BankModel::Lane* BankModel::x_sole_lane(Pc& pc, uint32_t si) {
  Lane* la = nullptr;
  for (Lane& l : pc.lanes) {
    if (l.head == l.fifo.size()) continue;
    if (la || l.fifo[l.head] != si) return nullptr;
    la = &l;
  }
  return la;
}

// The PC stands at node `node` (the run `run` recorded there), the ingress of the entering
// request's last burst (A's). Arms the recording of a crossing (x_cedges_) from it: true if the
// next request of A's lane waits behind A and no other lane is busy (x_snapshot has just
// written the node; x_visit records the crossing at the next request's first ingress).
bool BankModel::x_cross_arm(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, int32_t node) {
  if (x_nodes_[size_t(node)].arr) return false;
  const uint32_t a = run[nrun - 1];
  const Lane* la = x_sole_lane(pc, a);
  if (!la || lane_waiting(*la) < 2) return false;
  pc.x_cross = true;
  pc.x_cross_seq = slots_[a].seq;
  return true;
}

// A walk stands at node `cur` at the ingress of the entering request's (si's, A's) last burst.
// If the crossing from there to the next request of A's lane (B) is known for A's last burst
// and B's start, and it applies (no other lane busy, A's last burst at the PC, B of two bursts
// or more, its end before the limit, the next refresh and the clamp), it is taken: A's lane
// pops (its next request becomes a slot if it was a feed's, as at that ingress on the
// per-event path), the edge's counters apply, B joins the run as the entering request, and si
// becomes B. False: nothing changed but, possibly, B taken from its feed into a slot early (at
// the same point of the feed's order, before any completion after the ingress; nothing reads
// which slot number it got).
// B's first burst need not be at the PC yet. The stretch ends where the queue has room again
// (t2), which does not depend on B; B enters then if it is there (as when recorded), else
// later, and either way the state at t2, just before that ingress, is the edge's end node. A
// walk goes on from there only over edges whose entering bursts are at the PC (B's later
// bursts reach it after its first: the first is there too), x_horizon likewise; else the PC
// lands at the node at t2 and the per-event path takes B's first burst when it comes.
bool BankModel::x_cross_step(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, int32_t& cur, XWalk& w,
                             T limit, T clamp, uint32_t& si) {
  if (x_cedges_.empty() || x_nodes_[size_t(cur)].arr) return false;
  Lane* la = x_sole_lane(pc, si);
  if (!la || la->head + 1 >= la->fifo.size()) return false;
  if (ready_dev(slots_[si], slots_[si].admitted) > pc.time) return false;
  if (la->fifo[la->head + 1] & kFeedBit) take(pc, *la, la->head + 1);
  const uint32_t b = la->fifo[la->head + 1];
  const Slot& bs = slots_[b];
  if (bs.bursts < 2 || bs.admitted != 0) return false;
  uint64_t ab, al;
  uint32_t n0, nl;
  burst_range(bs, 0, ab, n0);
  burst_range(slots_[si], slots_[si].admitted, al, nl);
  const XEdge* e = x_cedge(cur, nl, ab - w.anchor);
  if (!e) return false;
  const T t2 = pc.time + e->dt, ref = p_.refresh ? pc.ref_due : kInf;
  if (t2 >= limit || t2 >= ref || t2 >= clamp) return false;
  lane_pop(pc, *la);  // A's last burst enters (B is a slot: lane_pop takes nothing)
  x_apply(pc, run, nrun, *e, t2, ab);
  if (nrun == 0 || run[nrun - 1] != si || nrun + 1 > kXRun)
    throw std::logic_error("hbm bank model: stream extrapolation crossing of another run");
  run[nrun++] = b;
  pc.time = t2;
  x_bursts_ += e->d_bursts;
  w.anchor = ab;
  cur = e->succ;
  x_use(cur);
  ++w.steps;
  ++x_crossed_;
  if (ready_dev(slots_[b], 0) > t2) ++x_cross_early_;
  si = b;
  return true;
}

// Follows known edges from node `from` (the PC stands there at pc.time with the run `run`)
// while the limit is not reached, the entering request's last burst stays out of the queue and
// its bursts wait only for room. Where a refresh starts before the next node, the refresh edge
// recorded for (node, due - now) is taken. Applies each edge's time and counters to the PC and
// the requests (completing those it completes); the queue is not touched.
BankModel::XWalk BankModel::x_walk(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, int32_t from,
                                   uint64_t anchor, T limit, T clamp) {
  XWalk w{from, anchor};
  uint32_t si = run[nrun - 1];  // the entering request (the next one of its lane after a crossing)
  int32_t cur = from;
  for (;;) {
    Slot& s = slots_[si];
    if (s.admitted + 1 == s.bursts) {
      // at the ingress of its last burst: on into the next request of its lane if that
      // crossing is known (x_cross_step), else the walk ends here
      if (x_cross_step(pc, run, nrun, cur, w, limit, clamp, si)) continue;
      w.last = true;
      break;
    }
    const T tt = pc.time, ref = p_.refresh ? pc.ref_due : kInf;
    const XEdge* e = &x_nodes_[cur].next;
    // kXSkip edges in one step where nothing stops the walk, else kXSkipLen[0]
    for (uint32_t lv = uint32_t(kXSkipLen.size()); e->succ >= 0 && lv-- > 0;) {
      // x_compose's first two tests here, without the call: known, or given up on
      const XNode& a = x_nodes_[cur];
      const XEdge* kp = a.skip[lv];
      if (!kp && (a.skip_tries[lv] >= kXComposeTries || !(kp = x_compose(cur, lv)))) continue;
      const XEdge& k = *kp;
      const T tk = tt + k.dt;
      if (tk < limit && tk < ref && tk < clamp && s.admitted + k.d_adm + 2 <= s.bursts && ready_dev(s, s.admitted + k.d_adm) <= tt) {
        e = &k;
        ++(lv + 1 == kXSkipLen.size() ? x_skips_ : x_short_skips_);
        break;
      }
    }
    T t2 = e->succ >= 0 ? tt + e->dt : kInf;
    bool via_ref = false;
    if (t2 >= ref) {  // a refresh starts before the next node (or the next node is unknown)
      if (ref == kInf) break;
      const XEdge* r = x_redge(cur, ref - tt);
      if (!r) break;
      e = r;
      t2 = tt + e->dt;
      via_ref = true;
    }
    // a request of another lane may enter from `clamp` on (x_stream_run): the PC lands before
    // it, also where the limit comes first (standing, it would miss that request's completion)
    if (t2 >= clamp) {
      w.clamped = true;
      ++x_clamped_;
      break;
    }
    // The edge may end just before the request's last burst enters (that burst, possibly
    // partial, is not on the edge: the stretch is the one recorded); the walk ends there. An
    // edge that admits more bursts than the request has left was recorded by a longer request
    // (a key does not hold the count, e.g. an arrival node's): this request completes before
    // its end, so the PC must not stand at it either (checked before the limit: its t2 would
    // be a completion bound past that completion).
    if (s.admitted + e->d_adm + 1 > s.bursts) break;
    if (t2 >= limit) {
      // Stop here. The PC may stand at this node until the next advance only if nothing
      // completes on the edge ahead (a completion before the limit must be seen now).
      if (!(e->completes & ((1u << nrun) - 1))) {  // (requests 0 .. nrun - 1 of the run)
        w.why = XStop::Limit;
        w.t2 = t2;
      }
      break;
    }
    const bool to_last = s.admitted + e->d_adm + 1 == s.bursts;
    // every burst entering on the edge (up to the next node's) is at the PC when it starts:
    // the ingresses wait only for room, as when the edge was recorded
    // (from an arrival node: they reach it on the schedule its key holds)
    if (!x_nodes_[cur].arr && ready_dev(s, s.admitted + e->d_adm) > tt) break;
    if (x_nodes_[cur].arr) ++x_arr_walks_;
    x_apply(pc, run, nrun, *e, t2, w.anchor + e->d_anchor);
    if (nrun == 0 || run[nrun - 1] != si) throw std::logic_error("hbm bank model: stream extrapolation completed the entering request");
    if (via_ref) {
      pc.n_ref += e->d_ref;
      pc.ref_cycles += e->d_refc;
      pc.ref_due += ref_interval_;
      ++w.refreshes;
    }
    pc.time = t2;
    x_bursts_ += e->d_bursts;
    w.anchor += e->d_anchor;
    cur = e->succ;
    x_use(cur);
    ++w.steps;
    if (to_last) ++x_to_last_;  // (the loop's head decides: a crossing or the walk's end)
  }
  if (w.steps == 0) return w;
  const int32_t phase = x_first_word(x_keys_[size_t(cur)]);
  uint64_t chk;
  uint32_t n0;
  burst_range(slots_[si], slots_[si].admitted, chk, n0);
  if (chk != w.anchor || int64_t(w.anchor & (x_period_ - 1)) != phase)
    throw std::logic_error("hbm bank model: stream extrapolation landed off its address period");
  ++x_jumps_;
  x_refreshes_ += w.refreshes;
  w.node = cur;
  return w;
}

// A virtual landing becomes real: the queue of the node the PC stands at is rebuilt (unless
// the PC never left the state it visited); its ingress comes next.
void BankModel::x_land(Pc& pc) {
  if (!pc.xv) return;
  if (!pc.xv_real) x_restore(pc, pc.x_run, pc.x_nrun, x_keys_[size_t(pc.xv_node)], pc.time, pc.xv_anchor);
  pc.xv = pc.xv_drain = false;
  pc.x_landed = true;
}

static constexpr int kXNone = 0, kXLanded = 1, kXVirtual = 2, kXDrained = 3;

// A walk `w` ended just before the entering request's last burst: if nothing waits behind it
// and the drain from there is known, the drain is replayed (or the PC stands before it)
// without rebuilding the queue first. The node of that state is the walk's last node with its
// last word (the last burst's beats, x_encode) set: the queue, registers and run are the same.
int BankModel::x_last_drain(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, const XWalk& w, T limit) {
  const uint32_t si = run[nrun - 1];
  if (x_behind(pc, si)) return kXNone;
  uint64_t b0;
  uint32_t n0;
  burst_range(slots_[si], slots_[si].admitted, b0, n0);
  const int32_t* k = x_unpack(x_keys_[size_t(w.node)]);
  const_cast<int32_t*>(k)[x_nwords_ - 1] = int32_t(n0);
  x_raw_.resize(x_nwords_ * sizeof(int32_t));
  x_pack(x_raw_, x_buf_);
  const int32_t id = x_index_.find(x_buf_, detail::KeyIndex::hash(x_buf_), x_keys_);
  if (id < 0) return kXNone;
  x_use(id);
  const int32_t di = x_drain_at(pc, id);
  if (di < 0) return x_virtual_ok_ && x_follow(pc, run, nrun, id, w.anchor, limit, false) ? kXVirtual : kXNone;
  const T t2 = pc.time + x_dedges_[size_t(di)].dt;
  ++x_last_drains_;
  if (t2 < limit) {
    x_drain_apply(pc, run, nrun, di, w.anchor);
    return kXDrained;
  }
  if (!x_virtual_ok_) {
    --x_last_drains_;
    return kXNone;
  }
  x_snapshot(pc, run, nrun, id, w.anchor, kInf);  // nothing waits in another lane (x_behind)
  pc.xv = pc.xv_drain = true;
  pc.xv_real = false;  // the queue is rebuilt from the node when the PC lands
  pc.xv_node = id;
  pc.xv_dedge = di;
  pc.xv_anchor = w.anchor;
  x_drain_deliver(pc, limit);
  ++x_virtual_;
  ++x_vdrains_;
  return kXVirtual;
}

bool BankModel::x_behind(const Pc& pc, uint32_t si) const {
  for (const Lane& l : pc.lanes)
    if (l.head < l.fifo.size() && (l.fifo[l.head] != si || lane_waiting(l) != 1)) return true;
  return false;
}

// A visit at the ingress of a burst at the PC's present: a burst that waited for room, or
// (`arrival`) the first burst of a long request entering as it reaches the PC, whose later
// bursts reach it one an AXI cycle (PortStage::ready without lateral write data): the
// stretch from there is a function of the state and that schedule, which is the same relative
// to the present but for the AXI cycle's phase in the device clock, the last word of the key.
int BankModel::x_visit(Pc& pc, T limit, bool arrival) {
  if (pc.x_landed) {  // the ingress of the node just restored: already visited
    pc.x_landed = false;
    return kXNone;
  }
  std::array<uint32_t, kXRun> run;
  uint32_t nrun = 0;
  bool last = false;
  uint32_t lanes = 1;
  T clamp;
  const uint32_t si = x_stream_run(pc, run, nrun, clamp, &last, &lanes);
  if (si == UINT32_MAX) {
    pc.x_prev = -1;
    return kXNone;
  }
  Slot& s = slots_[si];
  uint64_t anchor;
  uint32_t n0;
  burst_range(s, s.admitted, anchor, n0);
  x_encode(pc, run, nrun, anchor, x_raw_);
  if (arrival) {
    const int32_t phase = 1 + int32_t(ports_.ready(s.port, s.admitted, 0) % p_.dev_den);
    x_raw_.append(reinterpret_cast<const char*>(&phase), sizeof phase);
  }
  x_pack(x_raw_, x_buf_);
  const int32_t id = x_node(x_buf_);
  if (arrival) x_nodes_[id].arr = true;
  // The simulated stretch from the previous node is the edge to this one: without a refresh
  // (a refresh start forgets the previous node) or, recorded separately, across one refresh.
  // Only if every burst that entered on the way was at the PC when the stretch began, and the
  // run here is the run there less the requests that completed.
  bool same_run = pc.x_slot == si;
  uint32_t kept = 0;
  for (uint32_t k = 0; same_run && k < pc.x_nrun; ++k) {
    const Slot& x = slots_[pc.x_run[k]];
    if (x.done_bursts == x.bursts) continue;  // completed (its slot is not reused: no submit since)
    same_run = kept < nrun && run[kept] == pc.x_run[k];
    ++kept;
  }
  // And only if it ends before the clamp there: from then on a request of another lane (not
  // in the key) may enter and complete on the way, leaving the same run (walks stop short of
  // the clamp likewise).
  same_run = same_run && kept == nrun && (pc.x_arr || ready_dev(s, s.admitted) <= pc.x_t) && pc.time < pc.x_clamp;
  if (same_run && pc.x_prev >= 0 && pc.x_gen == x_gen_ && x_nodes_[pc.x_prev].next.succ < 0)
    x_record(pc, x_nodes_[pc.x_prev].next, id, s.admitted, anchor);
  if (same_run && pc.xr_node >= 0 && pc.xr_gen == x_gen_ && !pc.ref_active &&
      pc.ref_due == pc.xr_due + ref_interval_) {
    const auto [e, made] = x_redges_.emplace(x_rkey(pc.xr_node, pc.xr_d), XEdge{});
    if (made) x_record(pc, *e, id, s.admitted, anchor);
  }
  // The stretch from a last burst's ingress armed for a crossing (x_cross_arm) ends here, at
  // the first ingress of the next request of that lane: recorded if nothing came between (no
  // submit, refresh start or memo restart: x_prev kept), the run here is the run there less
  // the requests that completed (not A) plus this one, and this ingress waited for room (not
  // an arrival visit: then its time is the room's, not this request's arrival).
  if (pc.x_cross && pc.x_prev >= 0 && pc.x_gen == x_gen_ && !arrival && si != pc.x_slot) {
    const Slot& a = slots_[pc.x_slot];
    uint64_t al;
    uint32_t nl;
    burst_range(a, a.bursts - 1, al, nl);
    bool ok = a.seq == pc.x_cross_seq && a.admitted == a.bursts && a.done_bursts < a.bursts &&
              pc.x_adm + 1 == a.bursts && al == pc.x_anchor && s.admitted == 0 && s.port_id == a.port_id &&
              s.write == a.write && ready_dev(a, a.bursts - 1) <= pc.x_t;
    uint32_t kc = 0;
    for (uint32_t k = 0; ok && k < pc.x_nrun; ++k) {
      const Slot& x = slots_[pc.x_run[k]];
      if (x.done_bursts == x.bursts) continue;
      ok = kc < nrun && run[kc] == pc.x_run[k];
      ++kc;
    }
    if (ok && kc + 1 == nrun && run[kc] == si) {
      const auto [c, made] = x_cedges_.emplace(x_ckey(pc.x_prev, nl, anchor - pc.x_anchor), XCross{nl, XEdge{}});
      if (made) x_record(pc, c->e, id, a.admitted, anchor);  // (d_anchor: the move)
    }
  }
  pc.xr_node = -1;
  if (last) {
    // The run's last burst enters and nothing waits behind it: the drain that follows is a
    // function of this state (and of the distance to the next refresh, if one starts on the
    // way) until the queue is empty. Replayed in one step when known and it ends before the
    // limit; else recorded.
    const int32_t di = x_drain_at(pc, id);
    if (di >= 0) {
      const T t2 = pc.time + x_dedges_[size_t(di)].dt;
      if (t2 < limit) {
        x_drain_apply(pc, run, nrun, di, anchor);
        return kXDrained;
      }
      if (x_virtual_ok_) {
        // Past the limit: stand at this node, the queue untouched, until an advance's limit
        // passes the drain's end; the completions before each limit are delivered on the way.
        x_snapshot(pc, run, nrun, id, anchor, clamp);
        pc.xv = pc.xv_real = pc.xv_drain = true;
        pc.xv_node = id;
        pc.xv_dedge = di;
        pc.xv_anchor = anchor;
        x_drain_deliver(pc, limit);
        ++x_virtual_;
        ++x_vdrains_;
        return kXVirtual;
      }
    }
    if (di < 0 && x_virtual_ok_ && x_follow(pc, run, nrun, id, anchor, limit, true)) return kXVirtual;
    x_snapshot(pc, run, nrun, id, anchor, clamp);
    pc.xd_node = id;
    pc.xd_gen = x_gen_;
    pc.xd_due = pc.ref_due;
    return kXNone;
  }
  // (At the ingress of the entering request's last burst with requests waiting behind it, the
  // walk goes on only by a crossing into the next request of its lane, x_cross_step; no
  // normal edge leaves such a node.)
  const XWalk w = x_walk(pc, run, nrun, id, anchor, limit, clamp);
  if (w.steps > 0 && lanes > 1) ++x_past_lanes_;
  if (w.last) {
    const int v = x_last_drain(pc, run, nrun, w, limit);
    if (v != kXNone) return v;
  }
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
    x_restore(pc, run, nrun, x_keys_[size_t(w.node)], pc.time, w.anchor);
    // at a last burst, its ingress is visited only if nothing waits behind it (its drain may
    // be recorded); else that visit would only close the edge into this node again
    pc.x_landed = !w.last || x_behind(pc, run[nrun - 1]);
    r = kXLanded;
  }
  x_snapshot(pc, run, nrun, w.node, w.anchor, clamp);
  // at a last burst's ingress no normal edge leaves the node; a crossing may (x_cross_arm)
  if (w.last && !x_cross_arm(pc, run, nrun, w.node)) pc.x_prev = -1;
  return r;
}

// Replays drain edge `di` (x_drain_at: the PC stands at its node at pc.time with the run
// `run`, the run's last burst about to enter): every request of the run completes, the PC
// lands in the drain's end state with an empty queue; a refresh on the way is over.
void BankModel::x_drain_apply(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, int32_t di,
                              uint64_t anchor) {
  const XEdge& d = x_dedges_[size_t(di)];
  const T t2 = pc.time + d.dt;
  const uint32_t si = run[nrun - 1];
  x_drain_completions_ += nrun;  // every request of the run completes on it
  x_apply(pc, run, nrun, d, t2, anchor);
  if (nrun != 0) throw std::logic_error("hbm bank model: stream extrapolation drain left a request open");
  for (Lane& l : pc.lanes)
    if (l.head < l.fifo.size() && l.fifo[l.head] == si) lane_pop(pc, l);
  // the end state: registers, rows and counters of the drained PC, queue empty
  x_use(d.succ);
  const int32_t* k = x_unpack(x_keys_[size_t(d.succ)]);
  x_clear_queue(pc);
  pc.write_mode = k[1] != 0;
  x_restore_banks(pc, k + 2, t2, anchor);
  pc.time = t2;
  pc.in_valid = pc.c_valid = false;
  pc.x_prev = -1;
  if (d.d_ref) {  // the refresh due when the drain began (started at its due time)
    pc.n_ref += d.d_ref;
    pc.ref_cycles += d.d_refc;
    pc.ref_start = pc.ref_due;
    pc.ref_due += ref_interval_;
    ++x_ref_drains_;
  }
  ++x_jumps_;
  ++x_drains_;
  x_bursts_ += d.d_bursts;
}

// A PC standing before a known drain (xv_drain): the completions of the drain whose last
// column command is before `limit` are delivered now, as the per-event path would have
// delivered them by this limit (complete() does not deliver them again); xv_t2 becomes the
// last column command of the next one, the earliest time anything else is seen.
void BankModel::x_drain_deliver(Pc& pc, T limit) {
  const XEdge& d = x_dedges_[size_t(pc.xv_dedge)];
  const T t2 = pc.time + d.dt;
  T next = kInf;
  for (uint32_t k = 0; k < pc.x_nrun; ++k) {
    Slot& x = slots_[pc.x_run[k]];
    if (x.delivered) continue;
    const XSlotDelta& sd = d.sl[k];
    const T last = sd.d_uni ? t2 + sd.last : x.last_col;
    if (last >= limit) {
      next = std::min(next, last);
      continue;
    }
    const int64_t chain = sd.d_fin ? std::max(x.chain, sd.chain + chain_ref(x.write, t2, pc.xv_anchor)) : x.chain;
    heap_.push(completion_of(x, pc.x_hadcol[k] ? x.first_col : t2 + sd.first, chain));
    x.delivered = true;
  }
  pc.xv_t2 = next;
}

// The PC stands at node `id` (at pc.time, the run `run`'s last burst about to enter, nothing
// waiting) and that node's drain is not known: if another PC is recording the drain from the
// same node with the refresh at the same distance, this PC's drain is the same evolution
// shifted in time, and it stands before it like before a known drain (x_drain_deliver) while
// the leader's progress covers each limit (x_follow_deliver). `real`: the queue is the node's.
// Lock-step PCs (the same stream on every PC) meet each drain together: one records it, the
// others follow.
bool BankModel::x_follow(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, int32_t id,
                         uint64_t anchor, T limit, bool real) {
  // a leader of lower index: pop_completion advances it first, so when this PC is advanced
  // (its bound is the leader's, x_follow_deliver) the leader has been advanced that far
  const uint32_t self = uint32_t(&pc - pcs_.data());
  for (uint32_t i = 0; i < self; ++i) {
    const Pc& o = pcs_[i];
    if (o.xd_node != id || o.xd_gen != x_gen_ || o.x_nrun != nrun ||
        (p_.refresh && o.xd_due - o.x_t != pc.ref_due - pc.time))
      continue;
    // the leader's requests are still its own (no submit to it since: a slot of one that
    // completed may have gone to another PC's request), and it covers this limit
    bool own = o.x_t <= pc.time && lim_[i] + (pc.time - o.x_t) >= limit;
    for (uint32_t k = 0; own && k < nrun; ++k) own = slots_[o.x_run[k]].pc == i;
    if (!own) return false;
    x_snapshot(pc, run, nrun, id, anchor, kInf);  // a drain: nothing waits in another lane
    pc.xv = pc.xv_drain = true;
    pc.xv_real = real;
    pc.xv_node = id;
    pc.xv_dedge = -1;
    pc.xv_anchor = anchor;
    pc.xf_leader = int32_t(i);
    pc.xf_shift = pc.time - o.x_t;
    for (uint32_t k = 0; k < nrun; ++k) pc.xf_seq[k] = slots_[o.x_run[k]].seq;
    if (!x_follow_deliver(pc, limit)) throw std::logic_error("hbm bank model: stream extrapolation follower lost its leader");
    ++x_virtual_;
    ++x_vdrains_;
    ++x_followed_;
    return true;
  }
  return false;
}

// A PC following a drain being recorded (x_follow): false if the leader no longer records
// that drain (its recording ended, failed or was cut by a submit) or has not been advanced far
// enough to cover `limit` (every event of its before lim_ is done). Else the completions whose
// last column command, shifted, is before `limit` are delivered as x_drain_deliver does, and
// xv_t2 becomes the earliest time another may come.
bool BankModel::x_follow_deliver(Pc& pc, T limit) {
  const Pc& o = pcs_[size_t(pc.xf_leader)];
  const T h = lim_[size_t(pc.xf_leader)] + pc.xf_shift;  // the leader's events are known before this
  if (o.xd_node != pc.xv_node || o.xd_gen != x_gen_ || o.x_t + pc.xf_shift != pc.time || h < limit) return false;
  // the leader's requests not complete complete no earlier than its completion bound (sync_pc:
  // its next column command, then a data-bus slot per beat left), shifted: this PC is advanced
  // no earlier than the leader then
  const size_t li = size_t(pc.xf_leader);
  T next = h;
  if (nb_add_[li] >= 0)
    next = std::max(next, std::max(lim_[li], nb_base_[li]) + nb_add_[li] - col_to_data() + pc.xf_shift);
  for (uint32_t k = 0; k < pc.x_nrun; ++k) {
    const Slot& y = slots_[o.x_run[k]];
    if (y.seq != pc.xf_seq[k]) return false;  // (its slot went to another request)
  }
  for (uint32_t k = 0; k < pc.x_nrun; ++k) {
    Slot& x = slots_[pc.x_run[k]];
    const Slot& y = slots_[o.x_run[k]];
    if (x.delivered || y.done_bursts != y.bursts) continue;  // (not complete: not before h)
    const T last = y.last_col + pc.xf_shift;
    if (last >= limit) {
      next = std::min(next, last);
      continue;
    }
    // the leader's chain since its node, moved by the shift in time and anchor
    const int64_t chain =
        y.chain_x == kNoChain
            ? x.chain
            : std::max(x.chain, y.chain_x + chain_ref(x.write, pc.xf_shift, pc.xv_anchor) - chain_ref(x.write, 0, o.x_anchor));
    heap_.push(completion_of(x, pc.x_hadcol[k] ? x.first_col : y.first_col + pc.xf_shift, chain));
    x.delivered = true;
  }
  pc.xv_t2 = next;
  return true;
}

// The earliest time a request of a PC standing at a node (a virtual landing, not before a
// drain) may complete. While nothing is submitted to the PC (a submit makes it dirty: its
// bound is its own time again) its evolution from the node is the memo's edges from there, as
// x_walk follows them at its next advance, or simulated the same way where the walk stops
// (the memo is exact). Following them with x_walk's tests (a refresh edge where a refresh
// starts, the clamp, the entering request's last burst kept out, its bursts at the PC), none
// of the requests completes before the edge that completes one, or the node where such a
// walk would stop, starts: that node's time is returned (pc.time where the first edge
// already does; at most kXHorizon edges ahead).
BankModel::T BankModel::x_horizon(const Pc& pc) const {
  const Slot& s = slots_[pc.x_run[pc.x_nrun - 1]];
  uint32_t adm = s.admitted;
  T tt = pc.time, ref = p_.refresh ? pc.ref_due : kInf;
  const T clamp = pc.x_clamp;
  int32_t cur = pc.xv_node;
  for (uint32_t step = 0; step < kXHorizon; ++step) {
    const XNode& a = x_nodes_[cur];
    const XEdge* e = &a.next;
    T t2 = kInf;
    if (e->succ >= 0) {
      for (uint32_t lv = uint32_t(kXSkipLen.size()); lv-- > 0;) {
        const XEdge* k = a.skip[lv];  // (a composed edge is known: succ >= 0)
        if (!k) continue;
        const T tk = tt + k->dt;
        if (tk < ref && tk < clamp && adm + k->d_adm + 2 <= s.bursts && ready_dev(s, adm + k->d_adm) <= tt) {
          e = k;
          break;
        }
      }
      t2 = tt + e->dt;
    }
    bool via_ref = false;
    if (t2 >= ref) {
      if (ref == kInf) break;
      const XEdge* r = x_redge(cur, ref - tt);
      if (!r) break;
      e = r;
      t2 = tt + e->dt;
      via_ref = true;
    }
    if (t2 >= clamp || e->nrun != pc.x_nrun) break;
    if (e->completes || adm + e->d_adm + 1 > s.bursts || (!a.arr && ready_dev(s, adm + e->d_adm) > tt)) break;
    adm += e->d_adm;
    tt = t2;
    if (via_ref) ref += ref_interval_;
    cur = e->succ;
    if (adm + 1 == s.bursts) break;  // the last burst enters next
  }
  return tt;
}

// Continues a virtual landing at the start of an advance: keeps walking if the run still
// runs alone, else lands. True: still virtual (the advance is over).
bool BankModel::x_resume(Pc& pc, T limit) {
  if (pc.xv_drain) {
    // Standing before a drain: nothing may have been submitted since (x_prev is cleared then).
    if (pc.x_prev != pc.xv_node || pc.x_gen != x_gen_ || !x_virtual_ok_) {
      x_land(pc);
      return false;
    }
    if (pc.xv_dedge < 0) {  // following a drain being recorded (x_follow)
      pc.xv_dedge = x_drain_at(pc, pc.xv_node);  // recorded meanwhile?
      if (pc.xv_dedge < 0) {
        if (x_follow_deliver(pc, limit)) {
          ++x_virtual_;
          return true;
        }
        // lost the leader: simulate from the node, recording the drain (x_snapshot was there)
        x_land(pc);
        pc.xd_node = pc.xv_node;
        pc.xd_gen = x_gen_;
        pc.xd_due = pc.ref_due;
        return false;
      }
    }
    const XEdge& d = x_dedges_[size_t(pc.xv_dedge)];
    if (pc.time + d.dt < limit) {
      std::array<uint32_t, kXRun> run = pc.x_run;
      uint32_t nrun = pc.x_nrun;
      pc.xv = pc.xv_drain = false;
      x_drain_apply(pc, run, nrun, pc.xv_dedge, pc.xv_anchor);
      return false;
    }
    x_drain_deliver(pc, limit);
    ++x_virtual_;
    return true;
  }
  std::array<uint32_t, kXRun> run;
  uint32_t nrun = 0;
  T clamp;
  const uint32_t si = x_stream_run(pc, run, nrun, clamp);
  bool same = si != UINT32_MAX && si == pc.x_slot && nrun == pc.x_nrun && pc.x_gen == x_gen_ && x_virtual_ok_;
  for (uint32_t k = 0; same && k < nrun; ++k) same = run[k] == pc.x_run[k];
  if (!same) {
    x_land(pc);
    return false;
  }
  const XWalk w = x_walk(pc, run, nrun, pc.xv_node, pc.xv_anchor, limit, clamp);
  if (w.last) {
    pc.xv = false;  // (x_last_drain stands again if it can)
    const int v = x_last_drain(pc, run, nrun, w, limit);
    if (v == kXVirtual) return true;
    if (v == kXDrained) return false;
    pc.xv = true;
  }
  if (w.steps > 0) {
    pc.xv_real = false;
    pc.xv_node = w.node;
    pc.xv_anchor = w.anchor;
    x_snapshot(pc, run, nrun, w.node, w.anchor, clamp);
  }
  if (w.why == XStop::Limit) {
    pc.xv_t2 = w.t2;
    ++x_virtual_;
    return true;
  }
  x_land(pc);
  if (w.last) {  // as in x_visit
    pc.x_landed = x_behind(pc, run[nrun - 1]);
    if (!x_cross_arm(pc, run, nrun, w.node)) pc.x_prev = -1;
  }
  return false;
}

}  // namespace skipopu::hbm

#include "axi_frontend.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hot_inline.hpp"

// Per-request steps (SKIPOPU_HOT) are inlined into submit and on_inner_completion.

namespace skipopu::hbm {

AxiFrontEnd::AxiFrontEnd(const HbmParams& p, std::unique_ptr<Model> inner, bool direct)
    : p_(p), inner_(std::move(inner)), lanes_(size_t(p.ports) * 2), ids_(size_t(p.ports) * 2 * p.ids_per_port) {
  validate_hbm_params(p_, "hbm params");
  ordered_ = p_.id_ordering != HbmParams::IdOrdering::None;
  single_slave_ = p_.id_ordering == HbmParams::IdOrdering::SingleSlavePerId;
  lazy_frees_ = ordered_ && p_.max_outstanding_reads == 0 && p_.max_outstanding_writes == 0;
  for (Lane& l : lanes_) l.ring.assign(16, kNone);
  // A completion handed over early frees its slot sooner, so later transactions may get other
  // slot indices (the inner model's request ids): exact because the inner models' results do
  // not depend on request ids (the bank model's ties go by age; docs/hbm.md).
  direct_ = direct && inner_->set_sink(this);
}

void AxiFrontEnd::heap_push(std::vector<Timed>& h, const Timed& x) {
  h.push_back(x);
  std::push_heap(h.begin(), h.end(), Later{});
}

AxiFrontEnd::Timed AxiFrontEnd::heap_pop(std::vector<Timed>& h) {
  std::pop_heap(h.begin(), h.end(), Later{});
  const Timed x = h.back();
  h.pop_back();
  return x;
}

void AxiFrontEnd::lane_push(Lane& l, uint32_t s) {
  if (l.size == l.ring.size()) {  // grow (doubling; amortised, none once warm)
    std::vector<uint32_t> bigger(l.ring.size() * 2, kNone);
    for (uint32_t i = 0; i < l.size; ++i) bigger[i] = l.ring[(l.head + i) & (l.ring.size() - 1)];
    l.ring.swap(bigger);
    l.head = 0;
  }
  l.ring[(l.head + l.size) & (l.ring.size() - 1)] = s;
  ++l.size;
}

uint32_t AxiFrontEnd::alloc_slot() {
  if (free_slots_.empty()) {
    slots_.emplace_back();
    return uint32_t(slots_.size() - 1);
  }
  const uint32_t s = free_slots_.back();
  free_slots_.pop_back();
  return s;
}

// A slot for request r with sequence number seq, its lane and ID found, not yet queued.
SKIPOPU_HOT uint32_t AxiFrontEnd::new_slot(const Request& r, uint64_t seq) {
  const uint32_t s = alloc_slot();
  Slot& sl = slots_[s];
  sl.r = r;
  sl.seq = seq;
  sl.beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  sl.lane = r.port * 2 + (r.write ? 1 : 0);
  sl.id_index = sl.lane * p_.ids_per_port + r.axi_id;
  sl.next = kNone;
  sl.has_raw = false;
  sl.live = true;
  sl.stalled = false;
  sl.marker = 0;
  return s;
}

void AxiFrontEnd::check(const Request& r) const {
  if (r.port >= p_.ports || r.pc >= p_.pseudo_channels || r.axi_id >= p_.ids_per_port || r.bytes == 0 ||
      r.addr + r.bytes > p_.pc_bytes || r.arrival < now_ || r.arrival < last_arrival_)
    throw std::logic_error("hbm AXI front end: invalid request id " + std::to_string(r.id));
}

void AxiFrontEnd::submit(const Request& r) {
  check(r);
  last_arrival_ = r.arrival;
  const uint32_t s = new_slot(r, seq_++);
  Slot& sl = slots_[s];
  Lane& l = lanes_[sl.lane];
  // Issue at once when nothing else can issue before r.arrival (no head scheduled or blocked)
  // and r may issue now: counts only fall until then, so it may issue at its arrival, and the
  // inner model gets the request exactly when the caller gives it.
  if (l.size == 0 && evalq_.empty() && nblocked_ == 0 && may_issue(sl)) {
    issue(s, r.arrival);
    return;
  }
  lane_push(l, s);
  if (l.size == 1) schedule_head(sl.lane, r.arrival);  // an empty lane was neither blocked nor scheduled
}

void AxiFrontEnd::submit_stream(RequestStream& s) {
  // submit() issues each request at once while no lane has a queued head (none scheduled or
  // blocked) and each may issue: no outstanding limit, and single slave per ID holds
  // (counts only grow during the submission, so the checks hold for the whole stream).
  bool pass = passing_ == nullptr && evalq_.empty() && nblocked_ == 0;
  id_count_.assign(ids_.size(), 0);
  id_pc_.assign(ids_.size(), 0);
  s.scan([&](const Request& r) {
    check(r);
    const uint32_t lane = r.port * 2 + (r.write ? 1 : 0), id = lane * p_.ids_per_port + r.axi_id;
    if ((r.write ? p_.max_outstanding_writes : p_.max_outstanding_reads) != 0) pass = false;
    if (single_slave_ && lazy_frees_ && ids_[id].pc != r.pc) settle(ids_[id]);
    if (single_slave_ && ((id_count_[id] && id_pc_[id] != r.pc) || (ids_[id].outstanding && ids_[id].pc != r.pc)))
      pass = false;
    ++id_count_[id];
    id_pc_[id] = r.pc;
  });
  if (!pass) return Model::submit_stream(s);
  last_arrival_ = s.arrival();
  passing_ = &s;
  passing_left_ = s.size();
  passing_seq_ = seq_;
  seq_ += s.size();
  issued_ += s.size();
  for (uint32_t id = 0; id < ids_.size(); ++id) {
    if (!id_count_[id]) continue;
    IdState& st = ids_[id];
    lanes_[id / p_.ids_per_port].inflight += uint32_t(id_count_[id]);
    st.outstanding += uint32_t(id_count_[id]);
    st.pc = id_pc_[id];
    if (!ordered_) continue;
    const uint32_t m = alloc_slot();  // the marker: its place in the ID's response order
    Slot& mk = slots_[m];
    mk = Slot{};
    mk.marker = id_count_[id];
    mk.id_index = id;
    if (st.tail == kNone) st.head = m;
    else slots_[st.tail].next = m;
    st.tail = m;
    st.marker = m;
  }
  s.set_hook(this);
  inner_->submit_stream(s);
}

// The inner model takes request r (index in the stream) of the stream passed through: it gets
// its slot, issued at the stream's arrival, and in ID order the place of the marker.
void AxiFrontEnd::taken(Request& r, uint64_t index) {
  const uint32_t s = new_slot(r, passing_seq_ + index);
  Slot& sl = slots_[s];
  if (ordered_) {  // s takes the marker's place, the marker (if any left) comes after it
    IdState& st = ids_[sl.id_index];
    const uint32_t m = st.marker;
    std::swap(slots_[s], slots_[m]);
    if (--slots_[s].marker == 0) {  // the last of them: the marker leaves (m keeps its place)
      slots_[m].next = slots_[s].next;
      st.marker = kNone;
      free_slots_.push_back(s);
    } else {
      slots_[m].next = s;
      if (st.tail == m) st.tail = s;
      st.marker = s;
    }
    r.id = m;
  } else {
    r.id = s;
  }
  if (--passing_left_ == 0) passing_ = nullptr;
}

// Applies the ID's lazy frees due by inner_now_ (the frees freeq_ would have applied by now).
void AxiFrontEnd::settle(IdState& st) {
  uint32_t h = st.frees_head;
  const uint32_t n = uint32_t(st.frees.size());
  while (h < n && st.frees[h] <= inner_now_) ++h;
  st.outstanding -= h - st.frees_head;
  if (h == n) {
    st.frees.clear();
    st.frees_head = 0;
  } else {
    st.frees_head = h;
  }
}

// Leaves lazy frees: those due are applied, the rest go to freeq_, each lane's count is its IDs'.
void AxiFrontEnd::go_eager() {
  lazy_frees_ = false;
  for (uint32_t id = 0; id < ids_.size(); ++id) {
    IdState& st = ids_[id];
    settle(st);
    const uint32_t lane = id / p_.ids_per_port;
    for (uint32_t k = st.frees_head; k < st.frees.size(); ++k) {
      Completion f;
      f.id = (uint64_t(lane) << 32) | id;
      f.done = st.frees[k];
      freeq_.push(f);
    }
    st.frees.clear();
    st.frees_head = 0;
  }
  for (Lane& l : lanes_) l.inflight = 0;
  for (uint32_t id = 0; id < ids_.size(); ++id) lanes_[id / p_.ids_per_port].inflight += ids_[id].outstanding;
}

SKIPOPU_HOT bool AxiFrontEnd::may_issue(const Slot& sl) {
  const uint32_t limit = sl.r.write ? p_.max_outstanding_writes : p_.max_outstanding_reads;
  IdState& st = ids_[sl.id_index];
  if (lazy_frees_ && single_slave_ && st.pc != sl.r.pc) settle(st);
  return (limit == 0 || lanes_[sl.lane].inflight < limit) && !(single_slave_ && st.outstanding != 0 && st.pc != sl.r.pc);
}

SKIPOPU_HOT void AxiFrontEnd::issue(uint32_t s, Cycle t) {
  Slot& sl = slots_[s];
  IdState& st = ids_[sl.id_index];
  ++lanes_[sl.lane].inflight;
  ++st.outstanding;
  st.pc = sl.r.pc;
  if (ordered_) {
    if (st.tail == kNone) st.head = s;
    else slots_[st.tail].next = s;
    st.tail = s;
  }
  Request q = sl.r;
  q.id = s;  // the inner model's tag is the slot
  q.arrival = t;
  wait_cycles_ += t - sl.r.arrival;
  ++issued_;
  inner_->submit(q);
}

void AxiFrontEnd::schedule_head(uint32_t lane, Cycle not_before) {
  const Slot& h = slots_[lanes_[lane].ring[lanes_[lane].head]];
  heap_push(evalq_, Timed{std::max(not_before, h.r.arrival), h.seq, lane, 0});
}

// Issues the lane's head transaction at cycle t (== inner_now_) if it may issue, and schedules
// the next head; otherwise marks the lane blocked until one of its slots is freed.
void AxiFrontEnd::evaluate(Cycle t, uint32_t lane) {
  Lane& l = lanes_[lane];
  const uint32_t s = l.ring[l.head];
  Slot& sl = slots_[s];
  if (!may_issue(sl)) {  // wait for a response of this lane to free it
    if (lazy_frees_) go_eager();
    const uint32_t limit = sl.r.write ? p_.max_outstanding_writes : p_.max_outstanding_reads;
    l.blocked = true;
    ++nblocked_;
    if (!sl.stalled) ++(limit != 0 && l.inflight >= limit ? limit_stalls_ : id_stalls_);
    sl.stalled = true;
    return;
  }
  l.head = (l.head + 1) & uint32_t(l.ring.size() - 1);
  --l.size;
  issue(s, t);
  if (l.size) schedule_head(lane, t);
}

void AxiFrontEnd::free_slot_event(const Completion& f) {
  const uint32_t lane = uint32_t(f.id >> 32);
  Lane& l = lanes_[lane];
  --l.inflight;
  --ids_[uint32_t(f.id)].outstanding;
  if (l.blocked) {
    l.blocked = false;
    --nblocked_;
    schedule_head(lane, f.done);
  }
}

SKIPOPU_HOT void AxiFrontEnd::deliver(uint32_t s, Cycle first, Cycle done) {
  Slot& sl = slots_[s];
  sl.live = false;
  Completion o;
  o.id = sl.r.id;
  o.arrival = sl.r.arrival;
  o.first_data = first;
  o.done = done;
  outq_.push(o);
  if (lazy_frees_) {
    IdState& st = ids_[sl.id_index];
    if (st.frees_head != st.frees.size()) settle(st);  // keeps the list short
    st.frees.push_back(done + p_.release_cycles);
  } else {
    Completion f;
    f.id = (uint64_t(sl.lane) << 32) | sl.id_index;
    f.done = done + p_.release_cycles;
    freeq_.push(f);
  }
  free_slots_.push_back(s);
}

// The response of x after the previous one of its ID (any: there was one; its done' `last`).
void AxiFrontEnd::in_id_order(const Slot& x, bool any, Cycle last, Cycle& first, Cycle& done) {
  if (!any) return;
  if (x.r.write) {
    done = std::max(done, last + 1);
  } else {
    first = std::max(first, last + 1);
    done = std::max(done, last + x.beats);
  }
}

void AxiFrontEnd::on_inner_completion(const Completion& c) {
  const uint32_t s = uint32_t(c.id);
  if (!ordered_) {
    deliver(s, c.first_data, c.done);
    return;
  }
  Slot& sl = slots_[s];
  IdState& st = ids_[sl.id_index];
  if (st.head != s) {  // an earlier response of its ID has not returned: held (a head is never held)
    sl.raw = c;
    sl.has_raw = true;
    return;
  }
  // s and every held response after it return now, in order.
  Cycle raw_first = c.first_data, raw_done = c.done;
  for (uint32_t h = s;;) {
    const Slot& x = slots_[h];
    Cycle first = raw_first, done = raw_done;
    in_id_order(x, st.any, st.last_done, first, done);
    if (done != raw_done) ++held_;
    st.last_done = done;
    st.any = true;
    st.head = x.next;
    if (st.head == kNone) st.tail = kNone;
    deliver(h, first, done);
    h = st.head;
    if (h == kNone || !slots_[h].has_raw) break;
    raw_first = slots_[h].raw.first_data;
    raw_done = slots_[h].raw.done;
  }
}

Cycle AxiFrontEnd::next_event() const {
  Cycle t = inner_->next_event();
  if (!outq_.empty()) t = std::min(t, outq_.top().done);
  if (!evalq_.empty()) t = std::min(t, evalq_.front().t);
  if (nblocked_ && !freeq_.empty()) t = std::min(t, freeq_.top().done);  // a blocked head waits for it
  return t;
}

bool AxiFrontEnd::known(uint64_t id, Completion& out) {
  if (outq_.find(id, out)) return true;
  uint32_t s = 0;
  while (s < slots_.size() && !(slots_[s].live && slots_[s].r.id == id)) ++s;
  if (s == slots_.size()) return false;
  Completion c;
  if (!ordered_) {
    if (!inner_->known(s, c)) return false;
    out = c;
    out.id = id;
    out.arrival = slots_[s].r.arrival;
    return true;
  }
  // The ID's responses from the head to s, each known, in order (on_inner_completion's rule).
  const IdState& st = ids_[slots_[s].id_index];
  bool any = st.any;
  Cycle last = st.last_done;
  for (uint32_t h = st.head; h != kNone; h = slots_[h].next) {
    const Slot& x = slots_[h];
    if (x.marker) return false;
    if (x.has_raw) c = x.raw;
    else if (!inner_->known(h, c)) return false;
    Cycle first = c.first_data, done = c.done;
    in_id_order(x, any, last, first, done);
    any = true;
    last = done;
    if (h == s) {
      out.id = id;
      out.arrival = x.r.arrival;
      out.first_data = first;
      out.done = done;
      return true;
    }
  }
  return false;
}

bool AxiFrontEnd::pop_completion(Cycle until, Completion& out) {
  if (until > now_) now_ = until;
  Completion c;
  for (;;) {
    // Internal events up to the inner model's time, in time order (a freed slot before an
    // evaluation at the same cycle). Frees may lie in the past (see below); evaluations never do.
    const Cycle tf = freeq_.empty() ? kNever : freeq_.top().done;
    const Cycle te = evalq_.empty() ? kNever : evalq_.front().t;
    if (std::min(tf, te) <= inner_now_) {
      if (tf <= te) {
        free_slot_event(freeq_.pop());
      } else {
        const Timed e = heap_pop(evalq_);
        if (e.t != inner_now_) throw std::logic_error("hbm AXI front end: evaluation behind the inner model");
        evaluate(e.t, e.a);
      }
      continue;
    }
    // Every future response has done > inner_now_: anything queued at or before it is final.
    if (!outq_.empty() && outq_.top().done <= inner_now_) {
      out = outq_.pop();
      return true;
    }
    if (inner_now_ >= until) return false;
    // Step the inner model. With a head blocked, a response at cycle x may release it at
    // x + release_cycles: step only to the inner model's next possible completion (all that
    // pops there has done == target), never past the next internal event. With none blocked,
    // a freed slot only updates counters (processed late, before any later evaluation), so
    // step to the next evaluation.
    Cycle target = std::min(until, te);
    if (nblocked_) {
      target = std::min(target, tf);
      const Cycle ne = inner_->next_event();
      if (ne < target) target = std::max(ne, inner_now_ + 1);
    }
    while (inner_->pop_completion(target, c)) on_inner_completion(c);  // (direct: handed on the way)
    inner_now_ = target;
  }
}

void AxiFrontEnd::report(StatGroup& into, Cycle end) {
  inner_->report(into, end);
  into.add("axi_issued", issued_, "count", "transactions the AXI front end issued to the controllers");
  into.add("axi_held_responses", held_, "count", "responses delayed to keep AXI ID order");
  into.add("axi_id_stalls", id_stalls_, "count",
           "transactions that waited because their ID had transactions outstanding to another PC");
  into.add("axi_limit_stalls", limit_stalls_, "count", "transactions that waited at their port's outstanding limit");
  into.add("axi_wait_cycles", wait_cycles_, "cycle", "sum over transactions of cycles from arrival to issue");
}

}  // namespace skipopu::hbm

// "burst" model: each pseudo-channel is a FCFS server moving one beat per AXI cycle after a
// fixed latency; no banks, no refresh, ports only checked. The first cut the top level uses.
#include "burst_model.hpp"

#include <stdexcept>
#include <string>

namespace skipopu::hbm {

BurstModel::BurstModel(const HbmParams& p) : p_(p), pcs_(p.pseudo_channels) { validate_hbm_params(p_, "hbm params"); }

void BurstModel::check(const Request& r) const {
  if (r.pc >= p_.pseudo_channels || r.port >= p_.ports || r.bytes == 0 || r.arrival < now_ ||
      r.arrival < last_arrival_ || r.addr + r.bytes > p_.pc_bytes)
    throw std::logic_error("hbm burst model: invalid request id " + std::to_string(r.id));
}

// Request r's beats move from cycle `start` on (its PC's free cycle already accounts for them).
void BurstModel::serve(Pc& pc, const Request& r, Cycle start) {
  const uint64_t beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  pc.busy += beats;
  pc.beats += beats;
  (r.write ? pc.bytes_written : pc.bytes_read) += r.bytes;
  ++pc.requests;
  Completion c;
  c.id = r.id;
  c.arrival = r.arrival;
  c.first_data = start + p_.burst_latency;
  c.done = c.first_data + beats - 1;
  pc.latency_sum += c.done - r.arrival;
  heap_.push(c);
}

void BurstModel::submit(const Request& r) {
  check(r);
  last_arrival_ = r.arrival;
  Pc& pc = pcs_[r.pc];
  const uint64_t beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  const Cycle start = r.arrival > pc.free ? r.arrival : pc.free;
  pc.free = start + beats;
  serve(pc, r, start);
}

void BurstModel::submit_stream(RequestStream& s) {
  constexpr uint32_t kNone = ~0u, kMany = ~0u - 1;
  port_pc_.assign(p_.ports, kNone);
  pc_port_.assign(p_.pseudo_channels, kNone);
  pc_beats_.assign(p_.pseudo_channels, 0);
  bool lazy = true;
  s.scan([&](const Request& r) {
    check(r);
    uint32_t& a = port_pc_[r.port];
    uint32_t& b = pc_port_[r.pc];
    if (a != r.pc) a = a == kNone ? r.pc : kMany;
    if (b != r.port) b = b == kNone ? r.port : kMany;
    lazy = lazy && a != kMany && b != kMany;
    pc_beats_[r.pc] += detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  });
  if (!lazy) return Model::submit_stream(s);
  last_arrival_ = s.arrival();
  for (uint32_t i = 0; i < p_.pseudo_channels; ++i) {
    if (pc_port_[i] == kNone) continue;
    Pc& pc = pcs_[i];
    const Cycle start = s.arrival() > pc.free ? s.arrival() : pc.free;  // FCFS: after all before it
    pc.free = start + pc_beats_[i];
    uint32_t f = 0;
    while (f < feeds_.size() && feeds_[f].s) ++f;
    if (f == feeds_.size()) feeds_.emplace_back();
    feeds_[f] = Feed{&s, pc_port_[i], i, start, 0};
    ++nfeeds_;
    take(feeds_[f]);
  }
}

// The feed's next request (its predecessor has completed, or none): its completion into the heap.
void BurstModel::take(Feed& f) {
  Request r;
  uint64_t k;
  if (!f.s->next(f.port, r, k)) {
    f.s = nullptr;
    --nfeeds_;
    return;
  }
  const Cycle start = f.start;
  f.start += detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  f.id = r.id;
  serve(pcs_[f.pc], r, start);
}

Cycle BurstModel::next_event() const { return heap_.empty() ? kNever : heap_.top().done; }

bool BurstModel::pop_completion(Cycle until, Completion& out) {
  if (until > now_) now_ = until;
  if (heap_.empty() || heap_.top().done > until) return false;
  out = heap_.pop();
  if (nfeeds_)  // a PC's completions come in its FCFS order: its next one is not before this one
    for (Feed& f : feeds_)
      if (f.s && f.id == out.id) {
        take(f);
        break;
      }
  return true;
}

void BurstModel::report(StatGroup& into, Cycle end) {
  for (Feed& f : feeds_)  // the statistics count every request submitted
    while (f.s) take(f);
  uint64_t br = 0, bw = 0, busy = 0, reqs = 0;
  for (uint32_t i = 0; i < pcs_.size(); ++i) {
    const Pc& pc = pcs_[i];
    StatGroup& g = into.group("pc" + std::to_string(i), "pseudo-channel " + std::to_string(i));
    g.add("bytes_read", pc.bytes_read, "byte", "bytes read");
    g.add("bytes_written", pc.bytes_written, "byte", "bytes written");
    g.add("requests", pc.requests, "count", "requests served");
    g.add("busy_cycles", pc.busy, "cycle", "AXI cycles the data bus moved a beat");
    g.add_real("bus_utilisation", end ? double(pc.busy) / double(end) : 0.0, "ratio",
               "busy_cycles / AXI cycles of the whole run (prefill, decode, drain)");
    br += pc.bytes_read;
    bw += pc.bytes_written;
    busy += pc.busy;
    reqs += pc.requests;
  }
  into.add("bytes_read", br, "byte", "bytes read, all pseudo-channels");
  into.add("bytes_written", bw, "byte", "bytes written, all pseudo-channels");
  into.add("requests", reqs, "count", "requests served");
  into.add("busy_cycles", busy, "cycle", "sum over pseudo-channels of busy AXI cycles");
  into.add_real("bus_utilisation", end ? double(busy) / double(end * pcs_.size()) : 0.0, "ratio",
                "busy_cycles / (AXI cycles of the whole run x PCs)");
  into.add("row_hits", 0, "count", "burst model has no banks");
  into.add("refreshes", 0, "count", "burst model has no refresh");
}

}  // namespace skipopu::hbm

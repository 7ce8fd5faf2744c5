// "burst" model: each pseudo-channel is a FCFS server moving one beat per AXI cycle after a
// fixed latency; no banks, no refresh, ports only checked. The first cut the top level uses.
#include "burst_model.hpp"

#include <stdexcept>
#include <string>

namespace skipopu::hbm {

BurstModel::BurstModel(const HbmParams& p) : p_(p), pcs_(p.pseudo_channels) { validate_hbm_params(p_, "hbm params"); }

void BurstModel::submit(const Request& r) {
  if (r.pc >= p_.pseudo_channels || r.port >= p_.ports || r.bytes == 0 || r.arrival < now_ ||
      r.arrival < last_arrival_ || r.addr + r.bytes > p_.pc_bytes)
    throw std::logic_error("hbm burst model: invalid request id " + std::to_string(r.id));
  last_arrival_ = r.arrival;
  Pc& pc = pcs_[r.pc];
  const uint64_t beats = detail::beats_of(r.addr, r.bytes, p_.beat_bytes);
  const Cycle start = r.arrival > pc.free ? r.arrival : pc.free;
  pc.free = start + beats;
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

Cycle BurstModel::next_event() const { return heap_.empty() ? kNever : heap_.top().done; }

bool BurstModel::pop_completion(Cycle until, Completion& out) {
  if (until > now_) now_ = until;
  if (heap_.empty() || heap_.top().done > until) return false;
  out = heap_.pop();
  return true;
}

void BurstModel::report(StatGroup& into, Cycle end) {
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

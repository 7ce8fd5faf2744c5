#include "port_stage.hpp"

#include <algorithm>

namespace skipopu::hbm::detail {

PortStage::PortStage(const HbmParams& p)
    : pace_(p.master_ar_cycles), gap_(p.master_command_gap), hop_latency_(p.hop_latency), lateral_beats_(p.lateral_beats), lateral_cycles_(p.lateral_cycles),
      lateral_links_(p.lateral_links), write_gap_(uint64_t(p.lateral_write_gap) * p.lateral_beats) {
  for (uint32_t i = 0; i < p.ports; ++i) {
    switch_of_port_.push_back(i / p.ports_per_switch);
    // PG276: the masters of a switch share its lateral connections in equal groups (M0/M1 on
    // one, M2/M3 on the other for two)
    link_of_port_.push_back((i % p.ports_per_switch) / (p.ports_per_switch / p.lateral_links));
  }
  for (uint32_t i = 0; i < p.pseudo_channels; ++i) switch_of_pc_.push_back(i / p.pcs_per_switch);
  port_free_.assign(2 * size_t(p.ports), 0);
  const uint32_t nsw = std::max((p.ports + p.ports_per_switch - 1) / p.ports_per_switch,
                                (p.pseudo_channels + p.pcs_per_switch - 1) / p.pcs_per_switch);
  link_free_.assign(size_t(nsw) * lateral_links_, 0);
  link_master_.assign(size_t(nsw) * lateral_links_, UINT32_MAX);
  read_free_.assign(2 * size_t(nsw) * lateral_links_, 0);
}

PortTiming PortStage::accept(uint32_t port, uint32_t pc, bool write, Cycle arrival, uint32_t bursts,
                             uint64_t beats) {
  PortTiming t;
  Cycle& free = port_free_[2 * size_t(port) + write];
  t.base = std::max(arrival, free);
  free = t.base + Cycle(bursts) * pace_ + gap(write);
  const uint32_t sp = switch_of_port_[port], sc = switch_of_pc_[pc];
  t.hops = sp > sc ? sp - sc : sc - sp;
  if (t.hops && write) {
    const uint32_t lo = std::min(sp, sc), hi = std::max(sp, sc);
    const uint32_t g = link_of_port_[port];
    uint64_t start = t.base * lateral_beats_;
    for (uint32_t l = lo; l < hi; ++l) {
      const size_t i = conn(l, g);
      // PG276: one dead cycle on the lateral write channel when it changes master
      start = std::max(start, link_free_[i] + (link_master_[i] != port && link_master_[i] != UINT32_MAX ? write_gap_ : 0));
    }
    for (uint32_t l = lo; l < hi; ++l) {
      const size_t i = conn(l, g);
      link_free_[i] = start + beats * lateral_cycles_;
      link_master_[i] = port;
    }
    t.link = true;
    t.link_start = start;
  }
  return t;
}

void PortStage::return_read(uint32_t port, uint32_t pc, uint64_t beats, Cycle& first, Cycle& done) {
  const uint32_t sp = switch_of_port_[port], sc = switch_of_pc_[pc];
  const uint32_t lo = std::min(sp, sc), hi = std::max(sp, sc);
  const size_t dir = sp > sc ? 1 : 0;  // data moves from the PC's switch toward the port's
  const uint32_t g = link_of_port_[port];
  const Cycle h = return_latency(hi - lo);
  uint64_t start = (first - h) * lateral_beats_;  // first beat at the PC's side of the links
  for (uint32_t l = lo; l < hi; ++l) start = std::max(start, read_free_[2 * conn(l, g) + dir]);
  for (uint32_t l = lo; l < hi; ++l) read_free_[2 * conn(l, g) + dir] = start + beats * lateral_cycles_;
  first = std::max(first, Cycle(start / lateral_beats_) + h);
  done = std::max(done, Cycle((start + (beats - 1) * lateral_cycles_) / lateral_beats_) + h);
}

}  // namespace skipopu::hbm::detail

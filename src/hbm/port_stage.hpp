// AXI port stage and switch of the bank model (AXI cycles, feed-forward at submit):
// each port sends one burst address per cycle, requests in order; a request to a pseudo-channel
// behind another switch pays hop_latency per switch boundary each way and reserves every
// lateral link on its path for its beats (first come, first served), so its burst k is ready
// at the PC once its cumulative beats have crossed the links.
// Abstracts away: read data returning over the lateral links (the reservation is made on the
// request path for reads and writes alike), AXI IDs and ordering (the AXI front end's job).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm::detail {

struct PortTiming {
  Cycle base = 0;           // AXI cycle of the request's first burst address
  uint32_t hops = 0;        // switch boundaries crossed
  uint64_t link_start = 0;  // lateral-link start, in units of AXI cycles x lateral_beats
};

class PortStage {
 public:
  PortStage() = default;
  explicit PortStage(const HbmParams& p);
  PortTiming accept(uint32_t port, uint32_t pc, Cycle arrival, uint32_t bursts, uint64_t beats);
  // Whether a request from `port` to `pc` crosses a switch boundary (reserves lateral links).
  bool crosses(uint32_t port, uint32_t pc) const { return switch_of_port_[port] != switch_of_pc_[pc]; }
  // accept() of requests of `port`, none crossing, all arriving at `arrival`, of `bursts` in
  // all: the first one's base (each next one's is the one before plus its bursts).
  Cycle reserve(uint32_t port, Cycle arrival, uint64_t bursts) {
    const Cycle base = std::max(arrival, port_free_[port]);
    port_free_[port] = base + bursts;
    return base;
  }
  // AXI cycle at which burst k, whose end is `cum` beats after the request's first beat, is at the PC.
  Cycle ready(const PortTiming& t, uint32_t k, uint64_t cum) const {
    Cycle axi = t.base + k;
    if (t.hops) {
      const Cycle link = (t.link_start + cum * lateral_cycles_ + lateral_beats_ - 1) / lateral_beats_;
      axi = std::max(axi, link) + Cycle(t.hops) * hop_latency_;
    }
    return axi;
  }
  Cycle return_latency(uint32_t hops) const { return Cycle(hops) * hop_latency_; }

 private:
  uint32_t hop_latency_ = 0, lateral_beats_ = 1, lateral_cycles_ = 1;
  std::vector<uint32_t> switch_of_port_, switch_of_pc_;
  std::vector<Cycle> port_free_;
  std::vector<uint64_t> link_free_;
};

}  // namespace skipopu::hbm::detail

// AXI port stage and switch of the bank model (AXI cycles):
// each port sends one burst address every `master_ar_cycles` (the design's AXI masters' pace,
// HbmParams::master_ar_cycles: burst k of a request at base + k x pace), requests in order, and
// a port's read master leaves `master_command_gap` AXI cycles between one request's last burst
// address and the next request's first (the generated skipopu_axi_rd_master takes a command only
// once the one before has sent every burst address, cmd_ready = ar_left == 0: one core cycle), so
// a read request is based at max(arrival, previous base + bursts x pace + gap); a request to a pseudo-channel
// behind another switch pays hop_latency per switch boundary each way. Each boundary has
// lateral_links connections (PG276 'Lateral AXI Switch Access Throughput Loss': two, one for
// masters M0/M1 of a switch and one for M2/M3); the ports of a switch are split among them in
// equal groups by their index in the switch, and a port uses its group's connection at every
// boundary on its path. Everything below is per connection.
//  - Writes (feed-forward at submit): the write data reserves every lateral link on its path
//    for its beats (first come, first served), so its burst k is ready at the PC once its
//    cumulative beats have crossed the links. A write whose port differs from the last one on
//    a connection starts lateral_write_gap cycles after that one's data (PG276: 'For Write
//    cycles there is a single dead cycle when switching between masters on the lateral channel').
//  - Reads (feed-forward on completions, in delivery order): the read address crosses without
//    a reservation; the read data crosses the lateral links back from the PC's switch to the
//    port's after the DRAM delivers it. Each link has, per direction, a read-data path of its
//    own (AXI read and write data are separate channels; PG276 'Lateral AXI Switch Access
//    Throughput Loss': a read crossing switches holds its lateral path until its data burst is
//    received), shared first come, first served by the reads whose data crosses it in that
//    direction, in the order their last beat leaves the DRAM (pre-link done, then age:
//    the oldest request, by submit order, first).
//    A read's beats cross back to back from the later of its first data beat and the cycle
//    every link on its path is free; its last beat is at the port at the later of its
//    uncontended time and that crossing + hop latency (return_read).
// Abstracts away: a read's data arriving from the DRAM with gaps (its link reservation is one
// block of its beats from its first beat on), the connection a multi-hop path takes at the
// boundaries past the first (assumed the same group's), the switch's arbitration between
// masters on a connection (first come, first served here), AXI IDs and ordering (the AXI front
// end's job); the read master's limit of commands awaiting data (skipopu_axi_rd_master: at most
// rd_commands, 4, whose data have not all come back; a fifth waits for the oldest one's last
// beat, feedback from the DRAM's completions that this feed-forward stage has not: in the
// blocks.top=rtl pin 4 await data on three ports for 28, 70 and 21 cycles, but no command waits
// for it there, docs/rtl.md step 22; a longer prompt's EMBED rows on one port would); the write master's rule
// (a new command once every burst of the one before was answered: the gap there is a response's
// round trip, not modelled: writes get no gap); the blocks.top=rtl transactor's requests, one
// burst each at its handshake, take no gap (Model::bursts_at_handshakes: the masters' own gaps
// are already in their cycles).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm::detail {

struct PortTiming {
  Cycle base = 0;           // AXI cycle of the request's first burst address
  uint32_t hops = 0;        // switch boundaries crossed
  bool link = false;        // a write crossing switches: its data reserved the links from link_start
  uint64_t link_start = 0;  // lateral-link start, in units of AXI cycles x lateral_beats
};

class PortStage {
 public:
  PortStage() = default;
  explicit PortStage(const HbmParams& p);
  PortTiming accept(uint32_t port, uint32_t pc, bool write, Cycle arrival, uint32_t bursts, uint64_t beats);
  // Whether a request from `port` to `pc` crosses a switch boundary (uses lateral links).
  bool crosses(uint32_t port, uint32_t pc) const { return switch_of_port_[port] != switch_of_pc_[pc]; }
  // accept() of `requests` requests of `port`, none crossing, all arriving at `arrival`, of
  // `bursts` in all: the first one's base (each next one's is the one before plus its bursts x
  // pace plus gap(write)).
  Cycle reserve(uint32_t port, bool write, Cycle arrival, uint64_t bursts, uint64_t requests) {
    Cycle& free = port_free_[2 * size_t(port) + write];
    const Cycle base = std::max(arrival, free);
    free = base + bursts * pace_ + requests * gap(write);
    return base;
  }
  // AXI cycle at which a request of `port` arriving at `arrival` would send its first burst
  // address (its master takes it): the base accept() would give it now.
  Cycle start(uint32_t port, bool write, Cycle arrival) const {
    return std::max(arrival, port_free_[2 * size_t(port) + write]);
  }
  // AXI cycles between a port's successive burst addresses (the masters' AR pace)
  uint32_t pace() const { return pace_; }
  // AXI cycles a port's master leaves between two requests (HbmParams::master_command_gap; reads only)
  uint32_t gap(bool write) const { return write ? 0 : gap_; }
  // Requests whose bursts were each submitted at their own address cycle (blocks.top=rtl's slave
  // transactor): the masters' gaps are already in those cycles, so none is added.
  void drop_gap() { gap_ = 0; }
  // AXI cycle at which burst k of a request based at `base` leaves its port.
  Cycle address(Cycle base, uint64_t k) const { return base + k * pace_; }
  // AXI cycle at which burst k, whose end is `cum` beats after the request's first beat, is at the PC.
  Cycle ready(const PortTiming& t, uint32_t k, uint64_t cum) const {
    Cycle axi = t.base + Cycle(k) * pace_;
    if (t.hops) {
      if (t.link) {
        const Cycle link = (t.link_start + cum * lateral_cycles_ + lateral_beats_ - 1) / lateral_beats_;
        axi = std::max(axi, link);
      }
      axi += Cycle(t.hops) * hop_latency_;
    }
    return axi;
  }
  Cycle return_latency(uint32_t hops) const { return Cycle(hops) * hop_latency_; }
  uint32_t hops(uint32_t port, uint32_t pc) const {
    const uint32_t sp = switch_of_port_[port], sc = switch_of_pc_[pc];
    return sp > sc ? sp - sc : sc - sp;
  }
  // A read from `pc` to `port` (crossing switches) of `beats` beats whose first and last data
  // beat would be at the port at `first` and `done` (hop latency included) with the links
  // free: its data crosses the read-data links back; first and done move to when it is there.
  // Called in delivery order (done, then age): feed-forward.
  void return_read(uint32_t port, uint32_t pc, uint64_t beats, Cycle& first, Cycle& done);

 private:
  size_t conn(uint32_t l, uint32_t g) const { return size_t(l) * lateral_links_ + g; }
  uint32_t pace_ = 1;  // HbmParams::master_ar_cycles
  uint32_t gap_ = 0;   // HbmParams::master_command_gap (reads)
  uint32_t hop_latency_ = 0, lateral_beats_ = 1, lateral_cycles_ = 1, lateral_links_ = 1;
  uint64_t write_gap_ = 0;  // dead time on a lateral write path when its master changes (units as link_start)
  std::vector<uint32_t> switch_of_port_, switch_of_pc_;
  std::vector<uint32_t> link_of_port_;  // which of a boundary's lateral_links connections a port uses
  std::vector<Cycle> port_free_;
  // Per boundary l (between switches l and l + 1) and connection g, i = conn(l, g):
  std::vector<uint64_t> link_free_;     // write data (units as link_start)
  std::vector<uint32_t> link_master_;   // the port whose write data crossed last (UINT32_MAX: none)
  std::vector<uint64_t> read_free_;     // read data per direction: [2 * i + (toward higher switch)]
};

}  // namespace skipopu::hbm::detail

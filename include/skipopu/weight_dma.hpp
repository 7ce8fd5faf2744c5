// WeightDma: streams weight matrices from HBM into the PE array's weight buffer.
//
// Models: LOADW instructions processed in program order; each stream is split into a
// prefetch window (pe_array.weight_prefetch_bytes, spread over all pseudo-channels)
// that may be fetched before the PE array starts on the matrix, and the rest, which is
// issued when the array starts consuming it (the weight buffer is double-buffered: the
// DMA runs at most one window ahead into the next matrix). Each part is requested
// pe_array.dma_request_cycles after the event that allows it (the LOADW's issue for the
// head, the array's start for the tail; the generated RTL's stream queue, request state and
// AXI AR register: 3), never earlier than the DMA has requested the previous stream's tail.
// Abstracts away: buffer addressing and per-tile flow control (the array's consumption
// is faster than one HBM stream in decode; see timing::overlap_finish).
#pragma once
#include <array>
#include <systemc>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/hbm_block.hpp"
#include "skipopu/sim_clock.hpp"

namespace skipopu {

class WeightDma : public sc_core::sc_module, public WeightStreamIf {
 public:
  static constexpr size_t kRing = 4;
  // Reaches the HBM through `hbm` (its port is bound here).
  WeightDma(sc_core::sc_module_name name, HbmIf& hbm, const MemoryMap& map, uint64_t window_bytes,
            const CoreClock& clk, uint32_t request_cycles);

  // LOADW: queue a stream of matrices m0..m1 (streams are consumed in LOADW order).
  // `instr`: the LOADW's program counter, carried by the stream's HBM jobs (timeline).
  void load(uint32_t m0, uint32_t m1, uint32_t instr = HbmJob::kNoInstr);
  // WeightStreamIf: the PE array starts on the next stream and waits for all of it.
  StreamArrival consume_next() override;

  sc_core::sc_port<HbmIf> hbm;

 private:
  struct Stream {
    uint32_t m0 = 0, m1 = 0;
    HbmJob head, tail;
    bool pe_started = false, tail_issued = false;
    uint64_t loaded_at = 0, pe_started_at = 0;  // core cycles of the LOADW and of the array's start
    sc_core::sc_event pe_start, tail_ev;
  };
  Stream& stream(uint64_t seq) { return ring_[seq % kRing]; }
  void run();
  const MemoryMap& map_;
  uint64_t window_per_pc_;
  const CoreClock& clk_;
  uint32_t request_cycles_;
  std::array<Stream, kRing> ring_;
  // Streams are numbered in LOADW order: [consumed_, started_, queued_) are live (at most
  // kRing): started_ = issued by the DMA thread, consumed_ = started on by the PE array.
  uint64_t queued_ = 0, started_ = 0, consumed_ = 0;
  sc_core::sc_event loaded_;
};

}  // namespace skipopu

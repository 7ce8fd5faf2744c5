// WeightDma: streams weight matrices from HBM into the PE array's weight buffer.
//
// Models: LOADW instructions processed in program order; each stream is split into a
// prefetch window (pe_array.weight_prefetch_bytes, spread over all pseudo-channels)
// that may be fetched before the PE array starts on the matrix, and the rest, which is
// issued when the array starts consuming it (the weight buffer is double-buffered: the
// DMA runs at most one window ahead into the next matrix).
// Abstracts away: buffer addressing and per-tile flow control (the array's consumption
// is faster than one HBM stream in decode; see timing::overlap_finish).
#pragma once
#include <array>
#include <systemc>

#include "skipopu/hbm_block.hpp"

namespace skipopu {

struct WeightStream {
  uint64_t seq = 0;
  uint32_t m0 = 0, m1 = 0;
  HbmJob head, tail;
  bool pe_started = false, tail_issued = false;
  sc_core::sc_event pe_start, tail_ev;
};

class WeightDma : public sc_core::sc_module {
 public:
  static constexpr size_t kRing = 4;
  WeightDma(sc_core::sc_module_name name, HbmBlock& hbm, const MemoryMap& map, uint64_t window_bytes);

  // LOADW: queue stream number `seq` (sequence numbers are consecutive from 0).
  void load(uint64_t seq, uint32_t m0, uint32_t m1);
  WeightStream& stream(uint64_t seq) { return ring_[seq % kRing]; }
  // Called by the PE array when it starts consuming stream `seq`.
  void consumer_started(uint64_t seq);

 private:
  void run();
  HbmBlock& hbm_;
  const MemoryMap& map_;
  uint64_t window_per_pc_;
  std::array<WeightStream, kRing> ring_;
  // LOADW commands not yet started (sequence numbers; at most kRing are live).
  std::array<uint64_t, kRing> queue_{};
  uint64_t queued_ = 0, started_ = 0;
  sc_core::sc_event loaded_;
};

}  // namespace skipopu

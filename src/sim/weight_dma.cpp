#include "skipopu/weight_dma.hpp"

#include "skipopu/timing.hpp"

namespace skipopu {

WeightDma::WeightDma(sc_core::sc_module_name name, HbmIf& hbm_if, const MemoryMap& map, uint64_t window_bytes,
                     const CoreClock& clk, uint32_t request_cycles)
    : sc_module(name),
      hbm("hbm"),
      map_(map),
      window_per_pc_(timing::ceil_div(window_bytes, map.pcs())),
      clk_(clk),
      request_cycles_(request_cycles) {
  hbm.bind(hbm_if);
  for (auto& s : ring_) {
    s.head.init(map.pcs(), Traffic::Weights);
    s.tail.init(map.pcs(), Traffic::Weights);
  }
  SC_HAS_PROCESS(WeightDma);
  SC_THREAD(run);
}

void WeightDma::load(uint32_t m0, uint32_t m1, uint32_t instr) {
  sc_assert(queued_ - consumed_ < kRing);
  Stream& s = stream(queued_++);
  // The ring holds at most three live streams (finishing, current, next).
  sc_assert(!s.head.busy() && !s.tail.busy());
  s.m0 = m0;
  s.m1 = m1;
  s.head.instr = s.tail.instr = instr;
  s.pe_started = false;
  s.tail_issued = false;
  s.loaded_at = clk_.now();
  loaded_.notify(sc_core::SC_ZERO_TIME);
}

StreamArrival WeightDma::consume_next() {
  sc_assert(consumed_ < queued_);
  Stream& s = stream(consumed_++);
  s.pe_started = true;
  s.pe_started_at = clk_.now();
  s.pe_start.notify(sc_core::SC_ZERO_TIME);
  while (!s.tail_issued) sc_core::wait(s.tail_ev);
  hbm->wait_for(s.head);
  hbm->wait_for(s.tail);
  StreamArrival a;
  a.first = s.head.reqs.requests().empty() ? s.tail.first : s.head.first;
  a.last = std::max(s.head.done, s.tail.done);
  return a;
}

void WeightDma::run() {
  while (true) {
    while (started_ == queued_) sc_core::wait(loaded_);
    Stream& s = stream(started_++);
    uint64_t per_pc = 0;
    for (uint32_t m = s.m0; m <= s.m1; ++m) per_pc += map_.weight_bytes_per_pc(m);
    const uint64_t head = std::min(per_pc, window_per_pc_);
    s.head.reqs.clear();
    s.tail.reqs.clear();
    map_.weight_range(s.m0, s.m1, 0, head, s.head.reqs);
    if (head > 0) clk_.wait_until(s.loaded_at + request_cycles_);
    hbm->submit(s.head);
    if (!s.pe_started) sc_core::wait(s.pe_start);
    if (per_pc > head) clk_.wait_until(s.pe_started_at + request_cycles_);  // an empty tail: nothing to request
    map_.weight_range(s.m0, s.m1, head, per_pc - head, s.tail.reqs);
    hbm->submit(s.tail);
    s.tail_issued = true;
    s.tail_ev.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace skipopu

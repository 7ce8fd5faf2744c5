#include "skipopu/kv_store_engine.hpp"

#include <algorithm>

namespace skipopu {

KvStoreEngine::KvStoreEngine(sc_core::sc_module_name name, const CoreClock& clk, uint32_t pcs, uint64_t beat_bytes)
    : sc_module(name), clk_(clk), beat_bytes_(beat_bytes), port_job_(pcs) {
  // one write master per port, one port per pseudo-channel (RequestList: port = pc)
  for (auto& j : port_job_) j.init(pcs, Traffic::KvWrite);
  SC_HAS_PROCESS(KvStoreEngine);
  SC_THREAD(run);
}

void KvStoreEngine::accept() {
  while (busy_) sc_core::wait(idle_ev_);
}

void KvStoreEngine::start() {
  sc_assert(!busy_);
  busy_ = true;
  ++stores_;
  start_ev_.notify(sc_core::SC_ZERO_TIME);
}

void KvStoreEngine::walk_reads(uint64_t start, const std::vector<timing::TableReadRun>& runs, uint64_t stride) {
  walk_start_ = start;
  walk_stride_ = stride;
  walk_runs_.assign(runs.begin(), runs.end());
}

// A table read asked for in cycle x is granted in the first cycle >= x the walk does not read the
// table. The walk registers its reads at its start (walk_reads), which is never before its
// reads, so the decision for cycle x waits until every thread of cycle x has run (x + 1): an
// attention that starts at x has said so by then. An attention starts only after the previous
// one's last table read, so the latest registered walk is the only one that can hold cycle x.
uint64_t KvStoreEngine::table_grant(uint64_t x) {
  for (;;) {
    if (clk_.now() < x + 1) clk_.wait_until(x + 1);
    bool held = false;
    uint64_t run_end = x;
    if (walk_stride_ != 0)
      for (const auto& r : walk_runs_) {
        const uint64_t f = walk_start_ + r.first, l = f + (r.count - 1) * walk_stride_;
        if (x < f) break;  // runs in increasing order
        if (x <= l && (x - f) % walk_stride_ == 0) {
          held = true;
          run_end = l;
          break;
        }
      }
    if (!held) return x;
    x = walk_stride_ == 1 ? run_end + 1 : x + 1;
  }
}

void KvStoreEngine::run() {
  for (;;) {
    sc_core::wait(start_ev_);
    const uint64_t s0 = clk_.now();
    uint64_t x = s0 + 1;  // the first token's table read (K_RD)
    uint64_t last = s0;   // the last token's K_NEXT (the store's end state follows it)
    for (size_t k = 0; k < work_.tokens(); ++k) {
      const uint64_t g = table_grant(x);
      table_wait_ += g - x;
      uint64_t c = g + 2;  // read, classify: the earliest handshake (or, not own, K_NEXT)
      for (uint32_t p = work_.begin[k]; p < work_.begin[k + 1]; ++p) {
        const hbm::Request& r = work_.pieces[p];
        HbmJob& j = port_job_[r.port];
        if (j.busy()) hbm->wait_for(j);  // the port's previous write answered (at j.done; 0: none yet)
        const uint64_t h = std::max(c, j.done == 0 ? 0 : j.done + 1);
        port_wait_ += h - c;
        if (clk_.now() < h + 1) clk_.wait_until(h + 1);  // the command's address
        j.instr = work_.instr;
        j.reqs.clear();
        j.reqs.add(r.pc, r.addr, r.bytes, true);
        hbm->submit(j);
        ++writes_;
        c = h + 2 + timing::ceil_div(r.bytes, beat_bytes_);  // after the last data beat
      }
      last = c;
      x = c + 1;
    }
    // The end state, left once every port's writes are answered; idle the cycle after.
    uint64_t end = last + 1;
    for (HbmJob& j : port_job_) {
      if (j.busy()) hbm->wait_for(j);
      if (j.done != 0) end = std::max(end, j.done + 1);
    }
    const uint64_t idle = end + 1;
    if (clk_.now() < idle) clk_.wait_until(idle);
    busy_cycles_ += idle - s0 - 1;  // not idle: from the first table read to the end state's last cycle
    busy_ = false;
    idle_ev_.notify(sc_core::SC_ZERO_TIME);
  }
}

void KvStoreEngine::report(StatGroup& g) const {
  g.add("stores", stores_, "count", "KV_STOREs run");
  g.add("writes", writes_, "count", "HBM write commands (an entry's pieces, one port at a time)");
  g.add("busy_cycles", busy_cycles_, "cycle",
        "cycles the engine is not idle: from a KV_STORE's first table read (the cycle after it is taken) to the "
        "last cycle of its end state (its writes answered)");
  g.add("table_wait_cycles", table_wait_, "cycle", "cycles the store waited for the entry table (the walk reading it)");
  g.add("port_wait_cycles", port_wait_, "cycle",
        "cycles a write waited for its port's previous write to be answered (one outstanding write a port)");
}

}  // namespace skipopu

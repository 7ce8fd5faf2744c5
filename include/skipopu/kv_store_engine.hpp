// KvStoreEngine: KV_STORE, writing a step's freshly computed K/V entries of one layer to HBM
// (the generated processor's KV_STORE engine and its AXI write masters, src/rtl/generator_top.cpp
// and generator_axi.cpp; docs/rtl.md step 27).
//
// Models: one store at a time: the controller's KV_STORE is taken only when the engine is idle,
// i.e. the previous store's every write has been answered. From the cycle after it is taken, the
// engine reads the K/V entry table once per token of the step, in token order, in a cycle the
// attention's walk does not read it (the walk has the table first; it says when it reads it,
// walk_reads). A token whose entry is not this layer's own costs 3 cycles (read, classify, next).
// An own entry is written piece by piece (one piece on the generated processor's layouts, where
// an entry lives on one port): a piece's command handshake is at the earliest 2 cycles after the
// table read (or the cycle after the previous piece's last data beat) and once its port's
// previous write has been answered (the write master takes a command only with nothing
// outstanding): answered at d, handshake d + 1. The command's address goes to the HBM the cycle
// after the handshake (its request time), its data beats (hbm.beat_bytes each) one a cycle from
// the cycle after that; the next token's table read follows the last beat by 2 cycles.
// Abstracts away: the buffer fill engine's table reads (KV_PREFETCH's, which come before the
// store's in the generated table arbiter), the W channel's back-pressure (beats taken one a
// cycle), and the history buffer's capture of the written data (KvHistoryBuffer's own model).
#pragma once
#include <systemc>
#include <vector>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/hbm_block.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu/stats.hpp"
#include "skipopu/timing.hpp"

namespace skipopu {

// A store: per token of the step, its entry's write pieces (none: not this layer's own entry).
struct KvStoreWork {
  uint32_t instr = HbmJob::kNoInstr;  // the KV_STORE's program counter (timeline)
  std::vector<uint32_t> begin{0};     // token k's pieces: pieces[begin[k] .. begin[k + 1])
  std::vector<hbm::Request> pieces;   // pc, addr, bytes (write)
  void clear() {
    begin.assign(1, 0);
    pieces.clear();
  }
  size_t tokens() const { return begin.size() - 1; }
};

class KvStoreEngine : public sc_core::sc_module {
 public:
  KvStoreEngine(sc_core::sc_module_name name, const CoreClock& clk, uint32_t pcs, uint64_t beat_bytes);

  // The controller's KV_STORE: blocks until the engine takes a store, then hands it `work()`
  // (filled after accept() returns) with start(); it runs from the current cycle.
  void accept();
  KvStoreWork& work() { return work_; }
  void start();
  // The attention's walk reads the entry table in these cycles (runs of `stride`-spaced
  // cycles after `start`, timing::kv_walk); they replace the previous attention's.
  void walk_reads(uint64_t start, const std::vector<timing::TableReadRun>& runs, uint64_t stride);
  // Blocks until every store's every write has been answered (the run's end).
  void drain() { accept(); }
  void report(StatGroup& g) const;

  sc_core::sc_port<HbmIf> hbm;

 private:
  void run();
  uint64_t table_grant(uint64_t x);  // the first cycle >= x the walk leaves the table to the store
  const CoreClock& clk_;
  uint64_t beat_bytes_;
  KvStoreWork work_;
  std::vector<HbmJob> port_job_;  // per port: its one outstanding write (done: its last answer)
  bool busy_ = false;
  sc_core::sc_event start_ev_, idle_ev_;
  uint64_t walk_start_ = 0, walk_stride_ = 0;
  std::vector<timing::TableReadRun> walk_runs_;
  // stats
  uint64_t stores_ = 0, writes_ = 0, busy_cycles_ = 0, table_wait_ = 0, port_wait_ = 0;
};

}  // namespace skipopu

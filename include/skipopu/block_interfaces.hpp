// The transaction-level interfaces between the blocks.
//
// Models: what one block asks of another, and nothing else. The controller reaches every
// compute block (PE array, router, nonlinear unit) through an sc_port of one of these
// interfaces, never through the concrete class; the PE array in turn reaches the weight
// DMA, the nonlinear unit and the HBM only through its own ports. Each call is a blocking
// transaction: it returns in the caller's thread when the callee has finished the
// operation, at the cycle the hardware would finish it. A block is thus replaceable by
// anything that implements its interface -- in particular by a transactor that drives a
// Verilator --sc model of the generated RTL pin by pin (valid/ready, clocked by the core
// clock) and returns when the RTL signals done; the cycle counts of the two must then
// agree exactly. Which implementation each compute block uses is chosen by name in the
// config ("blocks", block_registry.hpp).
// Abstracts away: the pins (valid/ready, data buses) themselves: a transaction carries
// sizes and times, not operand values.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <systemc>

#include "skipopu/config.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/stats.hpp"
#include "skipopu/timing.hpp"

namespace skipopu {

struct HbmJob;

// One matrix of a fused GEMM and the tokens that multiply it.
using GemmPart = timing::GemmPart;

// Which requests of an attention's K/V job carry each context entry, in stream (token)
// order: entry e's pieces are pieces[begin[e] .. begin[e+1]). An entry without pieces is
// on chip: a history-buffer hit, visible at on_chip[e] (the cycle the buffer's read ports
// have delivered it, KvHistoryBuffer::read_done), or the decode query's own fresh entry
// (on_chip 0: ready at the start). An entry is visible at the later of on_chip[e] and
// its pieces' arrivals.
struct KvStreamLayout {
  std::vector<uint32_t> begin{0};
  std::vector<RequestPiece> pieces;
  std::vector<uint64_t> on_chip;
  void clear() {
    begin.assign(1, 0);
    pieces.clear();
    on_chip.clear();
  }
  void end_entry(uint64_t on_chip_at = 0) {
    begin.push_back(static_cast<uint32_t>(pieces.size()));
    on_chip.push_back(on_chip_at);
  }
  size_t entries() const { return begin.size() - 1; }
};

// Attention of a step at one layer: context[i] = number of context entries query i
// attends to (itself included). K/V arrive through an HBM job (or the history buffer);
// `kv` says which of the job's requests carries each entry (required).
struct AttentionWork {
  timing::AttentionShape shape;
  uint32_t fused_latency = 0;  // online softmax pipeline (fusion on)
  const KvStreamLayout* kv = nullptr;
  // Unfused kv_split: `kv` carries the K halves and `v` the V halves of the same entries
  // (both in the one job); null otherwise.
  const KvStreamLayout* v = nullptr;
  // When the array requests each of the K/V job's requests, in core cycles after the
  // attention's start (the gather engine's request path and walk, kv.request_cycles and
  // kv.walk_cycles_per_token; non-decreasing, one per request); null: all at the start.
  const uint64_t* kv_at = nullptr;
  // Cycles after the attention's start before which its step engine takes no entry: a
  // prefill's, which knows its queries only when the walk over the context is over
  // (timing::kv_walk's end; the generated step engine's `c_go` waits for A_FL); 0 for decode.
  uint64_t steps_from = 0;
};

// When the data of a stream became visible to its consumer (core cycles).
struct StreamArrival {
  uint64_t first = 0;  // the first data of every pseudo-channel's request
  uint64_t last = 0;   // all of it
};

// The HBM as its clients see it: submit a job at the current cycle, wait for it.
class HbmIf : public virtual sc_core::sc_interface {
 public:
  // Submits the job's requests at the current core cycle (an empty job completes now).
  virtual void submit(HbmJob& job) = 0;
  // The job's requests [begin, end) at the current core cycle: a job requested over several
  // cycles (the attention's K/V walk). The call with begin 0 starts the job; it is busy until
  // every request is submitted and done. The default takes none (an HBM without it).
  virtual void submit_part(HbmJob& job, size_t begin, size_t end) {
    (void)job;
    (void)begin;
    (void)end;
    throw std::logic_error("this HBM takes no job in parts");
  }
  // Blocks the calling thread until the job has completed.
  virtual void wait_for(HbmJob& job) = 0;
  // Early data, for the AXI slave transactor of blocks.top=rtl (src/rtl_sim/axi_hbm_slave.hpp),
  // which hands a read burst's beats on as the DRAM delivers them: keep_known() once, before
  // any submit; then data_known(job, first, done) says whether the data times of a job of one
  // request are fixed (hbm::Model::known), perhaps before they come, and gives them (core
  // cycles, as HbmJob::first and done will be at its completion). The default knows nothing
  // early (the caller waits for the job's completion).
  virtual void keep_known() {}
  virtual bool data_known(HbmJob& job, uint64_t& first, uint64_t& done) {
    (void)job;
    (void)first;
    (void)done;
    return false;
  }
  // The same transactor, once before any submit: its every request is one burst at its own
  // address handshake, made by the design's masters, whose command gaps are in those cycles
  // (hbm::Model::bursts_at_handshakes). The default has none to drop.
  virtual void bursts_at_handshakes() {}
  // The core cycle (>= now) at which a read or write request of `port` submitted at core cycle
  // `now` would send its first burst address, i.e. when the port's AXI master takes it
  // (hbm::Model::command_start through the clock crossing): EMBED holds a request a port until
  // then, as the generated processor does (docs/rtl.md step 22). The default: `now`.
  virtual uint64_t command_start(uint32_t port, bool write, uint64_t now) {
    (void)port;
    (void)write;
    return now;
  }
};

// The weight DMA as the PE array sees it: weight streams are consumed in LOADW order.
class WeightStreamIf : public virtual sc_core::sc_interface {
 public:
  // The consumer starts on the next weight stream (the DMA may now issue the part beyond
  // its prefetch window); blocks until the whole stream is visible and says when its first
  // and last data were.
  virtual StreamArrival consume_next() = 0;
};

class PeArrayIf : public virtual sc_core::sc_interface {
 public:
  // GEMM over the next weight stream of the weight DMA (parts in stream order).
  virtual void gemm(const GemmPart* parts, size_t nparts, uint32_t fused_latency) = 0;
  // Attention over K/V arriving with `kv`, which the array submits (as w.kv_at says).
  virtual void attention(const AttentionWork& w, HbmJob& kv, bool fusion) = 0;
  virtual void report(StatGroup& g, uint64_t total_cycles) const = 0;
  virtual const char* implementation() const = 0;  // the registered name ("systemc", ...)
};

class RouterIf : public virtual sc_core::sc_interface {
 public:
  // Routes `tokens` vectors of `d` elements for one module (0 attention, 1 MLP) of a layer.
  virtual void route(uint32_t layer, uint32_t module, uint64_t tokens, uint64_t d) = 0;
  virtual void report(StatGroup& g, uint64_t total_cycles) const = 0;
  virtual const char* implementation() const = 0;
};

class NonlinearIf : public virtual sc_core::sc_interface {
 public:
  // One pass of an unfused nonlinear operation over `elems` elements.
  virtual void run(const UnitTiming& t, uint64_t elems) = 0;
  // The same pass scheduled from core cycle `from`, which may lie before the current time:
  // the PE array's closed forms know when its input was complete (the attention's softmax
  // after Q.K^T, while the V stream still arrives) only once the K/V job is done. Returns
  // the pass's end without waiting; the caller waits. Sound because the controller issues
  // one instruction at a time: nothing else uses the unit between `from` and now.
  virtual uint64_t pass_from(const UnitTiming& t, uint64_t elems, uint64_t from) = 0;
  virtual void report(StatGroup& g, uint64_t total_cycles) const = 0;
  virtual const char* implementation() const = 0;
};

}  // namespace skipopu

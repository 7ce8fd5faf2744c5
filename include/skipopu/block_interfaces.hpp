// The transaction-level interfaces between the controller and the compute blocks.
//
// The controller reaches every compute block through an sc_port of one of these
// interfaces, never through the concrete class. Each call is a blocking transaction: it
// returns in the caller's thread when the block has finished the operation, at the cycle
// the hardware would finish it. A block is thus replaceable by anything that implements
// the interface -- in particular by a transactor that drives a Verilator --sc model of the
// generated RTL pin by pin (valid/ready, clocked by the core clock) and returns when the
// RTL signals done. The cycle counts the two report must then agree exactly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <systemc>

#include "skipopu/config.hpp"
#include "skipopu/stats.hpp"

namespace skipopu {

struct HbmJob;

// One matrix of a fused GEMM and the tokens that multiply it.
struct GemmPart {
  uint64_t k = 0, n = 0, tokens = 0;
};

// Attention of a step at one layer: queries[i] = number of context entries query i
// attends to (itself included). K/V arrive through an HBM job (or the history buffer).
struct AttentionWork {
  uint32_t heads = 0, head_dim = 0;
  const uint64_t* context = nullptr;
  size_t queries = 0;
  uint32_t fused_latency = 0;  // online softmax pipeline (fusion on)
};

class PeArrayIf : public virtual sc_core::sc_interface {
 public:
  // GEMM over weight stream `seq` of the weight DMA (parts in stream order).
  virtual void gemm(uint64_t seq, const GemmPart* parts, size_t nparts, uint32_t fused_latency) = 0;
  // Attention over K/V arriving with `kv` (already submitted to the HBM).
  virtual void attention(const AttentionWork& w, HbmJob& kv, bool fusion) = 0;
  virtual void report(StatGroup& g, uint64_t total_cycles) const = 0;
};

class RouterIf : public virtual sc_core::sc_interface {
 public:
  // Routes `tokens` vectors of `d` elements for one module (0 attention, 1 MLP) of a layer.
  virtual void route(uint32_t layer, uint32_t module, uint64_t tokens, uint64_t d) = 0;
  virtual void report(StatGroup& g, uint64_t total_cycles) const = 0;
};

class NonlinearIf : public virtual sc_core::sc_interface {
 public:
  // One pass of an unfused nonlinear operation over `elems` elements.
  virtual void run(const UnitTiming& t, uint64_t elems) = 0;
  virtual void report(StatGroup& g, uint64_t total_cycles) const = 0;
};

}  // namespace skipopu

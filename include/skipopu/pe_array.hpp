// PeArray: the float-fixed hybrid PE array (rows x cols multipliers per cycle).
//
// Models: GEMM (FP16 activations x INT weights) weight-stationary over rows x cols tiles
// with the weight stream overlapped (timing::overlap_finish), and attention's Q.K^T and
// P.V (FP16 x FP16) with the K/V stream overlapped; with fusion, softmax runs online in
// the same pass and only its pipeline latency shows. The products per DSP48E2 come from
// the configured packing layouts (DSP datapath, include/skipopu/dsp/); the array checks
// that rows*cols products fit its DSPs.
// Abstracts away: operand values (timing only here; numerics are in the DSP library) and
// the per-column accumulator tree (folded into pipeline_latency).
#pragma once
#include <systemc>

#include "skipopu/config.hpp"
#include "skipopu/nonlinear_unit.hpp"
#include "skipopu/timing.hpp"
#include "skipopu/weight_dma.hpp"

namespace skipopu {

// One matrix of a fused GEMM and the tokens that multiply it.
struct GemmPart {
  uint64_t k = 0, n = 0, tokens = 0;
};

struct AttentionWork {
  uint64_t qk_cycles = 0, pv_cycles = 0;  // compute, summed over queries
  uint64_t tail_cycles = 0;     // compute that must follow the last K/V entry
  uint64_t softmax_elems = 0;   // scores (heads x context, summed over queries)
  uint32_t fused_latency = 0;   // online softmax pipeline (fusion on)
};

class PeArray : public sc_core::sc_module {
 public:
  PeArray(sc_core::sc_module_name name, const HardwareConfig& cfg, const CoreClock& clk, HbmBlock& hbm,
          WeightDma& dma, NonlinearUnit& nl);

  timing::ArrayShape shape() const { return shape_; }
  uint32_t lanes_fp16_int4() const { return lanes_w_; }
  uint32_t lanes_fp16_fp16() const { return lanes_a_; }

  // GEMM over weight stream `seq` (parts in stream order); blocks the caller until done.
  void gemm(uint64_t seq, const GemmPart* parts, size_t nparts, uint32_t fused_latency);
  // Attention over K/V arriving with `kv` (already submitted); blocks until done.
  void attention(const AttentionWork& w, HbmJob& kv, bool fusion);

  void report(StatGroup& g, uint64_t total_cycles) const;

 private:
  const HardwareConfig& cfg_;
  const CoreClock& clk_;
  HbmBlock& hbm_;
  WeightDma& dma_;
  NonlinearUnit& nl_;
  timing::ArrayShape shape_;
  uint32_t lanes_w_ = 0, lanes_a_ = 0;
  uint64_t busy_ = 0, stall_ = 0, gemms_ = 0, attns_ = 0, macs_ = 0, latency_ = 0;
};

}  // namespace skipopu

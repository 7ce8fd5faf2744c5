// PeArray: the float-fixed hybrid PE array (rows x cols multipliers per cycle).
//
// Models: GEMM (FP16 activations x INT weights) weight-stationary over rows x cols tiles
// with the weight stream overlapped (timing::overlap_finish), and attention's Q.K^T and
// P.V (FP16 x FP16) following the K/V stream entry by entry: each context entry is
// visible when the last byte of its pieces arrives (linearly inside each HBM request),
// and the tile steps run as their entries become visible (timing::attention_stream_finish);
// with fusion, softmax runs online in the same pass and only its pipeline latency shows. The products per DSP48E2 come from
// the configured packing layouts (DSP datapath, include/skipopu/dsp/); the array checks
// that rows*cols products fit its DSPs.
// The weight buffer reads a tile (rows x cols weights and their group scales) out in
// ceil(tile bytes / pe_array.weight_buffer_bytes) cycles, so a tile step with tokens lasts
// at least that long (timing::gemm_work; 0: no limit).
// A GEMM's first tile step is pe_array.gemm_start_cycles after its issue, and a weight beat
// reaches a tile step pe_array.weight_beat_cycles after the HBM delivers it (the generated
// RTL's start latch, weight buffer output register and tile register: 1 and 2).
// Abstracts away: operand values (timing only here; numerics are in the DSP library) and
// the per-column accumulator tree (folded into pipeline_latency).
#pragma once
#include <systemc>
#include <vector>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/config.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu/timing.hpp"

namespace skipopu {

class PeArray : public sc_core::sc_module, public PeArrayIf {
 public:
  // Reaches the weight DMA, the nonlinear unit and the HBM only through its ports, which
  // are bound here to `weights`, `nl` and `hbm`.
  PeArray(sc_core::sc_module_name name, const HardwareConfig& cfg, const CoreClock& clk, WeightStreamIf& weights,
          NonlinearIf& nl, HbmIf& hbm);

  timing::ArrayShape shape() const { return shape_; }
  uint32_t lanes_fp16_int4() const { return lanes_w_; }
  uint32_t lanes_fp16_fp16() const { return lanes_a_; }

  // GEMM over the next weight stream (parts in stream order); blocks the caller until done.
  void gemm(const GemmPart* parts, size_t nparts, uint32_t fused_latency) override;
  // Attention over K/V arriving with `kv`, whose requests it submits as w.kv_at says (the
  // K/V gather's request path and walk); blocks until done.
  void attention(const AttentionWork& w, HbmJob& kv, bool fusion) override;

  void report(StatGroup& g, uint64_t total_cycles) const override;
  const char* implementation() const override { return "systemc"; }

  sc_core::sc_port<WeightStreamIf> weights;  // weight streams, in LOADW order
  sc_core::sc_port<NonlinearIf> nonlinear;   // unfused softmax passes
  sc_core::sc_port<HbmIf> hbm;               // waits for the K/V stream of an attention

 protected:  // the rtl transactors (src/rtl_sim/) derive from the block
  // The last tile step's end (pipeline latency excluded) of a GEMM issued at `start` over a
  // stream that arrived as `in` says (timing::gemm_finish with the start and beat latencies).
  // Submits the K/V job: request i at start + a.kv_at[i] (all at once without kv_at).
  void request_kv(const AttentionWork& a, HbmJob& kv, uint64_t start);
  uint64_t gemm_end(uint64_t start, const StreamArrival& in, const timing::GemmWork& w) const;
  // Counts a GEMM issued at `start` whose last tile step ends at `end` (gemm_end: pipeline
  // latency excluded) with fused_latency after it; returns the cycle it is done.
  uint64_t count_gemm(uint64_t start, uint64_t end, const timing::GemmWork& w, uint32_t fused_latency);
  const HardwareConfig& cfg_;
  const CoreClock& clk_;
  timing::ArrayShape shape_;
  uint32_t lanes_w_ = 0, lanes_a_ = 0;
  uint64_t tile_read_ = 0;  // cycles the weight buffer takes to read one tile out (0: no limit)
  std::vector<uint64_t> ready_;  // per context entry of the current attention: visible at
  uint64_t busy_ = 0, stall_ = 0, gemms_ = 0, attns_ = 0, macs_ = 0, latency_ = 0;
  // Per instruction kind, as the generated processor's units count them (rtl_top: pe_run,
  // pe_fire, the attention walk's state), so blocks.top=rtl compares them one to one.
  uint64_t gemm_compute_ = 0, gemm_run_ = 0, gemm_wait_ = 0, attn_cycles_ = 0;
};

}  // namespace skipopu

// NonlinearUnit: the nonlinear processing engine (RMSNorm, softmax, SwiGLU, RoPE,
// residual add, argmax), each operation split into its reduction part and its
// element-wise part with its own throughput and latency (config "nonlinear").
//
// Models: an operation the compiler did not fuse runs here as its own pass:
// ceil(elements / elems_per_cycle) + latency cycles, blocking the instruction stream.
// Fused operations never reach this unit: their latency is added to the neighbouring
// GEMM/attention/router pipeline instead (program.hpp, fused_latency).
// Abstracts away: the arithmetic (exp, rsqrt) itself.
#pragma once
#include <systemc>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/config.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu/stats.hpp"

namespace skipopu {

class NonlinearUnit : public sc_core::sc_module, public NonlinearIf {
 public:
  NonlinearUnit(sc_core::sc_module_name name, const CoreClock& clk);
  // One pass over `elems` elements; blocks the caller for its duration.
  void run(const UnitTiming& t, uint64_t elems) override;
  uint64_t pass_from(const UnitTiming& t, uint64_t elems, uint64_t from) override;
  void report(StatGroup& g, uint64_t total_cycles) const override;
  const char* implementation() const override { return "systemc"; }

 protected:  // the rtl transactors (src/rtl_sim/) derive from the block
  const CoreClock& clk_;
  uint64_t busy_ = 0, passes_ = 0;
};

}  // namespace skipopu

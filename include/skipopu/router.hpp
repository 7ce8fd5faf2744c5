// Router: SkipGPT-style linear router in front of every attention and MLP module.
//
// Models: a d->2 dot product per token at `lanes` MACs per cycle plus a pipeline latency
// (which includes the 2-way argmax); with fusion, the RMSNorm sum of squares accumulates
// in the same pass over x. Router weights live on chip, or are read from HBM per use.
// Abstracts away: the decision itself, which comes from the trace (the router outcome a
// trained model would produce).
#pragma once
#include <systemc>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/config.hpp"
#include "skipopu/hbm_block.hpp"
#include "skipopu/stats.hpp"

namespace skipopu {

class Router : public sc_core::sc_module, public RouterIf {
 public:
  // Reaches the HBM through its port, bound here to `hbm`.
  Router(sc_core::sc_module_name name, const RouterConfig& cfg, const CoreClock& clk, HbmIf& hbm,
         const MemoryMap& map);
  // Routes `tokens` token vectors of `d` elements; blocks the caller until decided.
  void route(uint32_t layer, uint32_t module, uint64_t tokens, uint64_t d) override;
  void report(StatGroup& g, uint64_t total_cycles) const override;
  const char* implementation() const override { return "systemc"; }

  sc_core::sc_port<HbmIf> hbm;  // router weights when they are not on chip

 protected:  // the rtl transactors (src/rtl_sim/) derive from the block
  const RouterConfig& cfg_;
  const CoreClock& clk_;
  const MemoryMap& map_;
  HbmJob weights_;
  uint64_t busy_ = 0, decisions_ = 0;
};

}  // namespace skipopu

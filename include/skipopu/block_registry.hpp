// BlockRegistry: every compute block is built by name from a table of registered
// implementations, as Ramulator 2 builds its components from the "impl" names of a config.
// The config's "blocks" section names one implementation per block (docs/config.md):
//   "blocks": { "pe_array": "systemc", "nonlinear": "systemc", "router": "systemc" }
// and the report says which implementation each block used (from the instance itself).
//
// Models: the choice of implementation, nothing else. Registered today: "systemc" (the
// blocks of this directory) and "rtl": transactors that run the verilated generated RTL
// (src/rtl_sim/, docs/rtl.md). Their factories come from rtl_block_factories(), which only the
// optional skipopu-rtl binary defines (at link time, replacing a weak definition that returns
// nothing); elsewhere a config naming "rtl" gets a one-line input error. A new
// implementation is one more row in the block's table in src/sim/block_registry.cpp: a
// name and a factory that builds a module implementing the block's interface
// (block_interfaces.hpp) and binds its ports to the context's channels.
// Abstracts away: nothing (no timing of its own). The tables are constant data: no global
// state, no static registration order.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/config.hpp"
#include "skipopu/kv_state.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/sequencer.hpp"
#include "skipopu/sim_clock.hpp"

namespace skipopu {

// What a factory may connect its block to.
struct BlockContext {
  const HardwareConfig& cfg;
  const CoreClock& clk;
  const MemoryMap& map;
  HbmIf& hbm;
  WeightStreamIf* weights = nullptr;  // the PE array's weight streams
  NonlinearIf* nonlinear = nullptr;   // the PE array's unfused softmax passes (build it first)
};

// What the whole-processor transactor (blocks.top "rtl") connects to: the top's HBM block (its
// public interface), the trace's K/V sources (the history rule), the core clock, the run's memory
// map (where K/V entries and embedding rows live; its K/V page allocation is the run's).
struct TopContext {
  HbmIf& hbm;
  const KvState& kv;
  const CoreClock& clk;
  MemoryMap& map;
};

// The "rtl" factories, and the config the linked RTL was generated from. Defined by
// skipopu-rtl; the standard binary's weak definition returns nullptr.
struct RtlBlockFactories {
  std::unique_ptr<PeArrayIf> (*pe_array)(const char* instance, const BlockContext& ctx);
  std::unique_ptr<NonlinearIf> (*nonlinear)(const char* instance, const BlockContext& ctx);
  std::unique_ptr<RouterIf> (*router)(const char* instance, const BlockContext& ctx);
  // blocks.controller "rtl": the verilated controller's sequencer (sequencer.hpp).
  // `wave`: a VCD file of the controller's signals (empty: none).
  std::unique_ptr<SequencerIf> (*controller)(const HardwareConfig& cfg, const ModelCard& model, const Program& program,
                                             const std::string& wave);
  // blocks.top "rtl": the verilated whole processor, its AXI ports on the top's HBM block.
  // `wave`: a VCD file of every signal of the processor (empty: none).
  std::unique_ptr<SequencerIf> (*top)(const HardwareConfig& cfg, const ModelCard& model, const Program& program,
                                      const TopContext& ctx, const std::string& wave);
};
const RtlBlockFactories* rtl_block_factories();

// The implementation names registered for `block` ("pe_array", "nonlinear", "router",
// "controller"; empty
// for any other name).
std::vector<std::string> registered_implementations(const std::string& block);

// Build the block under the instance name `block` with the implementation the config names.
std::unique_ptr<PeArrayIf> make_pe_array(const BlockContext& ctx);
std::unique_ptr<NonlinearIf> make_nonlinear(const BlockContext& ctx);
std::unique_ptr<RouterIf> make_router(const BlockContext& ctx);
// The program sequencer blocks.controller names: nullptr for "systemc" (SkipOpuTop's own);
// with blocks.top "rtl" the whole-processor transactor (`top`). `wave` (a VCD file) needs the
// rtl controller or the rtl top: an input error otherwise.
std::unique_ptr<SequencerIf> make_sequencer(const HardwareConfig& cfg, const ModelCard& model, const Program& program,
                                            const std::string& wave, const TopContext& top);

}  // namespace skipopu

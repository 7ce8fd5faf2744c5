// The controller's program sequencing as a replaceable part of SkipOpuTop (docs/rtl.md
// "Controller in the loop"): which instruction runs next (BRANCH on the routers' outcome,
// JUMP, the step loop) and the tokens each instruction works on. SkipOpuTop has its own
// (SystemC, in run_step); blocks.controller "rtl" (skipopu-rtl only) replaces it with a
// transactor around the verilated generated controller (src/rtl_sim/rtl_controller.cpp).
// Either way the instructions themselves run on the same blocks through InstrUnitsIf, and the
// sequencer is called from the top's controller thread at the cycle the step starts.
//
// Models: the interface between sequencing and execution, nothing else.
// Abstracts away: nothing (no timing of its own).
#pragma once
#include <cstdint>
#include <memory>

#include "skipopu/config.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/program.hpp"
#include "skipopu/stats.hpp"
#include "skipopu/trace.hpp"

namespace skipopu {

// One step of the replay: the prompt as a batch, or one decoded token.
struct StepDesc {
  bool prefill = false;
  uint32_t first = 0, count = 0;
  const TokenRecord* recs = nullptr;  // count records
};

// What an instruction is run with, decided by the sequencer.
struct IssueOperands {
  // EMBED, ROUTE: the step's tokens; NORM_RED: the step's (1 in the head); element-wise passes
  // and GEMM: m, the tokens on the module's path (1 in the head); ARGMAX: 1; KV_PREFETCH: the
  // tokens that ran this layer's attention (the prefetch is issued only when some did).
  uint64_t tokens = 0;
  uint64_t tokens_kv = 0;  // GEMM: its K/V projection part (dense policy: the step's tokens)
};

// Implemented by SkipOpuTop: runs instruction pc of the current step on its block and returns
// when the controller may go on (blocking instructions: at their end; the others at once, or
// when their engine takes them).
class InstrUnitsIf {
 public:
  virtual ~InstrUnitsIf() = default;
  virtual void issue(uint32_t pc, const IssueOperands& ops) = 0;
  // blocks.top "rtl": instruction pc was issued by the RTL processor at the current cycle and
  // runs there (not on the blocks); the top only records it (the timeline's instruction slices).
  virtual void note_issue(uint32_t pc) = 0;
};

class SequencerIf {
 public:
  virtual ~SequencerIf() = default;
  // Runs the step's program from pc 0 to its end; returns at the cycle it ends.
  virtual void run_step(const StepDesc& s, InstrUnitsIf& units) = 0;
  // After the last step.
  virtual void finish() = 0;
  virtual const char* implementation() const = 0;
  // The "blocks" key it implements: "controller", or "top" (the whole processor).
  virtual const char* block() const { return "controller"; }
  // Its own statistics (blocks.top "rtl": the RTL units' busy and stall cycles); none by default.
  virtual void report(StatGroup& root) const { (void)root; }
};

// The tokens instruction `in` works on (IssueOperands) given the step's tokens, the tokens on
// the module's path and those that ran the layer's attention.
IssueOperands instr_operands(const Instr& in, uint32_t layers, bool dense, uint64_t all, uint64_t m_path,
                             uint64_t m_attn);

}  // namespace skipopu

// The overlay program: SkipOPU is instruction driven (one bitstream, many models). The
// compiler turns a model card and a hardware config into one instruction stream per
// token step; each module's block is guarded by a BRANCH on its router's outcome, which
// the controller resolves at run time (in the simulator: from the trace).
//
// Instruction set (docs/isa.md has the full description):
//   EMBED                     read the step's token embeddings from HBM
//   ROUTE    l, mod           router dot product d->2 for module mod (attn|mlp) of layer l;
//                             with fusion the RMSNorm sum of squares rides along
//   BRANCH   l, mod, target   skip to target if the router said "skip" (per token)
//   NORM_RED / NORM_APPLY     RMSNorm parts on the nonlinear unit (only without fusion)
//   LOADW    m0..m1           weight DMA streams matrices m0..m1 into the weight buffer
//   GEMM     m0..m1           PE array consumes them (FP16 activations x INT weights)
//   ROPE / SWIGLU / RESADD    element-wise ops on the nonlinear unit (only without fusion)
//   KV_STORE l                write this step's K/V entries of layer l to HBM
//   KV_PREFETCH l             history buffer fetches the reused entries layer l will need
//   ATTN     l                Q.K^T, softmax, P.V over the context (FP16 x FP16)
//   ARGMAX                    over the logits (only without fusion)
//   JUMP     target
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/config.hpp"
#include "skipopu/model_card.hpp"

namespace skipopu {

enum class Op : uint8_t {
  Embed, Route, Branch, NormReduce, NormApply, LoadW, Gemm, Rope, Swiglu, Residual,
  KvStore, KvPrefetch, Attention, Argmax, Jump
};
enum class Module : uint8_t { Attn = 0, Mlp = 1, None = 2 };

const char* to_string(Op op);
// Whether the controller waits for the instruction's end before the next issue (EMBED, ROUTE,
// the nonlinear passes, GEMM, ATTN, ARGMAX); LOADW, KV_STORE, KV_PREFETCH are handed to their
// engines, BRANCH and JUMP resolved by the controller (docs/isa.md).
bool blocking(Op op);

// One weight matrix as stored in HBM: K inputs x N outputs, `bits` per weight plus
// per-group scale/zero point.
struct Matrix {
  std::string name;  // "L3.qkv", "lm_head"
  uint32_t layer = 0;
  uint64_t k = 0, n = 0;
  uint64_t bytes = 0;
  bool kv_proj = false;  // K/V projection: runs for every token under the dense policy
};

struct Instr {
  Op op = Op::Jump;
  Module module = Module::None;
  uint32_t layer = 0;
  uint32_t m0 = 0, m1 = 0;  // matrix range [m0, m1] for LOADW / GEMM
  uint32_t target = 0;      // BRANCH / JUMP
  uint64_t elems = 0;       // per-token element count for nonlinear ops / ROUTE
  uint32_t fused_latency = 0;  // with fusion: pipeline latency of the element-wise ops folded in
  // Which module's code this is (attention: from its norm/router to the MLP's; MLP: to the
  // next layer; None: embedding and head): the controller's module_cycles statistics.
  Module part = Module::None;
};

struct Program {
  std::vector<Matrix> matrices;
  std::vector<Instr> code;
  uint64_t total_weight_bytes() const;
  std::string listing() const;  // human-readable disassembly
};

Program compile_program(const ModelCard& m, const HardwareConfig& c);

}  // namespace skipopu

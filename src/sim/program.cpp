#include "skipopu/program.hpp"

#include <sstream>

#include "skipopu/sizes.hpp"

namespace skipopu {

bool blocking(Op op) {
  switch (op) {
    case Op::Branch: case Op::Jump: case Op::LoadW: case Op::KvStore: case Op::KvPrefetch: return false;
    default: return true;
  }
}

const char* to_string(Op op) {
  switch (op) {
    case Op::Embed: return "EMBED";
    case Op::Route: return "ROUTE";
    case Op::Branch: return "BRANCH";
    case Op::NormReduce: return "NORM_RED";
    case Op::NormApply: return "NORM_APPLY";
    case Op::LoadW: return "LOADW";
    case Op::Gemm: return "GEMM";
    case Op::Rope: return "ROPE";
    case Op::Swiglu: return "SWIGLU";
    case Op::Residual: return "RESADD";
    case Op::KvStore: return "KV_STORE";
    case Op::KvPrefetch: return "KV_PREFETCH";
    case Op::Attention: return "ATTN";
    case Op::Argmax: return "ARGMAX";
    case Op::Jump: return "JUMP";
  }
  return "?";
}

uint64_t Program::total_weight_bytes() const {
  uint64_t b = 0;
  for (const auto& m : matrices) b += m.bytes;
  return b;
}

std::string Program::listing() const {
  std::ostringstream os;
  for (size_t pc = 0; pc < code.size(); ++pc) {
    const Instr& i = code[pc];
    os << pc << ": " << to_string(i.op);
    if (i.module != Module::None) os << " L" << i.layer << (i.module == Module::Attn ? ".attn" : ".mlp");
    else if (i.op == Op::KvStore || i.op == Op::KvPrefetch || i.op == Op::Attention) os << " L" << i.layer;
    if (i.op == Op::LoadW || i.op == Op::Gemm) {
      os << " " << matrices[i.m0].name;
      if (i.m1 != i.m0) os << ".." << matrices[i.m1].name;
    }
    if (i.op == Op::Branch || i.op == Op::Jump) os << " -> " << i.target;
    if (i.elems) os << " elems=" << i.elems;
    os << "\n";
  }
  return os.str();
}

namespace {

struct Builder {
  Program p;
  const HardwareConfig& c;
  Module part = Module::None;  // the module whose code is being emitted
  explicit Builder(const HardwareConfig& cfg) : c(cfg) {}

  uint32_t matrix(const std::string& name, uint32_t layer, uint64_t k, uint64_t n, uint32_t bits) {
    Matrix m;
    m.name = name; m.layer = layer; m.k = k; m.n = n;
    m.bytes = sizes::matrix_bytes(c.weights, k, n, bits);
    p.matrices.push_back(m);
    return static_cast<uint32_t>(p.matrices.size() - 1);
  }
  size_t emit(Op op, Module mod = Module::None, uint32_t layer = 0, uint64_t elems = 0) {
    Instr i;
    i.op = op; i.module = mod; i.layer = layer; i.elems = elems; i.part = part;
    p.code.push_back(i);
    return p.code.size() - 1;
  }
  void mats(Op op, uint32_t m0, uint32_t m1) {
    const size_t at = emit(op, Module::None, p.matrices[m0].layer);
    p.code[at].m0 = m0; p.code[at].m1 = m1;
  }
  // GEMM with the element-wise stages that fusion folds into its input and output.
  void gemm(uint32_t m0, uint32_t m1, std::initializer_list<const UnitTiming*> fused) {
    mats(Op::Gemm, m0, m1);
    if (c.fusion)
      for (const UnitTiming* u : fused) p.code.back().fused_latency += u->latency;
  }
  void unfused(Op op, uint32_t layer, uint64_t elems) {
    if (!c.fusion) emit(op, Module::None, layer, elems);
  }
};

}  // namespace

Program compile_program(const ModelCard& m, const HardwareConfig& c) {
  Builder b(c);
  const uint32_t wb = c.weights.bits;
  const uint64_t d = m.d_model;
  const auto lay = sizes::layer_matrices(m);
  b.emit(Op::Embed, Module::None, 0, d);
  for (uint32_t l = 0; l < m.layers; ++l) {
    const std::string L = "L" + std::to_string(l) + ".";
    // Weights are stored K/V projection first, so the dense policy can stream K/V alone.
    uint32_t id[sizes::kLayerMatrices];
    for (size_t i = 0; i < lay.size(); ++i) id[i] = b.matrix(L + lay[i].name, l, lay[i].k, lay[i].n, wb);
    const uint32_t kv = id[sizes::kKvProj], q = id[sizes::kQProj], o = id[sizes::kOProj];
    const uint32_t gu = id[sizes::kGateUp], dn = id[sizes::kDown];
    b.p.matrices[kv].kv_proj = true;

    // ---- attention module
    b.part = Module::Attn;
    b.unfused(Op::NormReduce, l, d);
    b.emit(Op::Route, Module::Attn, l, d);
    const size_t br = b.emit(Op::Branch, Module::Attn, l);
    if (c.kv.policy == KvPolicy::Reuse && l + 1 < m.layers) b.emit(Op::KvPrefetch, Module::None, l + 1);
    b.mats(Op::LoadW, kv, q);
    b.mats(Op::LoadW, o, o);
    b.unfused(Op::NormApply, l, d);
    b.gemm(kv, q, {&c.nl.rmsnorm_apply, &c.nl.rope});
    b.unfused(Op::Rope, l, m.q_dim() + m.kv_dim());
    b.emit(Op::KvStore, Module::None, l);
    b.emit(Op::Attention, Module::None, l);
    if (c.fusion) b.p.code.back().fused_latency = c.nl.softmax_reduce.latency + c.nl.softmax_apply.latency;
    b.gemm(o, o, {&c.nl.residual});
    b.unfused(Op::Residual, l, d);
    const size_t jmp = b.emit(Op::Jump, Module::None, l);
    b.p.code[br].target = static_cast<uint32_t>(b.p.code.size());
    if (c.kv.policy == KvPolicy::Reuse && l + 1 < m.layers) b.emit(Op::KvPrefetch, Module::None, l + 1);
    if (c.kv.policy == KvPolicy::Dense) {
      // SkipGPT-style kernels keep K/V projections dense: K/V exist for every token.
      b.mats(Op::LoadW, kv, kv);
      b.unfused(Op::NormApply, l, d);
      b.gemm(kv, kv, {&c.nl.rmsnorm_apply, &c.nl.rope});
      b.unfused(Op::Rope, l, m.kv_dim());
      b.emit(Op::KvStore, Module::None, l);
    }
    if (b.p.code.size() == b.p.code[br].target) {
      // Empty skip path: no JUMP over it.
      b.p.code.pop_back();
      b.p.code[br].target = static_cast<uint32_t>(b.p.code.size());
    } else {
      b.p.code[jmp].target = static_cast<uint32_t>(b.p.code.size());
    }

    // ---- MLP module
    b.part = Module::Mlp;
    b.unfused(Op::NormReduce, l, d);
    b.emit(Op::Route, Module::Mlp, l, d);
    const size_t brm = b.emit(Op::Branch, Module::Mlp, l);
    b.mats(Op::LoadW, gu, gu);
    b.mats(Op::LoadW, dn, dn);
    b.unfused(Op::NormApply, l, d);
    b.gemm(gu, gu, {&c.nl.rmsnorm_apply, &c.nl.swiglu});
    b.unfused(Op::Swiglu, l, m.d_ff);
    b.gemm(dn, dn, {&c.nl.residual});
    b.unfused(Op::Residual, l, d);
    b.p.code[brm].target = static_cast<uint32_t>(b.p.code.size());
  }
  // Final norm, LM head, argmax.
  b.part = Module::None;
  const sizes::MatrixShape hs = sizes::lm_head(m);
  const uint32_t head = b.matrix(hs.name, m.layers, hs.k, hs.n, c.weights.lm_head_bits);
  b.unfused(Op::NormReduce, m.layers, d);
  b.mats(Op::LoadW, head, head);
  b.unfused(Op::NormApply, m.layers, d);
  b.gemm(head, head, {&c.nl.rmsnorm_apply, &c.nl.argmax});
  b.unfused(Op::Argmax, m.layers, m.vocab);
  return b.p;
}

}  // namespace skipopu

// The controller's binary encoding of the overlay program (include/skipopu/rtl/controller.hpp,
// docs/rtl.md "Controller"): every field of every instruction read back from its bits, the
// issue-chain width, the refusal of a value that does not fit.
#include <catch2/catch.hpp>

#include "sim_test_util.hpp"
#include "skipopu/program.hpp"
#include "skipopu/rtl/controller.hpp"

using namespace skipopu;
using skipopu::test::data;
using skipopu::test::default_config;
using skipopu::test::input_error;

namespace {
uint64_t get(const rtl::InstrWord& w, rtl::InstrField f) {
  uint64_t v = 0;
  for (unsigned b = 0; b < f.bits; ++b) v |= uint64_t((w[(f.lo + b) / 32] >> ((f.lo + b) % 32)) & 1) << b;
  return v;
}
}  // namespace

TEST_CASE("program encoding: every field of the tiny model's program reads back") {
  const ModelCard m = load_model_card(data("models/tiny.json"));
  for (const char* policy : {"reuse", "dense"}) {
    const HardwareConfig c = default_config({std::string("kv.policy=") + policy, "fusion=false"});
    const Program p = compile_program(m, c);
    const auto words = rtl::encode_program(p, m.layers, c);
    REQUIRE(words.size() == p.code.size());
    unsigned kv_dense = 0;
    for (size_t pc = 0; pc < p.code.size(); ++pc) {
      const Instr& in = p.code[pc];
      const rtl::InstrWord& w = words[pc];
      INFO(policy << " pc " << pc);
      CHECK(get(w, rtl::field::kOp) == static_cast<uint64_t>(in.op));
      CHECK(get(w, rtl::field::kModule) == static_cast<uint64_t>(in.module));
      CHECK(get(w, rtl::field::kPart) == static_cast<uint64_t>(in.part));
      CHECK(get(w, rtl::field::kFinal) == (in.layer >= m.layers ? 1u : 0u));
      CHECK(get(w, rtl::field::kLayer) == in.layer);
      CHECK(get(w, rtl::field::kM0) == in.m0);
      CHECK(get(w, rtl::field::kM1) == in.m1);
      CHECK(get(w, rtl::field::kTarget) == in.target);
      CHECK(get(w, rtl::field::kFused) == in.fused_latency);
      CHECK(get(w, rtl::field::kElems) == in.elems);
      CHECK(w[3] >> (122 - 96) == 0);  // bits above elems are 0
      kv_dense += static_cast<unsigned>(get(w, rtl::field::kKvDense));
    }
    // Dense: the K/V projection GEMM of each layer's two paths (kv..q and kv alone).
    CHECK(kv_dense == (std::string(policy) == "dense" ? 2 * m.layers : 0));
  }
}

TEST_CASE("program encoding: hex lines and issue-chain width") {
  const ModelCard m = load_model_card(data("models/tiny.json"));
  const HardwareConfig c = default_config();
  const Program p = compile_program(m, c);
  const std::string hex = rtl::program_hex(rtl::encode_program(p, m.layers, c));
  // EMBED (op 0), module none (2 at bit 4), part none (2 at bit 6), elems 256 (bit 90 + 8 = bit
  // 2 of the most significant 32-bit word).
  CHECK(hex.substr(0, 33) == "000000040000000000000000000000a0\n");
  CHECK(hex.size() == 33 * p.code.size());
  // After ROUTE L0.attn: BRANCH, KV_PREFETCH, LOADW, LOADW, GEMM.
  CHECK(rtl::issue_chain(p) == 5);
  // Evict: no KV_PREFETCH.
  CHECK(rtl::issue_chain(compile_program(m, default_config({"kv.policy=evict"}))) == 4);
}

TEST_CASE("program encoding: a value past its field is refused naming the instruction") {
  Program p;
  Instr in;
  in.op = Op::NormReduce;
  in.elems = uint64_t{1} << 32;
  p.code.push_back(in);
  const HardwareConfig c = default_config();
  CHECK(input_error([&] { rtl::encode_program(p, 1, c); }) ==
        "program: instruction 0: elems 4294967296 does not fit the 32-bit field of the controller's encoding (docs/rtl.md)");
  p.code[0].elems = 1;
  p.code[0].target = 70000;
  CHECK(input_error([&] { rtl::encode_program(p, 1, c); }).find("target 70000 does not fit the 16-bit field") !=
        std::string::npos);
}

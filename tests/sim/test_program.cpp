// The compiled overlay program: structure under each policy and with fusion off.
#include <catch2/catch.hpp>

#include "sim_test_util.hpp"
#include "skipopu/kv_state.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/program.hpp"
#include "skipopu/sizes.hpp"

using namespace skipopu;
using skipopu::test::data;
using skipopu::test::default_config;

namespace {
size_t count(const Program& p, Op op) {
  size_t n = 0;
  for (const auto& i : p.code) n += i.op == op;
  return n;
}
}  // namespace

TEST_CASE("tiny model, fusion on, reuse policy: exact listing") {
  const ModelCard m = load_model_card(data("models/tiny.json"));
  const Program p = compile_program(m, default_config());
  CHECK(p.listing() ==
        "0: EMBED elems=256\n"
        "1: ROUTE L0.attn elems=256\n"
        "2: BRANCH L0.attn -> 11\n"
        "3: KV_PREFETCH L1\n"
        "4: LOADW L0.kv_proj..L0.q_proj\n"
        "5: LOADW L0.o_proj\n"
        "6: GEMM L0.kv_proj..L0.q_proj\n"
        "7: KV_STORE L0\n"
        "8: ATTN L0\n"
        "9: GEMM L0.o_proj\n"
        "10: JUMP -> 12\n"
        "11: KV_PREFETCH L1\n"
        "12: ROUTE L0.mlp elems=256\n"
        "13: BRANCH L0.mlp -> 18\n"
        "14: LOADW L0.gate_up\n"
        "15: LOADW L0.down\n"
        "16: GEMM L0.gate_up\n"
        "17: GEMM L0.down\n"
        "18: ROUTE L1.attn elems=256\n"
        "19: BRANCH L1.attn -> 26\n"
        "20: LOADW L1.kv_proj..L1.q_proj\n"
        "21: LOADW L1.o_proj\n"
        "22: GEMM L1.kv_proj..L1.q_proj\n"
        "23: KV_STORE L1\n"
        "24: ATTN L1\n"
        "25: GEMM L1.o_proj\n"
        "26: ROUTE L1.mlp elems=256\n"
        "27: BRANCH L1.mlp -> 32\n"
        "28: LOADW L1.gate_up\n"
        "29: LOADW L1.down\n"
        "30: GEMM L1.gate_up\n"
        "31: GEMM L1.down\n"
        "32: LOADW lm_head\n"
        "33: GEMM lm_head\n");
  // The fused latencies: RMSNorm apply + RoPE on the QKV GEMM, online softmax on ATTN.
  CHECK(p.code[6].fused_latency == 6 + 8);
  CHECK(p.code[8].fused_latency == 12 + 16);
  CHECK(p.code[9].fused_latency == 2);
  CHECK(p.code[33].fused_latency == 6 + 4);
  // Weight bytes of the tiny model: per layer kv 256x512, q 256x256, o 256x256, gate_up
  // 256x1024, down 512x256 at 4 bit + one FP16 scale per 128 weights; LM head 256x1024.
  uint64_t expect = 0;
  for (int l = 0; l < 2; ++l)
    expect += sizes::matrix_bytes(default_config().weights, 256, 512, 4) + 2 * sizes::matrix_bytes(default_config().weights, 256, 256, 4) +
              sizes::matrix_bytes(default_config().weights, 256, 1024, 4) + sizes::matrix_bytes(default_config().weights, 512, 256, 4);
  expect += sizes::matrix_bytes(default_config().weights, 256, 1024, 4);
  CHECK(p.total_weight_bytes() == expect);
  CHECK(expect == 2 * (67584 + 2 * 33792 + 135168 + 67584) + 135168);
}

TEST_CASE("dense policy adds a K/V-only path; fusion off adds nonlinear passes") {
  const ModelCard m = load_model_card(data("models/tiny.json"));
  const Program dense = compile_program(m, default_config({"kv.policy=dense"}));
  CHECK(count(dense, Op::KvPrefetch) == 0);
  CHECK(count(dense, Op::KvStore) == 4);  // run path and K/V-only path, per layer
  CHECK(count(dense, Op::Gemm) == 2 * 5 + 1);
  const Program unfused = compile_program(m, default_config({"fusion=false"}));
  CHECK(count(unfused, Op::NormReduce) == 2 * 2 + 1);
  CHECK(count(unfused, Op::NormApply) == 2 * 2 + 1);
  CHECK(count(unfused, Op::Rope) == 2);
  CHECK(count(unfused, Op::Swiglu) == 2);
  CHECK(count(unfused, Op::Residual) == 4);
  CHECK(count(unfused, Op::Argmax) == 1);
  for (const auto& i : unfused.code) CHECK(i.fused_latency == 0);
}

TEST_CASE("KV sources under the three policies") {
  // One token, 4 layers, attention ran at layers 0 and 2.
  const std::vector<uint64_t> mask{0b0101};
  KvState dense(KvPolicy::Dense, 4), evict(KvPolicy::Evict, 4), reuse(KvPolicy::Reuse, 4);
  dense.record(mask);
  evict.record(mask);
  reuse.record(mask);
  for (uint32_t l = 0; l < 4; ++l) CHECK(dense.source(0, l) == static_cast<int32_t>(l));
  CHECK(evict.source(0, 0) == 0);
  CHECK(evict.source(0, 1) == -1);
  CHECK(evict.source(0, 2) == 2);
  CHECK(evict.source(0, 3) == -1);
  CHECK(reuse.source(0, 1) == 0);
  CHECK(reuse.source(0, 3) == 2);
  CHECK(dense.stored_entries() == 4);
  CHECK(evict.stored_entries() == 2);
  CHECK(reuse.stored_entries() == 2);
  // A token that never ran attention has nothing to reuse at first.
  KvState late(KvPolicy::Reuse, 3);
  late.record({0b100});
  CHECK(late.source(0, 0) == -1);
  CHECK(late.source(0, 1) == -1);
  CHECK(late.source(0, 2) == 2);
}

TEST_CASE("memory map: token mapping keeps an entry in one pseudo-channel") {
  const ModelCard m = load_model_card(data("models/tiny.json"));
  const HardwareConfig c = default_config();
  const Program p = compile_program(m, c);
  const MemoryMap map(m, c, p, 64);
  CHECK(map.kv_entry_bytes() == 2 * 256 * 2);
  RequestList r(32);
  map.kv_entry(37, 1, false, r);
  REQUIRE(r.requests().size() == 1);
  CHECK(r.requests()[0].pc == 37 % 32);
  CHECK(r.requests()[0].bytes == 1024);
  // Tokens 5 and 37 sit in adjacent slots of PC 5: a layer read merges them.
  r.clear();
  map.kv_entry(5, 1, false, r);
  map.kv_entry(37, 1, false, r);
  REQUIRE(r.requests().size() == 1);
  CHECK(r.requests()[0].bytes == 2048);
  // Interleaved: a 1 KiB entry at 512 B granularity spans two PCs.
  const HardwareConfig ci = default_config({"kv.mapping=interleaved"});
  const MemoryMap mi(m, ci, p, 64);
  r.clear();
  mi.kv_entry(0, 0, false, r);
  REQUIRE(r.requests().size() == 2);
  CHECK(r.requests()[0].pc == 0);
  CHECK(r.requests()[1].pc == 1);
  CHECK(r.bytes() == 1024);
  // Weights: each matrix is one slice per PC, padded to whole 32-B beats.
  r.clear();
  map.weight_range(0, 0, 0, map.weight_bytes_per_pc(0), r);
  CHECK(r.requests().size() == 32);
  CHECK(map.weight_bytes_per_pc(0) == 2112);  // 67584 / 32 = 2112 (a multiple of 32)
  CHECK(r.bytes() == 32ull * 2112);
}

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
  const HardwareConfig c = default_config({"kv.reserve=dense"});
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
  const HardwareConfig ci = default_config({"kv.mapping=interleaved", "kv.reserve=dense"});
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

TEST_CASE("memory map: paged K/V reservation takes pages per (layer, PC) on demand") {
  const ModelCard m = load_model_card(data("models/tiny.json"));
  const HardwareConfig c = default_config({"kv.page_entries=2"});
  const Program p = compile_program(m, c);
  MemoryMap map(m, c, p, 256);
  const uint64_t base = map.bytes_per_pc_fixed();
  RequestList r(32);
  // Nothing stored yet: an access is an internal error, not a silent address.
  CHECK_THROWS_AS(map.kv_entry(5, 1, false, r), std::logic_error);
  // PC 5, layer 1: tokens 5 and 37 fill page 0 (adjacent: one request); token 69 opens
  // page 1, taken after layer 0's page of token 5 (pages in the order they are needed).
  map.kv_allocate(5, 1);
  map.kv_allocate(37, 1);
  map.kv_allocate(5, 0);
  map.kv_allocate(69, 1);
  map.kv_allocate(5, 1);  // already placed: no-op
  CHECK(map.kv_pages_used() == 3);
  map.kv_entry(5, 1, false, r);
  map.kv_entry(37, 1, false, r);
  REQUIRE(r.requests().size() == 1);
  CHECK(r.requests()[0].pc == 5);
  CHECK(r.requests()[0].addr == base);
  CHECK(r.requests()[0].bytes == 2048);
  r.clear();
  map.kv_entry(5, 0, false, r);
  map.kv_entry(69, 1, false, r);
  REQUIRE(r.requests().size() == 2);
  CHECK(r.requests()[0].addr == base + 2048);
  CHECK(r.requests()[1].addr == base + 4096);
  CHECK(map.kv_bytes_per_pc() == 6144);
}

TEST_CASE("memory map: Llama-2-13B at 1024 + 1024 fits with reuse, not with dense (issue 10, defect 6)") {
  // Per pseudo-channel: 217,372,800 bytes of weights, FP16 embedding and router weights; a
  // dense K/V cache for 2048 tokens x 40 layers adds 52,428,800: 269,801,600 of 268,435,456.
  // The old map reserved that dense cache whatever the policy, so no 13B run at this context
  // could start. Paged, the entries a 25%-attention-skip trace stores fit.
  const ModelCard m = load_model_card(data("models/llama2-13b.json"));
  const HardwareConfig c = default_config();
  const Program p = compile_program(m, c);
  MemoryMap map(m, c, p, 2048);
  CHECK(map.bytes_per_pc_fixed() == 217372800);
  for (uint32_t t = 0; t < 2048; ++t)
    for (uint32_t l = 0; l < 40; ++l)
      if ((t / 32 + l) % 4 != 0) map.kv_allocate(t, l);  // 48 of the 64 entries of each (layer, PC)
  CHECK(map.kv_pages_used() == 32 * 40 * 3);
  CHECK(map.kv_bytes_per_pc() == 40 * 3 * 327680);
  // Storing every entry runs out: one line, naming the token, layer and what is left.
  CHECK(test::input_error([&] {
          for (uint32_t t = 0; t < 2048; ++t)
            for (uint32_t l = 0; l < 40; ++l) map.kv_allocate(t, l);
        }) == data("configs/u280.json") + ": /kv/reserve: workload does not fit: model llama2-13b at token 96, "
                                          "layer 21 needs another K/V page of 327680 bytes but pseudo-channel 0 "
                                          "has 272256 of 51062656 bytes left after 217372800 bytes per "
                                          "pseudo-channel of weights, embedding and router weights");
  // The dense policy stores every entry: refused before any simulation.
  const HardwareConfig d = default_config({"kv.policy=dense"});
  CHECK(test::input_error([&] { MemoryMap dm(m, d, p, 2048); }) ==
        data("configs/u280.json") + ": /kv/reserve: workload does not fit: model llama2-13b with the dense policy "
                                    "needs 52428800 bytes of K/V pages per pool for 2048 tokens but 51062656 are "
                                    "left after 217372800 bytes per pseudo-channel of weights, embedding and router "
                                    "weights");
  // The old reservation, kept as kv.reserve=dense, says so at the top (SkipOpuTop).
  const HardwareConfig rd = default_config({"kv.reserve=dense"});
  const MemoryMap old(m, rd, p, 2048);
  CHECK(old.bytes_per_pc_fixed() + old.kv_bytes_per_pc() == 269801600);
}

TEST_CASE("memory map: K/V layout choices give the gathers a compiler would issue (issue 10, defect 2)") {
  // tiny: 4 kv heads of 64 FP16 elements: a head's K (or V) is a 128-B piece, K 512 B, an
  // entry 1024 B. Dense reservation, 64 tokens: with the token mapping a layer holds 2 slots
  // per PC (token 37 is slot 1 of PC 5; layer 1's block starts 2048 B into the K/V region).
  const ModelCard m = load_model_card(data("models/tiny.json"));
  const Program p = compile_program(m, default_config());
  auto list = [](const RequestList& r) {
    std::vector<std::string> out;
    for (const auto& q : r.requests())
      out.push_back(std::to_string(q.pc) + "@" + std::to_string(q.addr) + "+" + std::to_string(q.bytes));
    return out;
  };
  using V = std::vector<std::string>;
  RequestList r(32);
  {  // Token mapping, head-major, K and V together, one head per access: in the block, head
     // group g of slot s holds K at piece (g*2 + s)*2 and V right after it.
    const HardwareConfig c = default_config({"kv.reserve=dense", "kv.order=head_major", "kv.heads_per_access=1"});
    const MemoryMap map(m, c, p, 64);
    const uint64_t b = map.bytes_per_pc_fixed() + 2048;
    map.kv_entry(37, 1, false, r);
    auto at = [&](uint64_t off, uint64_t n) { return "5@" + std::to_string(b + off) + "+" + std::to_string(n); };
    CHECK(list(r) == V{at(256, 128), at(768, 128), at(1280, 128), at(1792, 128),    // K of heads 0..3
                       at(384, 128), at(896, 128), at(1408, 128), at(1920, 128)});  // V of heads 0..3
  }
  r.clear();
  {  // Two heads per access: pieces of 256 B, K at (g*2 + s)*2.
    const HardwareConfig c = default_config({"kv.reserve=dense", "kv.order=head_major", "kv.heads_per_access=2"});
    const MemoryMap map(m, c, p, 64);
    const uint64_t b = map.bytes_per_pc_fixed() + 2048;
    map.kv_entry(37, 1, false, r);
    auto at = [&](uint64_t off) { return "5@" + std::to_string(b + off) + "+256"; };
    CHECK(list(r) == V{at(512), at(1536), at(768), at(1792)});
  }
  r.clear();
  {  // Token-major, K and V split: a K plane of 2 slots x 512 B, then the V plane.
    const HardwareConfig c = default_config({"kv.reserve=dense", "kv.k_and_v=split"});
    const MemoryMap map(m, c, p, 64);
    const uint64_t b = map.bytes_per_pc_fixed() + 2048;
    map.kv_entry(37, 1, false, r);
    CHECK(list(r) == V{"5@" + std::to_string(b + 512) + "+512", "5@" + std::to_string(b + 1536) + "+512"});
  }
  r.clear();
  {  // Interleaved every 128 B, head-major, K and V split: the layer's 64 tokens of one head's
     // K are 8 KiB, a multiple of the 32 x 128-B stripe, so every piece of token 0 lands in
     // PC 0, 256 B apart: eight 128-B reads in one channel (the paper's worst case in small).
    const HardwareConfig c = default_config({"kv.reserve=dense", "kv.mapping=interleaved", "kv.interleave_bytes=128",
                                             "kv.order=head_major", "kv.k_and_v=split"});
    const MemoryMap map(m, c, p, 64);
    const uint64_t b = map.bytes_per_pc_fixed();
    map.kv_entry(0, 0, false, r);
    V want;
    for (uint64_t i = 0; i < 8; ++i) want.push_back("0@" + std::to_string(b + 256 * i) + "+128");
    CHECK(list(r) == want);
    // The same entry, token-major and together (the default layout): 8 PCs, one 128-B read each.
    r.clear();
    const HardwareConfig t = default_config({"kv.reserve=dense", "kv.mapping=interleaved", "kv.interleave_bytes=128"});
    const MemoryMap mt(m, t, p, 64);
    mt.kv_entry(0, 0, false, r);
    want.clear();
    for (uint64_t i = 0; i < 8; ++i) want.push_back(std::to_string(i) + "@" + std::to_string(b) + "+128");
    CHECK(list(r) == want);
  }
  r.clear();
  {  // Gather granularity: 64-B accesses cut the contiguous 1-KiB entry into 16 requests,
     // and adjacent entries no longer merge across an access.
    const HardwareConfig c = default_config({"kv.reserve=dense", "kv.gather_bytes=64"});
    const MemoryMap map(m, c, p, 64);
    RequestList g(32);
    g.set_max_request(c.kv.gather_bytes);
    map.kv_entry(37, 1, false, g);
    V want;
    for (uint64_t i = 0; i < 16; ++i)
      want.push_back("5@" + std::to_string(map.bytes_per_pc_fixed() + 3072 + 64 * i) + "+64");
    CHECK(list(g) == want);
    CHECK(g.bytes() == 1024);
  }
  // Strict: a head group must divide kv_heads; a gather is whole AXI beats.
  CHECK(test::input_error([&] {
          MemoryMap bad(m, default_config({"kv.heads_per_access=3"}), p, 64);
        }) == data("configs/u280.json") + ": /kv/heads_per_access: expected a divisor of model tiny's kv_heads (4), got 3");
  CHECK(test::input_error([&] { default_config({"kv.gather_bytes=48"}); }) ==
        data("configs/u280.json") + ": /kv/gather_bytes: expected 0 (no limit) or a multiple of hbm.port_bytes (32)");
}

TEST_CASE("RequestList: streamed take equals the whole list, merges included") {
  // The prefill's embedding lookup makes its requests as the HBM model takes them
  // (EmbeddingLookup): each may be taken only once no later piece can merge into it, and in
  // list order, so the HBM model sees exactly the list built whole.
  auto key = [](const hbm::Request& q) {
    return std::to_string(q.pc) + "@" + std::to_string(q.addr) + "+" + std::to_string(q.bytes);
  };
  for (uint64_t seed : {1ull, 7ull, 12345ull}) {
    RequestList whole(4), streamed(4);
    std::vector<std::string> expect, got;
    size_t most_open = 0;
    uint64_t x = seed;
    std::vector<uint64_t> next_addr(4, 0);
    for (int i = 0; i < 5000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const uint32_t pc = uint32_t(x >> 60) % 4;
      // Half the pieces continue their PC's last piece (they merge), the rest jump.
      const uint64_t addr = (x >> 40) & 1 ? next_addr[pc] : ((x >> 20) & 0xfff) * 64;
      const uint64_t bytes = 32 + ((x >> 8) & 3) * 32;
      next_addr[pc] = addr + bytes;
      whole.add(pc, addr, bytes, false);
      streamed.add(pc, addr, bytes, false);
      for (hbm::Request q; streamed.take(q, false);) got.push_back(key(q));
      most_open = std::max(most_open, streamed.requests().size());
    }
    for (hbm::Request q; streamed.take(q, true);) got.push_back(key(q));
    for (const auto& q : whole.requests()) expect.push_back(key(q));
    CHECK(got == expect);
    CHECK(streamed.bytes() == whole.bytes());
    CHECK(streamed.requests().empty());
    CHECK(most_open <= 128);  // only the open requests and a bounded taken prefix are held
  }
}

TEST_CASE("EmbeddingLookup: the requests of the rows' list built whole, again after a rewind") {
  const ModelCard m = load_model_card(data("models/llama3.1-8b.json"));
  const HardwareConfig c = default_config();
  const Program p = compile_program(m, c);
  const MemoryMap map(m, c, p, 4096);
  RequestList whole(map.pcs());
  for (uint32_t t = 100; t < 100 + 3000; ++t)
    map.embedding_row(static_cast<uint32_t>((uint64_t(t) * 2654435761u) % m.vocab), whole);
  EmbeddingLookup lookup(map, m.vocab);
  lookup.set_tokens(100, 3000);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<hbm::Request> got;
    for (hbm::Request r; lookup.next(r);) got.push_back(r);
    REQUIRE(got.size() == whole.requests().size());
    for (size_t i = 0; i < got.size(); ++i) {
      const hbm::Request& a = got[i];
      const hbm::Request& b = whole.requests()[i];
      REQUIRE((a.pc == b.pc && a.port == b.port && a.addr == b.addr && a.bytes == b.bytes && a.write == b.write));
    }
    lookup.rewind();
  }
}

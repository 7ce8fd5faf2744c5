// SystemC testbenches of single blocks with hand-derived cycle counts. Each TEST_CASE
// elaborates its own model: run through CTest (one process per case).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <systemc>
#include <vector>

#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/nonlinear_unit.hpp"
#include "skipopu/pe_array.hpp"
#include "skipopu/weight_dma.hpp"
#include "../sim/sim_test_util.hpp"

using namespace skipopu;
using skipopu::test::data;
using skipopu::test::default_config;

namespace {

// PE array + weight DMA + HBM (burst model, latency 40 AXI cycles) on the tiny model.
struct Bench : sc_core::sc_module {
  HardwareConfig cfg;
  ModelCard model;
  Program prog;
  CoreClock clk;
  MemoryMap map;
  HbmBlock hbm;
  WeightDma dma;
  NonlinearUnit nl;
  PeArray pe;
  std::vector<uint64_t> finish;
  std::vector<std::vector<GemmPart>> gemms;  // one entry per GEMM, all on matrix `mat`
  uint32_t mat = 0;
  uint64_t gemm_at = 0;  // the core cycle the first GEMM is issued (the LOADWs at 0)

  explicit Bench(const HardwareConfig& c)
      : sc_module("bench"),
        cfg(c),
        model(load_model_card(data("models/tiny.json"))),
        prog(compile_program(model, cfg)),
        clk(cfg.clocks.core_hz),
        map(model, cfg, prog, 64),
        hbm("hbm", hbm::make_model(cfg.hbm), clk, core_axi_crossing(cfg)),
        dma("dma", hbm, map, cfg.pe.weight_prefetch_bytes, clk, cfg.pe.dma_request_cycles),
        nl("nl", clk),
        pe("pe", cfg, clk, dma, nl, hbm) {
    SC_HAS_PROCESS(Bench);
    SC_THREAD(run);
  }
  void run() {
    for (size_t i = 0; i < gemms.size(); ++i) dma.load(mat, mat);
    clk.wait_until(gemm_at);
    for (size_t i = 0; i < gemms.size(); ++i) {
      pe.gemm(gemms[i].data(), gemms[i].size(), 2);
      finish.push_back(clk.now());
    }
    sc_core::sc_stop();
  }
};

// The hand-derived counts below use the burst HBM model (one beat per AXI cycle); the weight
// DMA's request latency and the array's start and beat latencies are 0 unless a case sets them
// (`sets` come last).
HardwareConfig bench_config(std::vector<std::string> sets = {}) {
  std::vector<std::string> all = {"hbm.model=burst", "hbm.overrides.burst_model.latency=40",
                                  "pe_array.dma_request_cycles=0", "pe_array.gemm_start_cycles=0",
                                  "pe_array.weight_beat_cycles=0"};
  all.insert(all.end(), sets.begin(), sets.end());
  return default_config(all);
}

}  // namespace

TEST_CASE("memory-bound GEMM: last weight beat + one tile + pipeline, by hand") {
  Bench b(bench_config());
  b.mat = 2;  // L0.o_proj: 256 x 256 -> 33792 B, 1056 B = 33 beats per pseudo-channel
  REQUIRE(b.prog.matrices[2].name == "L0.o_proj");
  REQUIRE(b.map.weight_bytes_per_pc(2) == 1056);
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  // Request at core 0 -> AXI 0 + 2 sync = 2; first beat 2+40 = 42, last 42+33-1 = 74.
  // Visible at core ceil(42/2)+2 = 23 and ceil(74/2)+2 = 39. Compute 4x2 tiles = 8 cycles;
  // finish = max(23+8, 39+1) + pipeline 16 + fused 2 = 58.
  REQUIRE(b.finish.size() == 1);
  CHECK(b.finish[0] == 58);
}

TEST_CASE("weight-buffer read limit: a decode tile step lasts the tile's read-out, by hand") {
  // Issue 10, defect 5. A 64 x 128 tile of 4-bit weights with FP16 group scales (group 128)
  // is 4096 + 64 x 2 = 4224 B; a buffer reading 512 B a cycle takes ceil(4224/512) = 9 cycles
  // a tile. The memory-bound case above (8 tiles, 1 token, stream visible 23 .. 39) becomes
  // max(23 + 8 x 9, 39 + 9) + 18 = 113 (58 without the limit).
  Bench b(bench_config({"pe_array.weight_buffer_bytes=512"}));
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  CHECK(b.finish.at(0) == 113);
}

TEST_CASE("compute-bound GEMM (64 tokens): first arrival + all tiles, by hand") {
  Bench b(bench_config());
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 64}}};
  sc_core::sc_start();
  // finish = max(23 + 8*64, 39 + 64) + 18 = 553.
  CHECK(b.finish.at(0) == 553);
}

TEST_CASE("the second matrix streams behind the first (prefetch), by hand") {
  Bench b(bench_config());
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 1}}, {GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  // Stream 1 is issued at core 0 too and queues behind stream 0 in every pseudo-channel:
  // beats 35..67 -> first beat 75, last 107 -> visible at core 40 and 56. The array starts
  // it at 58: finish = max(58+8, 56+1) + 18 = 84.
  CHECK(b.finish.at(0) == 58);
  CHECK(b.finish.at(1) == 84);
}

TEST_CASE("a window smaller than the matrix splits the stream at the array's start") {
  // 512-B window over 32 PCs = 16 B per PC -> head 16 B (1 beat), tail 1040 B (33 beats,
  // an unaligned start). Head: beat at 2, first/last 42 -> core 23. Tail is issued when the
  // array starts (core 0, AXI 2): it queues behind the head's beat: start 3, 33 beats,
  // last beat 3+40+32 = 75 -> core 38+2 = 40. finish = max(23+8, 40+1) + 18 = 59.
  Bench b(bench_config({"pe_array.weight_prefetch_bytes=512"}));
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  CHECK(b.finish.at(0) == 59);
}

// Request and beat-to-array latencies (issue 12: the generated RTL's 3, 1 and 2 cycles; each
// case sets one, the memory-bound GEMM above otherwise).
TEST_CASE("weight DMA request latency: the stream is requested dma_request_cycles after the LOADW, by hand") {
  Bench b(bench_config({"pe_array.dma_request_cycles=3"}));
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  // LOADW at core 0, request at core 3 -> AXI 3*2 + 2 = 8; first beat 48, last 48+32 = 80,
  // visible at core 24+2 = 26 and 40+2 = 42; finish = max(26+8, 42+1) + 18 = 61 (58 at 0).
  CHECK(b.finish.at(0) == 61);
}

TEST_CASE("weight beat latency: a weight beat reaches the array weight_beat_cycles after it arrives, by hand") {
  Bench b(bench_config({"pe_array.weight_beat_cycles=2"}));
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  // The stream visible 23 .. 39 reaches the array 25 .. 41: finish = max(25+8, 41+1) + 18 = 60.
  CHECK(b.finish.at(0) == 60);
}

TEST_CASE("GEMM start latency: weights already in, the first tile step gemm_start_cycles after the issue, by hand") {
  Bench b(bench_config({"pe_array.gemm_start_cycles=1"}));
  b.mat = 2;
  b.gemm_at = 100;  // the stream (visible 23 .. 39) is in before the GEMM
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  // finish = max(100+1+8, 39+1) + 18 = 127 (126 at 0).
  CHECK(b.finish.at(0) == 127);
}

TEST_CASE("the generated RTL's latencies together (3, 1, 2: configs/u280.json), by hand") {
  Bench b(default_config({"hbm.model=burst", "hbm.overrides.burst_model.latency=40"}));  // the defaults
  b.mat = 2;
  b.gemms = {{GemmPart{256, 256, 1}}};
  sc_core::sc_start();
  // Visible 26 .. 42 (request at 3), at the array 28 .. 44: max(max(0+1, 28)+8, 44+1) + 18 = 63.
  CHECK(b.finish.at(0) == 63);
  CHECK(b.cfg.pe.dma_request_cycles == 3);
  CHECK(b.cfg.pe.gemm_start_cycles == 1);
  CHECK(b.cfg.pe.weight_beat_cycles == 2);
}

TEST_CASE("too few DSPs for the array at the layout's products per DSP is rejected") {
  const HardwareConfig c = default_config({"pe_array.dsps=4095"});
  try {
    Bench b(c);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == data("configs/u280.json") +
                                       ": /pe_array/dsps: expected at least rows*cols/lanes = 4096 DSPs for 8192 "
                                       "products per cycle at 2 products per DSP");
  }
}

#include <cmath>

#include "skipopu/dsp/fp16.hpp"
#include "skipopu/dsp/hybrid_mac.hpp"
#include "skipopu/prng.hpp"

TEST_CASE("PE array matvec: packed-DSP numerics against double, cycles by hand") {
  // The o_proj shape of the tiny model, 256 x 256, on the configured FP16 x INT4 layout.
  Bench b(bench_config());
  const dsp::PackingLayout& layout = dsp::builtin_layout(b.cfg.pe.layout_fp16_int4);
  REQUIRE(layout.lanes == b.pe.lanes_fp16_int4());
  const size_t rows = 256, n = 256, group = b.cfg.weights.group_size;
  std::vector<uint16_t> act(n);
  std::vector<int8_t> w(rows * n);
  std::vector<float> scales(rows * (n / group)), out(rows);
  SplitMix64 rng(12345);
  auto next = [&rng] { return rng.next(); };
  for (auto& a : act) a = dsp::fp16_from_float(float(int64_t(next() % 2001) - 1000) / 256.0f);
  for (auto& x : w) x = static_cast<int8_t>(int64_t(next() % 16) - 8);
  for (auto& x : scales) x = float(1 + next() % 64) / 1024.0f;
  dsp::hybrid_matvec(act.data(), w.data(), scales.data(), rows, n, group, layout, dsp::HybridMacConfig{}, out.data());
  double err2 = 0, ref2 = 0;
  for (size_t r = 0; r < rows; ++r) {
    double ref = 0;
    for (size_t k = 0; k < n; ++k)
      ref += double(dsp::fp16_to_float(act[k])) * double(w[r * n + k]) * double(scales[r * (n / group) + k / group]);
    err2 += (double(out[r]) - ref) * (double(out[r]) - ref);
    ref2 += ref * ref;
  }
  // Block floating point with 8 guard bits and one FP32 rounding per group: the relative
  // L2 error is bounded by about 2^-24 per rounding; docs/dsp.md measures ~1e-7 on uniform data.
  CHECK(std::sqrt(err2 / ref2) < 1e-6);
  // The same product on the timed array: 4 x 2 tiles, memory-bound -> 58 cycles (see above).
  b.mat = 2;
  b.gemms = {{GemmPart{rows, n, 1}}};
  sc_core::sc_start();
  CHECK(b.finish.at(0) == 58);
}

// Co-simulation of the generated weight DMA issue logic (skipopu_weight_dma.v, verilated with
// --sc) against the SystemC WeightDma (src/sim/weight_dma.cpp) on the same script.
//
// usage: tb_weight_dma SEED OPS SOURCE_DIR
// The LOADW streams are those of the compiled program of models/tiny.json (8 layers) on
// configs/u280.json with pe_array.weight_prefetch_bytes=65536 (2 KiB per pseudo-channel: some
// streams fit, the others have a head and a tail), in program order, repeated. A random script of OPS operations
// (a LOADW while fewer than 4 streams are live; the PE array starting on the next loaded
// stream) runs on both: WeightDma with an HBM stub that records every submitted job, and the
// RTL with random stalls on its request port, each operation followed by the cycles the RTL
// needs to go quiet. Checked: the two logs of operations and requests are identical, each
// RTL request (stream, per-PC byte range) expanded by MemoryMap::weight_range into the same
// HBM requests as the SystemC job (empty SystemC jobs are not requests). Exit 0 if identical.
#include <systemc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "Vdut.h"
#include "skipopu/config.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/program.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu/weight_dma.hpp"
#include "skipopu_rtl_params.h"

namespace {

using namespace skipopu;

std::string show(const std::vector<hbm::Request>& r) {
  std::string s = "requests";
  for (const auto& q : r)
    s += " " + std::to_string(q.pc) + ":" + std::to_string(q.addr) + "+" + std::to_string(q.bytes);
  return s;
}

class StubHbm : public sc_core::sc_module, public HbmIf {
 public:
  StubHbm(sc_core::sc_module_name n, std::vector<std::string>& log) : sc_module(n), log_(log) {}
  void submit(HbmJob& job) override {
    if (!job.reqs.requests().empty()) log_.push_back(show(job.reqs.requests()));
  }
  void wait_for(HbmJob&) override {}

 private:
  std::vector<std::string>& log_;
};

struct Stream {
  uint32_t m0, m1;
  uint64_t per_pc;
};

// Runs the script on WeightDma: each operation, then `settle` for the DMA thread to react (10 ns and
// its request latency, pe_array.dma_request_cycles).
class Driver : public sc_core::sc_module {
 public:
  Driver(sc_core::sc_module_name n, WeightDma& dma, const std::vector<int>& script, const std::vector<Stream>& streams,
         std::vector<std::string>& log, sc_core::sc_time settle)
      : sc_module(n), dma_(dma), script_(script), streams_(streams), log_(log), settle_(settle) {
    SC_HAS_PROCESS(Driver);
    SC_THREAD(run);
  }
  bool finished = false;

 private:
  void run() {
    uint32_t loaded = 0, consumed = 0;
    for (int op : script_) {
      if (op == 0) {
        log_.push_back("LOADW " + std::to_string(loaded));
        const Stream& s = streams_[loaded % streams_.size()];
        dma_.load(s.m0, s.m1);
        ++loaded;
      } else {
        log_.push_back("PE starts " + std::to_string(consumed++));
        dma_.consume_next();
      }
      wait(settle_);
    }
    finished = true;
  }
  WeightDma& dma_;
  const std::vector<int>& script_;
  const std::vector<Stream>& streams_;
  std::vector<std::string>& log_;
  sc_core::sc_time settle_;
};

}  // namespace

// main, not sc_main: libskipopu_sim defines sc_main (sim_clock.cpp) for the CLI's own main.
int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tb_weight_dma SEED OPS SOURCE_DIR\n");
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const uint32_t ops = static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10));
  const std::string root = argv[3];
  const HardwareConfig cfg =
      load_hardware_config(root + "/configs/u280.json", {"pe_array.weight_prefetch_bytes=65536"}, root);
  ModelCard model = load_model_card(root + "/models/tiny.json");
  model.layers = 8;
  const Program prog = compile_program(model, cfg);
  const MemoryMap map(model, cfg, prog, 16);
  if ((cfg.pe.weight_prefetch_bytes + map.pcs() - 1) / map.pcs() != SKIPOPU_WDMA_WINDOW_PER_PC) {
    std::fprintf(stderr, "tb_weight_dma: the generated design does not match the testbench's config\n");
    return 2;
  }
  std::vector<Stream> streams;
  for (const Instr& in : prog.code)
    if (in.op == Op::LoadW) {
      Stream s{in.m0, in.m1, 0};
      for (uint32_t m = in.m0; m <= in.m1; ++m) s.per_pc += map.weight_bytes_per_pc(m);
      streams.push_back(s);
    }
  // The script: 0 = LOADW of the next stream (while fewer than 4 live), 1 = the PE array
  // starts on the next loaded stream; every stream is loaded and consumed.
  SplitMix64 rng(seed);
  std::vector<int> script;
  uint32_t loaded = 0, consumed = 0;
  while (true) {
    const bool can_load = script.size() < ops && loaded - consumed < WeightDma::kRing;
    const bool can_consume = consumed < loaded;
    if (!can_load && !can_consume) break;
    const bool load = can_load && (!can_consume || (rng.next() & 1));
    script.push_back(load ? 0 : 1);
    (load ? loaded : consumed) += 1;
  }
  const uint32_t streams_used = loaded;
  uint32_t fit = 0;  // streams of the program with no tail (all within the window)
  for (const Stream& st : streams) fit += st.per_pc <= SKIPOPU_WDMA_WINDOW_PER_PC;

  std::vector<std::string> want, got;
  StubHbm stub("hbm", want);
  const CoreClock core(cfg.clocks.core_hz);
  WeightDma dma("weight_dma", stub, map, cfg.pe.weight_prefetch_bytes, core, cfg.pe.dma_request_cycles);
  const sc_core::sc_time settle = sc_core::sc_time(10, sc_core::SC_NS) + core.cycles(cfg.pe.dma_request_cycles);
  Driver driver("driver", dma, script, streams, want, settle);

  sc_clock clk("clk", 10, SC_NS, 0.5, 5, SC_NS, true);
  sc_signal<bool> rst, ld_valid, ld_ready, pe_start, rq_valid, rq_ready, rq_tail;
  sc_signal<uint32_t> ld_bytes, ld_tag, rq_tag, rq_from, rq_len, live;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.ld_valid(ld_valid);
  dut.ld_ready(ld_ready);
  dut.ld_bytes(ld_bytes);
  dut.ld_tag(ld_tag);
  dut.pe_start(pe_start);
  dut.rq_valid(rq_valid);
  dut.rq_ready(rq_ready);
  dut.rq_tag(rq_tag);
  dut.rq_from(rq_from);
  dut.rq_len(rq_len);
  dut.rq_tail(rq_tail);
  dut.live(live);

  // Phase 1: the SystemC model (the RTL is held in reset meanwhile).
  rst = true;
  // (an operation takes at most 2 settles: the array's start waits for its stream's tail request)
  sc_start(settle * double(2 * script.size() + 2));
  if (!driver.finished) {
    std::printf("FAIL: the SystemC script did not finish\n");
    return 1;
  }
  // Phase 2: the RTL on the same script.
  rst = false;
  uint64_t edges = 0, requests = 0, heads = 0, tails = 0, stalls = 0;
  int failures = 0;
  auto tick = [&] {
    const bool take = (rng.next() & 3) != 0;
    rq_ready = take;
    sc_start(SC_ZERO_TIME);
    if (rq_valid.read() && take) {
      const Stream& s = streams[rq_tag.read()];
      RequestList rl(map.pcs());
      map.weight_range(s.m0, s.m1, rq_from.read(), rq_len.read(), rl);
      got.push_back(show(rl.requests()));
      ++requests;
      (rq_tail.read() ? tails : heads) += 1;
    } else if (rq_valid.read()) {
      ++stalls;
    }
    sc_start(10, SC_NS);
    ++edges;
  };
  auto quiet = [&] {  // until no request has been offered for 3 edges
    for (int low = 0; low < 3;) {
      tick();
      low = rq_valid.read() ? 0 : low + 1;
    }
  };
  uint32_t rl_loaded = 0, rl_consumed = 0;
  for (int op : script) {
    if (op == 0) {
      if (!ld_ready.read()) {
        std::printf("FAIL: ld_ready low with %u live streams\n", rl_loaded - rl_consumed);
        return 1;
      }
      got.push_back("LOADW " + std::to_string(rl_loaded));
      ld_valid = true;
      ld_bytes = static_cast<uint32_t>(streams[rl_loaded % streams.size()].per_pc);
      ld_tag = rl_loaded % static_cast<uint32_t>(streams.size());
      ++rl_loaded;
      tick();
      ld_valid = false;
    } else {
      got.push_back("PE starts " + std::to_string(rl_consumed++));
      pe_start = true;
      tick();
      pe_start = false;
    }
    quiet();
  }
  const size_t n = std::max(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string a = i < want.size() ? want[i] : "(none)", b = i < got.size() ? got[i] : "(none)";
    if (a != b && failures++ < 5)
      std::printf("  MISMATCH at event %zu: SystemC %.60s... | RTL %.60s...\n", i, a.c_str(), b.c_str());
  }
  std::printf("%u streams (the program's %zu in turn, %u of them within the window of %llu bytes per PC), %zu operations: %llu requests (%llu heads, "
              "%llu tails), %llu request stalls, %llu edges; %zu events compared\n",
              streams_used, streams.size(), fit, static_cast<unsigned long long>(SKIPOPU_WDMA_WINDOW_PER_PC), script.size(),
              static_cast<unsigned long long>(requests), static_cast<unsigned long long>(heads),
              static_cast<unsigned long long>(tails), static_cast<unsigned long long>(stalls),
              static_cast<unsigned long long>(edges), n);
  std::printf("%s: %d mismatches\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}

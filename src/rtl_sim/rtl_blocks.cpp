// The "rtl" implementations of the compute blocks (skipopu-rtl only): transactors that run
// the verilated generated RTL (skipopu gen-rtl, docs/rtl.md) inside the SystemC simulation.
//
// Models: each transaction of the block's interface (block_interfaces.hpp) as the RTL runs it.
// The transactor drives the verilated model's clock itself, edge by edge (the model is the
// plain C++ class of `verilator --cc`, evaluated on each edge; no free-running clock, so the
// event-driven top still ends), in the block's own timeline from the transaction's start
// cycle: the PE array takes tile j's first token only at or after the cycle the weight
// stream's tile j is visible (linear between the stream's first and last data, as
// timing::gemm_finish_reference), in_valid low before it; the router starts after its
// weights are visible when they come from HBM. The call then returns at start + the RTL's
// edge count, and on every call that count is compared with the timing.hpp formula the
// SystemC block uses: a difference is an internal error naming the call (exit 1). The
// statistics are the SystemC block's, counted from the RTL's edges, so a run's report is the
// SystemC run's except for inputs.blocks.
// Abstracts away: operand values (the simulator carries none: the transactors feed seeded
// pseudo-random operands, and the results are not checked here -- tests/rtl/ checks them bit
// for bit against the C++ models); attention on the PE array (the FP16 x FP16 mode is not
// generated: PeArray's formulas, and the report says so); the fused-operator latency of a
// GEMM (added after the RTL's done, as the SystemC block adds it).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "Vskpe.h"
#include "Vsknl.h"
#include "Vskrt.h"
#include "skipopu/block_registry.hpp"
#include "skipopu/dsp/nonlinear_fx.hpp"
#include "skipopu/error.hpp"
#include "skipopu/nonlinear_unit.hpp"
#include "skipopu/pe_array.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/router.hpp"
#include "skipopu/sizes.hpp"
#include "skipopu/rtl/generator.hpp"
#include "skipopu/timing.hpp"
#include "skipopu_rtl_params.h"
#include "verilated.h"

namespace skipopu {
namespace {

constexpr unsigned kNlLanes[8] = SKIPOPU_NL_LANES;
constexpr unsigned kNlLatency[8] = SKIPOPU_NL_LATENCY;

// The configured block must be the one the linked RTL was generated from.
void expect_same(const HardwareConfig& c, const char* field, uint64_t run, uint64_t built) {
  if (run != built)
    throw_input_error(c.file, field,
                      "skipopu-rtl links RTL generated for " + std::to_string(built) +
                          " (CMake SKIPOPU_RTL_SIM_ARGS); got " + std::to_string(run));
}

// Random operands on an input port of `width` bits (bits above it stay 0, as Verilator expects).
template <class T>
void put(T& port, unsigned width, SplitMix64& r) {
  uint64_t v = r.next();
  if (width < 64) v &= (uint64_t{1} << width) - 1;
  port = static_cast<T>(v);
}
template <std::size_t N>
void put(VlWide<N>& port, unsigned width, SplitMix64& r) {
  for (std::size_t i = 0; i < N; ++i) {
    uint32_t v = static_cast<uint32_t>(r.next());
    const unsigned lo = static_cast<unsigned>(i * 32);
    if (lo + 32 > width) v = width > lo ? v & ((uint32_t{1} << (width - lo)) - 1) : 0;
    port[i] = v;
  }
}

template <class M>
void edge(M& m) {
  m.clk = 0;
  m.eval();
  m.clk = 1;
  m.eval();
}
template <class M>
void reset(M& m) {
  m.rst = 1;
  m.start = 0;
  m.in_valid = 0;
  edge(m);
  edge(m);
  m.rst = 0;
}

[[noreturn]] void mismatch(const std::string& what, uint64_t rtl, uint64_t formula) {
  throw std::runtime_error("skipopu-rtl: " + what + ": the RTL took " + std::to_string(rtl) +
                           " cycles, timing.hpp says " + std::to_string(formula));
}

// A streaming block (nonlinear unit, router) from start to done: the first beat comes with
// start, then one beat per cycle (filled by `feed`) until `beats` are in, clock edges until
// done. Returns the cycles from start to done (`expected` + 1000 without done is an error).
template <class M, class Feed>
uint64_t drive_stream(M& m, uint64_t beats, uint64_t expected, const char* what, Feed&& feed) {
  m.start = 1;
  uint64_t edges = 0, beat = 0;
  for (;;) {
    const bool offer = beat < beats;
    if (offer) feed();
    m.in_valid = offer;
    edge(m);
    ++edges;
    m.start = 0;
    beat += offer;
    if (m.done) break;
    if (edges > expected + 1000) mismatch(std::string(what) + " never signalled done", edges, expected);
  }
  m.in_valid = 0;
  return edges;
}

// ---------------------------------------------------------------- PE array
class RtlPeArray final : public PeArray {
 public:
  RtlPeArray(const char* inst, const BlockContext& c)
      : PeArray(inst, c.cfg, c.clk, *c.weights, *c.nonlinear, c.hbm), m_(std::make_unique<Vskpe>("rtl_pe_array")) {
    const rtl::PeArrayRtl p = rtl::pe_array_params(c.cfg, dsp::HybridMacConfig{});
    if (c.cfg.pe.weight_buffer_bytes != 0)
      throw_input_error(c.cfg.file, "/pe_array/weight_buffer_bytes",
                        "expected 0 with blocks.pe_array rtl: the generated RTL has no weight-buffer read limit");
    expect_same(c.cfg, "/pe_array/rows", p.rows, SKIPOPU_RTL_ROWS);
    expect_same(c.cfg, "/pe_array/cols", p.cols, SKIPOPU_RTL_COLS);
    expect_same(c.cfg, "/pe_array/pipeline_latency", p.latency, SKIPOPU_RTL_LATENCY);
    if (p.layout != SKIPOPU_RTL_LAYOUT)
      throw_input_error(c.cfg.file, "/pe_array/layout_fp16_int4",
                        "skipopu-rtl links RTL generated for layout \"" SKIPOPU_RTL_LAYOUT "\"; got \"" + p.layout + "\"");
    expect_same(c.cfg, "/pe_array (hybrid MAC guard bits)", p.guard_bits, SKIPOPU_RTL_GUARD_BITS);
    reset(*m_);
  }
  const char* implementation() const override { return "rtl (GEMM; attention: systemc)"; }

  void gemm(const GemmPart* parts, size_t nparts, uint32_t fused_latency) override {
    const uint64_t start = clk_.now();
    const timing::GemmWork w = timing::gemm_work(shape_, parts, nparts);
    if (!w.ordered) throw std::logic_error("PE array: GEMM parts with growing token counts");
    const StreamArrival in = weights->consume_next();
    uint64_t tiles = 0, sent = 0;  // tiles of the stream; those with tokens (sent to the RTL)
    for (size_t i = 0; i < nparts; ++i) {
      const uint64_t t = timing::gemm_tiles(shape_, parts[i].k, parts[i].n);
      tiles += t;
      if (parts[i].tokens) sent += t;
      if (parts[i].tokens > 0xFFFF) throw std::runtime_error("skipopu-rtl: GEMM of more tokens than the RTL's 16-bit n_tokens");
    }
    if (sent == 0 || sent > 0xFFFF)
      throw std::runtime_error("skipopu-rtl: GEMM of " + std::to_string(sent) +
                               " tiles (the RTL's n_tiles is 16 bits, at least 1)");
    Vskpe& m = *m_;
    m.n_tiles = static_cast<uint16_t>(sent);
    m.start = 1;
    m.in_valid = 0;
    edge(m);
    m.start = 0;
    const uint64_t expected = gemm_end(start, in, w) + cfg_.pe.pipeline_latency - start;
    // The array's start edge above is the issue cycle's; its first tile step comes
    // pe_array.gemm_start_cycles after the issue and a weight tile weight_beat_cycles after its
    // data (the weight buffer and the tile register, SystemC here): idle edges before, the
    // arrivals shifted.
    const uint64_t beat = cfg_.pe.weight_beat_cycles;
    uint64_t edges = 0, beats = 0, j = 0, tok = 0;
    for (uint32_t i = 0; i < cfg_.pe.gemm_start_cycles; ++i) {
      edge(m);
      ++edges;
    }  // j: tile of the stream, tok: token of tile j
    size_t part = 0;
    uint64_t part_end = timing::gemm_tiles(shape_, parts[0].k, parts[0].n);
    auto skip_empty = [&] {
      while (part < nparts && (j >= part_end || parts[part].tokens == 0)) {
        if (j < part_end) j = part_end;  // a part without tokens: nothing to compute
        if (++part < nparts) part_end += timing::gemm_tiles(shape_, parts[part].k, parts[part].n);
      }
    };
    skip_empty();
    const uint64_t guard = expected + 1000;
    for (;;) {
      bool offer = false;
      if (part < nparts && (tok > 0 || start + edges >= linear_arrival(in.first + beat, in.last + beat, j, tiles))) {
        offer = true;
        put(m.in_act, SKIPOPU_RTL_COLS * 16, rng_);
        if (tok == 0) {
          put(m.in_w, SKIPOPU_RTL_ROWS * SKIPOPU_RTL_COLS * 4, rng_);
          m.n_tokens = static_cast<uint16_t>(parts[part].tokens);
        }
      }
      m.in_valid = offer;
      edge(m);
      ++edges;
      if (offer) {
        ++beats;
        if (++tok == parts[part].tokens) {
          tok = 0;
          ++j;
          skip_empty();
        }
      }
      if (m.done) break;
      if (edges > guard) mismatch("PE array GEMM never signalled done", edges, expected);
    }
    m.in_valid = 0;
    if (edges != expected || beats != w.compute)
      mismatch("PE array GEMM (" + std::to_string(sent) + " tiles, " + std::to_string(beats) + " beats)", edges, expected);
    // edges == expected and beats == w.compute (checked above): the SystemC array's counts
    clk_.wait_until(count_gemm(start, start + edges - cfg_.pe.pipeline_latency, w, fused_latency));
  }

 private:
  static uint64_t linear_arrival(uint64_t first, uint64_t last, uint64_t i, uint64_t n) {
    return n == 1 ? first : first + (i * (last - first)) / (n - 1);
  }
  std::unique_ptr<Vskpe> m_;
  SplitMix64 rng_{0x5eed0001};
};

// ---------------------------------------------------------------- nonlinear unit
class RtlNonlinear final : public NonlinearUnit {
 public:
  RtlNonlinear(const char* inst, const BlockContext& c)
      : NonlinearUnit(inst, c.clk), cfg_(c.cfg), m_(std::make_unique<Vsknl>("rtl_nonlinear")) {
    const rtl::NonlinearRtl p = rtl::nonlinear_params(c.cfg);
    for (unsigned o = 0; o < 8; ++o) {
      const std::string f = std::string("/nonlinear/") + dsp::nl_op_name(static_cast<dsp::NlOp>(o));
      expect_same(c.cfg, (f + "/elems_per_cycle").c_str(), p.lanes[o], kNlLanes[o]);
      expect_same(c.cfg, (f + "/latency").c_str(), p.latency[o], kNlLatency[o]);
    }
    reset(*m_);
  }
  const char* implementation() const override { return "rtl"; }

  void run(const UnitTiming& t, uint64_t elems) override {
    const NonlinearConfig& nl = cfg_.nl;
    const UnitTiming* ops[8] = {&nl.rmsnorm_reduce, &nl.rmsnorm_apply, &nl.softmax_reduce, &nl.softmax_apply,
                                &nl.swiglu,         &nl.rope,          &nl.residual,       &nl.argmax};
    unsigned op = 8;
    for (unsigned o = 0; o < 8; ++o)
      if (&t == ops[o]) op = o;
    if (op == 8) throw std::logic_error("nonlinear unit: a pass whose timing is not one of the config's operations");
    if (elems >= (uint64_t{1} << 24))
      throw std::runtime_error("skipopu-rtl: nonlinear pass of " + std::to_string(elems) +
                               " elements (the RTL's n_elems is 24 bits)");
    const uint64_t expected = timing::stream_cycles(elems, t.elems_per_cycle, t.latency);
    const uint64_t beats = timing::ceil_div(elems, t.elems_per_cycle);
    Vsknl& m = *m_;
    m.op = static_cast<uint8_t>(op);
    m.n_elems = static_cast<uint32_t>(elems);
    m.inv_n = elems ? dsp::nl_inv_n(static_cast<uint32_t>(elems)) : 0;
    const uint64_t edges = drive_stream(m, beats, expected, "nonlinear pass", [&] {
      put(m.in_a, SKIPOPU_NL_WIDTH * 16, rng_);
      put(m.in_b, SKIPOPU_NL_WIDTH * 16, rng_);
    });
    if (edges != expected)
      mismatch(std::string("nonlinear ") + dsp::nl_op_name(static_cast<dsp::NlOp>(op)) + " pass of " +
                   std::to_string(elems) + " elements",
               edges, expected);
    busy_ += edges;
    ++passes_;
    sc_core::wait(clk_.cycles(edges));
  }

 private:
  const HardwareConfig& cfg_;
  std::unique_ptr<Vsknl> m_;
  SplitMix64 rng_{0x5eed0002};
};

// ---------------------------------------------------------------- router
class RtlRouter final : public Router {
 public:
  RtlRouter(const char* inst, const BlockContext& c)
      : Router(inst, c.cfg.router, c.clk, c.hbm, c.map), m_(std::make_unique<Vskrt>("rtl_router")) {
    const rtl::RouterRtl p = rtl::router_params(c.cfg);
    expect_same(c.cfg, "/router/lanes", p.lanes, SKIPOPU_ROUTER_LANES);
    expect_same(c.cfg, "/router/latency", p.latency, SKIPOPU_ROUTER_LATENCY);
    reset(*m_);
  }
  const char* implementation() const override { return "rtl"; }

  void route(uint32_t layer, uint32_t module, uint64_t tokens, uint64_t d) override {
    const uint64_t start = clk_.now();
    const bool from_hbm = !cfg_.weights_on_chip;
    if (from_hbm) {  // as the SystemC router: the weight vector is one tile, read before any product
      weights_.reqs.clear();
      map_.router_weights(layer, module, sizes::router_weight_bytes(d, cfg_.weight_bits), weights_.reqs);
      hbm->submit(weights_);
      hbm->wait_for(weights_);
    }
    if (tokens > 0xFFFF || d > 0xFFFF)
      throw std::runtime_error("skipopu-rtl: router call of " + std::to_string(tokens) + " tokens x " +
                               std::to_string(d) + " (the RTL's n_tokens and d are 16 bits)");
    const uint64_t begin = from_hbm ? std::max(start, weights_.done) : start;
    const uint64_t expected = timing::router_finish(start, from_hbm, weights_.first, weights_.done, tokens, d,
                                                    cfg_.lanes, cfg_.latency) -
                              begin;
    const uint64_t beats = tokens * timing::ceil_div(d, cfg_.lanes);
    Vskrt& m = *m_;
    m.n_tokens = static_cast<uint16_t>(tokens);
    m.d = static_cast<uint16_t>(d);
    const uint64_t edges = drive_stream(m, beats, expected, "router call", [&] {
      put(m.in_x, SKIPOPU_ROUTER_LANES * 16, rng_);
      put(m.in_w0, SKIPOPU_ROUTER_LANES * 16, rng_);
      put(m.in_w1, SKIPOPU_ROUTER_LANES * 16, rng_);
    });
    if (edges != expected)
      mismatch("router call of " + std::to_string(tokens) + " tokens x " + std::to_string(d), edges, expected);
    busy_ += edges;
    decisions_ += tokens;
    clk_.wait_until(begin + edges);
  }

 private:
  std::unique_ptr<Vskrt> m_;
  SplitMix64 rng_{0x5eed0003};
};

std::unique_ptr<PeArrayIf> make_rtl_pe_array(const char* inst, const BlockContext& c) {
  if (!c.weights || !c.nonlinear) throw std::logic_error("PE array built without its weight DMA or nonlinear unit");
  return std::make_unique<RtlPeArray>(inst, c);
}
std::unique_ptr<NonlinearIf> make_rtl_nonlinear(const char* inst, const BlockContext& c) {
  return std::make_unique<RtlNonlinear>(inst, c);
}
std::unique_ptr<RouterIf> make_rtl_router(const char* inst, const BlockContext& c) {
  return std::make_unique<RtlRouter>(inst, c);
}

}  // namespace

// src/rtl_sim/rtl_controller.cpp
std::unique_ptr<SequencerIf> make_rtl_controller(const HardwareConfig& c, const ModelCard& model, const Program& prog,
                                                 const std::string& wave);

// src/rtl_sim/rtl_processor.cpp
std::unique_ptr<SequencerIf> make_rtl_top(const HardwareConfig& c, const ModelCard& model, const Program& prog,
                                          const TopContext& ctx, const std::string& wave);

namespace {
const RtlBlockFactories kFactories{make_rtl_pe_array, make_rtl_nonlinear, make_rtl_router, make_rtl_controller, make_rtl_top};
}  // namespace

// Replaces the weak definition of src/sim/block_registry.cpp in skipopu-rtl.
const RtlBlockFactories* rtl_block_factories() { return &kFactories; }

}  // namespace skipopu

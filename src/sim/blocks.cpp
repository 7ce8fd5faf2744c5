// Compute blocks: nonlinear unit, router, PE array.
#include "skipopu/dsp/packing.hpp"
#include "skipopu/error.hpp"
#include "skipopu/pe_array.hpp"
#include "skipopu/router.hpp"

namespace skipopu {

// ---------------------------------------------------------------- nonlinear unit
NonlinearUnit::NonlinearUnit(sc_core::sc_module_name name, const CoreClock& clk) : sc_module(name), clk_(clk) {}

void NonlinearUnit::run(const UnitTiming& t, uint64_t elems) {
  const uint64_t c = timing::stream_cycles(elems, t.elems_per_cycle, t.latency);
  busy_ += c;
  ++passes_;
  sc_core::wait(clk_.cycles(c));
}

void NonlinearUnit::report(StatGroup& g, uint64_t total) const {
  g.add("busy_cycles", busy_, "cycle", "cycles spent in unfused nonlinear passes");
  g.add("passes", passes_, "count", "unfused nonlinear passes");
  g.add_real("utilisation", total ? double(busy_) / double(total) : 0.0, "ratio", "busy / total cycles");
}

// ---------------------------------------------------------------- router
Router::Router(sc_core::sc_module_name name, const RouterConfig& cfg, const CoreClock& clk, HbmBlock& hbm,
               const MemoryMap& map)
    : sc_module(name), cfg_(cfg), clk_(clk), hbm_(hbm), map_(map) {
  weights_.init(map.pcs(), Traffic::RouterWeights);
}

void Router::route(uint32_t layer, uint32_t module, uint64_t tokens, uint64_t d) {
  const uint64_t start = clk_.now();
  const uint64_t compute = tokens * timing::ceil_div(d, cfg_.lanes);
  uint64_t finish = start + compute;
  if (!cfg_.weights_on_chip) {
    weights_.reqs.clear();
    map_.router_weights(layer, module, timing::ceil_div(2 * d * cfg_.weight_bits, 8), weights_.reqs);
    hbm_.submit(weights_);
    hbm_.wait_for(weights_);
    finish = timing::overlap_finish(start, weights_.first, weights_.done, 1, compute);
  }
  finish += cfg_.latency;
  busy_ += compute + cfg_.latency;
  decisions_ += tokens;
  clk_.wait_until(finish);
}

void Router::report(StatGroup& g, uint64_t total) const {
  g.add("busy_cycles", busy_, "cycle", "cycles computing router dot products (incl. latency)");
  g.add("decisions", decisions_, "count", "per-token module decisions taken");
  g.add_real("utilisation", total ? double(busy_) / double(total) : 0.0, "ratio", "busy / total cycles");
}

// ---------------------------------------------------------------- PE array
PeArray::PeArray(sc_core::sc_module_name name, const HardwareConfig& cfg, const CoreClock& clk, HbmBlock& hbm,
                 WeightDma& dma, sc_core::sc_port<NonlinearIf>& nl)
    : sc_module(name), cfg_(cfg), clk_(clk), hbm_(hbm), dma_(dma), nl_(nl) {
  shape_.rows = cfg.pe.rows;
  shape_.cols = cfg.pe.cols;
  lanes_w_ = dsp::builtin_layout(cfg.pe.layout_fp16_int4).lanes;
  lanes_a_ = dsp::builtin_layout(cfg.pe.layout_fp16_fp16).lanes;
  const uint64_t products = uint64_t(shape_.rows) * shape_.cols;
  for (uint32_t lanes : {lanes_w_, lanes_a_}) {
    if (uint64_t(cfg.pe.dsps) * lanes < products)
      throw_input_error(cfg.file, "/pe_array/dsps",
                        "expected at least rows*cols/lanes = " + std::to_string(timing::ceil_div(products, lanes)) +
                            " DSPs for " + std::to_string(products) + " products per cycle at " +
                            std::to_string(lanes) + " products per DSP");
  }
}

void PeArray::gemm(uint64_t seq, const GemmPart* parts, size_t nparts, uint32_t fused_latency) {
  const uint64_t start = clk_.now();
  dma_.consumer_started(seq);
  WeightStream& s = dma_.stream(seq);
  uint64_t compute = 0, tail = 0;
  for (size_t i = 0; i < nparts; ++i) {
    const uint64_t t = timing::gemm_tiles(shape_, parts[i].k, parts[i].n);
    compute += t * parts[i].tokens;
    tail = parts[i].tokens;
    macs_ += parts[i].k * parts[i].n * parts[i].tokens;
  }
  while (!s.tail_issued) sc_core::wait(s.tail_ev);
  hbm_.wait_for(s.head);
  hbm_.wait_for(s.tail);
  const uint64_t first = s.head.reqs.requests().empty() ? s.tail.first : s.head.first;
  const uint64_t last = std::max(s.head.done, s.tail.done);
  const uint64_t lat = cfg_.pe.pipeline_latency + fused_latency;
  // n tiles of `tail` cycles each would be overlap_finish; parts may differ in tokens
  // (dense K/V for all tokens, Q for the routed ones), so use the general form.
  const uint64_t begin = std::max(start, first);
  const uint64_t finish = std::max(begin + compute, last + tail) + lat;
  busy_ += compute;
  stall_ += finish - start - compute - lat;
  latency_ += lat;
  ++gemms_;
  clk_.wait_until(finish);
}

void PeArray::attention(const AttentionWork& a, HbmJob& kv, bool fusion) {
  const uint64_t start = clk_.now();
  struct {
    uint64_t qk_cycles = 0, pv_cycles = 0, tail_cycles = 0, softmax_elems = 0;
    uint32_t fused_latency = 0;
  } w;
  for (size_t q = 0; q < a.queries; ++q) {
    w.qk_cycles += timing::attn_qk_cycles(shape_, a.heads, a.head_dim, a.context[q]);
    w.pv_cycles += timing::attn_pv_cycles(shape_, a.heads, a.head_dim, a.context[q]);
    w.softmax_elems += uint64_t(a.heads) * a.context[q];
  }
  // The compute that must follow the last entry's arrival: one key for one query.
  w.tail_cycles = timing::attn_qk_cycles(shape_, a.heads, a.head_dim, 1) +
                  timing::attn_pv_cycles(shape_, a.heads, a.head_dim, 1);
  w.fused_latency = a.fused_latency;
  hbm_.wait_for(kv);
  const uint64_t begin = std::max(start, kv.first);
  const uint64_t lat = cfg_.pe.pipeline_latency;
  if (fusion) {
    const uint64_t finish =
        std::max(begin + w.qk_cycles + w.pv_cycles, kv.done + w.tail_cycles) + lat + w.fused_latency;
    busy_ += w.qk_cycles + w.pv_cycles;
    latency_ += lat + w.fused_latency;
    stall_ += finish - start - w.qk_cycles - w.pv_cycles - lat - w.fused_latency;
    clk_.wait_until(finish);
  } else {
    // Q.K^T over all keys, then softmax as two passes on the nonlinear unit, then P.V.
    const uint64_t qk_end = std::max(begin + w.qk_cycles, kv.done + w.tail_cycles) + lat;
    stall_ += qk_end - start - w.qk_cycles - lat;
    clk_.wait_until(qk_end);
    nl_->run(cfg_.nl.softmax_reduce, w.softmax_elems);
    nl_->run(cfg_.nl.softmax_apply, w.softmax_elems);
    sc_core::wait(clk_.cycles(w.pv_cycles + lat));
    busy_ += w.qk_cycles + w.pv_cycles;
    latency_ += 2 * lat;
  }
  ++attns_;
}

void PeArray::report(StatGroup& g, uint64_t total) const {
  g.add("busy_cycles", busy_, "cycle", "cycles the array computes (one tile-step per cycle)");
  g.add("stall_cycles", stall_, "cycle", "cycles inside GEMM/attention waiting for weights or K/V");
  g.add("latency_cycles", latency_, "cycle", "pipeline and fused-operator latency cycles");
  g.add("gemms", gemms_, "count", "GEMM instructions executed");
  g.add("attentions", attns_, "count", "attention instructions executed");
  g.add("weight_macs", macs_, "count", "FP16 x INT multiply-accumulates of the GEMMs");
  g.add("lanes_fp16_int4", lanes_w_, "count", "products per DSP48E2, activation x weight layout");
  g.add("lanes_fp16_fp16", lanes_a_, "count", "products per DSP48E2, attention layout");
  g.add_real("utilisation", total ? double(busy_) / double(total) : 0.0, "ratio", "busy / total cycles");
}

}  // namespace skipopu

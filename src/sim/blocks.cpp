// Compute blocks: nonlinear unit, router, PE array.
#include "skipopu/dsp/packing.hpp"
#include "skipopu/error.hpp"
#include "skipopu/nonlinear_unit.hpp"
#include "skipopu/pe_array.hpp"
#include "skipopu/router.hpp"
#include "skipopu/sizes.hpp"

#include <algorithm>
#include <stdexcept>

namespace skipopu {

// ---------------------------------------------------------------- nonlinear unit
NonlinearUnit::NonlinearUnit(sc_core::sc_module_name name, const CoreClock& clk) : sc_module(name), clk_(clk) {}

void NonlinearUnit::run(const UnitTiming& t, uint64_t elems) {
  const uint64_t c = timing::stream_cycles(elems, t.elems_per_cycle, t.latency);
  busy_ += c;
  ++passes_;
  sc_core::wait(clk_.cycles(c));
}

uint64_t NonlinearUnit::pass_from(const UnitTiming& t, uint64_t elems, uint64_t from) {
  const uint64_t c = timing::stream_cycles(elems, t.elems_per_cycle, t.latency);
  busy_ += c;
  ++passes_;
  return from + c;
}

void NonlinearUnit::report(StatGroup& g, uint64_t total) const {
  g.add("busy_cycles", busy_, "cycle", "cycles spent in unfused nonlinear passes");
  g.add("passes", passes_, "count", "unfused nonlinear passes");
  g.add_real("utilisation", total ? double(busy_) / double(total) : 0.0, "ratio",
             "busy_cycles / summary.total_cycles (the whole run: prefill, decode, drain)");
}

// ---------------------------------------------------------------- router
Router::Router(sc_core::sc_module_name name, const RouterConfig& cfg, const CoreClock& clk, HbmIf& hbm_if,
               const MemoryMap& map)
    : sc_module(name), hbm("hbm"), cfg_(cfg), clk_(clk), map_(map) {
  hbm.bind(hbm_if);
  weights_.init(map.pcs(), Traffic::RouterWeights);
}

void Router::route(uint32_t layer, uint32_t module, uint64_t tokens, uint64_t d) {
  const uint64_t start = clk_.now();
  const bool from_hbm = !cfg_.weights_on_chip;
  if (from_hbm) {
    weights_.reqs.clear();
    map_.router_weights(layer, module, sizes::router_weight_bytes(d, cfg_.weight_bits), weights_.reqs);
    hbm->submit(weights_);
    hbm->wait_for(weights_);
  }
  const uint64_t finish = timing::router_finish(start, from_hbm, weights_.first, weights_.done, tokens, d,
                                                cfg_.lanes, cfg_.latency);
  busy_ += timing::router_compute(tokens, d, cfg_.lanes) + cfg_.latency;
  decisions_ += tokens;
  clk_.wait_until(finish);
}

void Router::report(StatGroup& g, uint64_t total) const {
  g.add("busy_cycles", busy_, "cycle", "cycles computing router dot products (incl. latency)");
  g.add("decisions", decisions_, "count", "per-token module decisions taken");
  g.add_real("utilisation", total ? double(busy_) / double(total) : 0.0, "ratio",
             "busy_cycles / summary.total_cycles (the whole run: prefill, decode, drain)");
}

// ---------------------------------------------------------------- PE array
PeArray::PeArray(sc_core::sc_module_name name, const HardwareConfig& cfg, const CoreClock& clk,
                 WeightStreamIf& weights_if, NonlinearIf& nl_if, HbmIf& hbm_if)
    : sc_module(name), weights("weights"), nonlinear("nonlinear"), hbm("hbm"), cfg_(cfg), clk_(clk) {
  weights.bind(weights_if);
  nonlinear.bind(nl_if);
  hbm.bind(hbm_if);
  shape_.rows = cfg.pe.rows;
  shape_.cols = cfg.pe.cols;
  lanes_w_ = dsp::builtin_layout(cfg.pe.layout_fp16_int4).lanes;
  lanes_a_ = dsp::builtin_layout(cfg.pe.layout_fp16_fp16).lanes;
  if (cfg.pe.weight_buffer_bytes != 0)
    tile_read_ = timing::ceil_div(sizes::matrix_bytes(cfg.weights, shape_.cols, shape_.rows, cfg.weights.bits),
                                  cfg.pe.weight_buffer_bytes);
  const uint64_t products = uint64_t(shape_.rows) * shape_.cols;
  for (uint32_t lanes : {lanes_w_, lanes_a_}) {
    if (uint64_t(cfg.pe.dsps) * lanes < products)
      throw_input_error(cfg.file, "/pe_array/dsps",
                        "expected at least rows*cols/lanes = " + std::to_string(timing::ceil_div(products, lanes)) +
                            " DSPs for " + std::to_string(products) + " products per cycle at " +
                            std::to_string(lanes) + " products per DSP");
  }
}

uint64_t PeArray::gemm_end(uint64_t start, const StreamArrival& in, const timing::GemmWork& w) const {
  const uint64_t beat = cfg_.pe.weight_beat_cycles;
  return timing::gemm_finish(start + cfg_.pe.gemm_start_cycles, in.first + beat, in.last + beat, w);
}

void PeArray::gemm(const GemmPart* parts, size_t nparts, uint32_t fused_latency) {
  const uint64_t start = clk_.now();
  const timing::GemmWork w = timing::gemm_work(shape_, parts, nparts, tile_read_);
  // The closed form is exact only for token counts that never grow along the stream
  // (timing.hpp); the compiler emits them that way.
  if (!w.ordered) throw std::logic_error("PE array: GEMM parts with growing token counts");
  const StreamArrival in = weights->consume_next();
  clk_.wait_until(count_gemm(start, gemm_end(start, in, w), w, fused_latency));
}

uint64_t PeArray::count_gemm(uint64_t start, uint64_t end, const timing::GemmWork& w, uint32_t fused_latency) {
  const uint64_t pipe = cfg_.pe.pipeline_latency, lat = pipe + fused_latency;
  const uint64_t finish = end + lat;
  // The run: from the issue to the last tile step's result out of the array; its waits: cycles
  // from the first one a tile step may take (gemm_start_cycles on) to the last tile step without one.
  const uint64_t run = end + pipe - start;
  macs_ += w.macs;
  busy_ += w.compute;
  stall_ += finish - start - w.compute - lat;
  latency_ += lat;
  gemm_compute_ += w.compute;
  gemm_run_ += run;
  gemm_wait_ += run - cfg_.pe.gemm_start_cycles - w.compute - pipe;
  ++gemms_;
  return finish;
}

// When each context entry of `lay` is visible: the last byte of its pieces in the job's
// requests, or (on chip) when the history buffer has read it out.
static void entry_ready(const KvStreamLayout& lay, const HbmJob& kv, uint32_t beat, std::vector<uint64_t>& ready) {
  const auto& reqs = kv.reqs.requests();
  for (size_t e = 0; e < lay.entries(); ++e) {
    ready[e] = lay.on_chip[e];
    for (uint32_t p = lay.begin[e]; p < lay.begin[e + 1]; ++p) {
      const RequestPiece& piece = lay.pieces[p];
      const RequestArrival& r = kv.arrivals[piece.req];
      const uint64_t t = timing::piece_arrival(r.first, r.done, reqs[piece.req].bytes, piece.end, beat);
      if (t > ready[e]) ready[e] = t;
    }
  }
}

void PeArray::request_kv(const AttentionWork& a, HbmJob& kv, uint64_t start) {
  const size_t n = kv.reqs.requests().size();
  if (a.kv_at == nullptr || n == 0) {
    hbm->submit(kv);
    return;
  }
  for (size_t b = 0; b < n;) {  // the requests due in one cycle together
    clk_.wait_until(start + a.kv_at[b]);  // returns at once for a cycle already passed
    size_t e = b + 1;
    while (e < n && a.kv_at[e] == a.kv_at[b]) ++e;
    hbm->submit_part(kv, b, e);
    b = e;
  }
}

void PeArray::attention(const AttentionWork& a, HbmJob& kv, bool fusion) {
  const uint64_t start = clk_.now();
  const timing::AttentionCycles w = timing::attention_cycles(shape_, a.shape);
  request_kv(a, kv, start);
  hbm->wait_for(kv);
  if (a.kv == nullptr ||
      ((!a.kv->pieces.empty() || (a.v && !a.v->pieces.empty())) && kv.arrivals.size() != kv.reqs.requests().size()))
    throw std::logic_error("PE array: attention without per-request K/V arrivals");
  if (a.v != nullptr && (fusion || a.v->entries() != a.kv->entries()))
    throw std::logic_error("PE array: a separate V stream is only the unfused baseline's, entry for entry");
  const KvStreamLayout& lay = *a.kv;
  size_t entries = lay.entries();
  for (size_t q = 0; q < a.shape.queries; ++q) entries = std::max<size_t>(entries, a.shape.context[q]);
  ready_.assign(entries, 0);
  entry_ready(lay, kv, cfg_.hbm.beat_bytes, ready_);
  const uint64_t lat = cfg_.pe.pipeline_latency;
  const uint64_t steps_from = start + a.steps_from;  // no entry taken before (a prefill's walk end)
  if (fusion) {
    const uint64_t finish =
        timing::attention_stream_finish(shape_, a.shape, steps_from, ready_.data(), entries, timing::AttnSteps::Both) +
        lat + a.fused_latency;
    busy_ += w.qk + w.pv;
    latency_ += lat + a.fused_latency;
    stall_ += finish - start - w.qk - w.pv - lat - a.fused_latency;
    attn_cycles_ += finish - start;
    clk_.wait_until(finish);
  } else {
    // Q.K^T over all keys as they arrive (kv_split: the K halves), then softmax as two
    // passes on the nonlinear unit, then P.V: kv_together from the entries already on
    // chip, kv_split following the V stream, which kept arriving meanwhile. (With the
    // entries together Q.K^T cannot end before the job is done; with K apart it can, so
    // the passes are scheduled from qk_end, not from now.)
    const uint64_t qk_end =
        timing::attention_stream_finish(shape_, a.shape, steps_from, ready_.data(), entries, timing::AttnSteps::QkOnly) +
        lat;
    stall_ += qk_end - start - w.qk - lat;
    const uint64_t sm_end = nonlinear->pass_from(
        cfg_.nl.softmax_apply, w.softmax_elems, nonlinear->pass_from(cfg_.nl.softmax_reduce, w.softmax_elems, qk_end));
    uint64_t pv_end = sm_end + w.pv + lat;
    if (a.v != nullptr) {
      ready_.assign(entries, 0);
      entry_ready(*a.v, kv, cfg_.hbm.beat_bytes, ready_);
      pv_end =
          timing::attention_stream_finish(shape_, a.shape, sm_end, ready_.data(), entries, timing::AttnSteps::PvOnly) +
          lat;
      stall_ += pv_end - sm_end - w.pv - lat;
    }
    clk_.wait_until(pv_end);
    attn_cycles_ += pv_end - start;
    busy_ += w.qk + w.pv;
    latency_ += 2 * lat;
  }
  ++attns_;
}
void PeArray::report(StatGroup& g, uint64_t total) const {
  g.add("busy_cycles", busy_, "cycle", "cycles the array computes (one tile-step per cycle)");
  g.add("stall_cycles", stall_, "cycle", "cycles inside GEMM/attention waiting for weights or K/V");
  g.add("latency_cycles", latency_, "cycle", "pipeline and fused-operator latency cycles");
  g.add("gemm_compute_cycles", gemm_compute_, "cycle", "GEMMs' tile steps (the generated array's pe_fire)");
  g.add("gemm_run_cycles", gemm_run_, "cycle",
        "GEMMs from issue to the last tile step's result out of the array (pe_run)");
  g.add("gemm_weight_wait_cycles", gemm_wait_, "cycle",
        "cycles of the GEMMs' runs from the first one a tile step may take to the last tile step, without one "
        "(weights not in)");
  g.add("attention_cycles", attn_cycles_, "cycle", "attentions from issue to done (the attention walk's state not idle)");
  g.add("gemms", gemms_, "count", "GEMM instructions executed");
  g.add("attentions", attns_, "count", "attention instructions executed");
  g.add("weight_macs", macs_, "count", "FP16 x INT multiply-accumulates of the GEMMs");
  g.add("lanes_fp16_int4", lanes_w_, "count", "products per DSP48E2, activation x weight layout");
  g.add("lanes_fp16_fp16", lanes_a_, "count", "products per DSP48E2, attention layout");
  g.add_real("utilisation", total ? double(busy_) / double(total) : 0.0, "ratio",
             "busy_cycles / summary.total_cycles (the whole run: prefill, decode, drain)");
}

}  // namespace skipopu

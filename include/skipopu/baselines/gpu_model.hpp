// GPU baseline model: batch-1 decode of the same trace (same skipped modules, same K/V
// policy) on a GPU described by a card (models/gpu/*.json, schema in docs/baselines.md).
//
// Per decoded token the GPU runs kernels; each executed module (attention, MLP, the
// attention's K/V projection alone under the dense K/V policy, a router decision, the
// per-token head/tail) has a kernel count taken from the card's software stack.
//   kernel GPU time = bytes / (peak * reachable_fraction)
//                     + weights * dequant_ps_per_weight  (weights narrower than 16 bit)
//                     + kernel_overhead_us               (ramp/tail of a small kernel)
//   issue time      = graph_launch_us per launched graph (CUDA graphs)
//                     or launch_us per kernel (eager)
// A segment is the work between two host synchronisations: time = max(GPU, issue).
// Modes:
//   dense : routers ignored, every module runs (a static graph: CUDA graphs possible);
//           K/V policy dense. One segment per token.
//   skip  : the trace's decisions; every router decision is a host sync (.item() in public
//           code), so a token is 2*layers+1 segments plus 2*layers * host_sync_us. With
//           CUDA graphs each segment is one captured graph (piecewise graphs).
// Bandwidth efficiency = bytes the executed workload must move (the same classes as the
// SkipOPU report: weights incl. group scales, LM head, embedding row, router weights, K/V
// read and written) / time / peak.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/config.hpp"
#include "skipopu/json_reader.hpp"
#include "skipopu/kv_state.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/trace.hpp"

namespace skipopu::baselines {

struct GpuKernels {  // kernels launched per executed unit
  double attn = 0, attn_kv_only = 0, mlp = 0, router = 0, token = 0;
};

// Weight format on the GPU. group_size 0 = one scale per output channel.
struct GpuWeights {
  uint32_t bits = 16, group_size = 0, scale_bits = 0, zero_point_bits = 0, lm_head_bits = 16, embedding_bits = 16;
};
GpuWeights gpu_weights_from(const WeightFormat& w);
uint64_t gpu_matrix_bytes(const GpuWeights& f, uint64_t k, uint64_t n, uint32_t bits);

enum class GpuMode { Dense, Skip };
const char* to_string(GpuMode m);

struct PublishedFigure {
  std::string figure, source, fitted;  // fitted: the coefficient solved from it ("" = held out)
  double tokens_per_s = 0;
  GpuMode mode = GpuMode::Dense;
  bool graphs = true;
  GpuWeights weights;
  uint32_t prompt = 0, decode = 0;
  std::string model;
};

struct GpuCard {
  std::string name, file, status;  // status: "modelled" or "measured"
  double peak_gbps = 0, reachable_fraction = 0;
  double kernel_overhead_us = 0, dequant_ps_per_weight = 0;
  double launch_us = 0, graph_launch_us = 0, host_sync_us = 0;
  bool cuda_graphs = false;
  uint32_t sm_count = 0;   // for transferring the A100's dequant cost (docs/baselines.md)
  double boost_ghz = 0;
  GpuKernels compiled, eager;  // kernel counts with and without a fusing compiler
  std::vector<PublishedFigure> published;
  Json measured;  // null, or what tools/gpu_measure.py wrote
  Json sources;
};
GpuCard load_gpu_card(const std::string& path);
std::vector<std::string> gpu_card_paths(const std::string& data_dir);  // models/gpu/*.json, sorted

struct GpuResult {
  uint64_t tokens = 0;
  double seconds = 0;
  uint64_t bytes = 0;            // workload bytes of the executed decode steps
  uint64_t weight_bytes = 0, kv_read = 0, kv_write = 0, other_bytes = 0;
  double kernels = 0;            // launched per token, mean
  uint64_t syncs = 0;
  double tokens_per_s() const { return seconds > 0 ? double(tokens) / seconds : 0; }
  double bandwidth_efficiency(double peak_gbps) const {
    return seconds > 0 ? double(bytes) / seconds / (peak_gbps * 1e9) : 0;
  }
};

// Replays records (prompt tokens first, then decode tokens) on a GPU.
class GpuReplay {
 public:
  GpuReplay(const GpuCard& card, const ModelCard& m, const GpuWeights& w, uint32_t kv_bits, KvPolicy policy,
            GpuMode mode, bool graphs);
  void add(const TokenRecord& rec);  // prompt tokens only build the K/V state
  const GpuResult& result() const { return r_; }

 private:
  const GpuCard& card_;
  const ModelCard& m_;
  GpuWeights w_;
  KvPolicy policy_;
  GpuMode mode_;
  bool graphs_;
  KvState kv_;
  uint64_t entry_bytes_;
  uint64_t attn_w_, attn_kv_w_, mlp_w_;  // weights (elements) per layer
  uint64_t attn_b_, attn_kv_b_, mlp_b_, head_b_, router_b_, emb_b_;
  GpuResult r_;
  TokenRecord dense_;
};

// Replays a trace file (all tokens). policy is used in skip mode; dense mode uses Dense.
GpuResult gpu_replay_trace(const GpuCard& card, const ModelCard& m, const std::string& trace_path,
                           const GpuWeights& w, uint32_t kv_bits, KvPolicy policy, GpuMode mode, bool graphs);
// A published figure's setting: a dense trace of its prompt/decode lengths.
GpuResult gpu_replay_figure(const GpuCard& card, const ModelCard& m, const PublishedFigure& f);

// Solves the card's fitted coefficients (kernel_overhead_us, dequant_ps_per_weight,
// launch_us, in that order) from the published figures that name them. Returns the card
// with the solved values; data_dir locates the model cards.
GpuCard calibrate_gpu_card(const GpuCard& card, const std::string& data_dir);

}  // namespace skipopu::baselines

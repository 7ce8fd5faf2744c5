// SkipOPU against GPU and FPGA baselines on one trace (skipopu compare).
//
// Rows: SkipOPU (the simulator's report), every GPU card in two modes (dense: routers
// ignored, CUDA graphs if the card uses them; skip: the trace's decisions with a host sync
// each), a GPU card's measurement if it has one, and the published peers of
// models/fpga/peers.json (reported bandwidth efficiency, normalised as in docs/baselines.md).
// The ratio column is SkipOPU's bandwidth efficiency over the row's; "paper" is the ratio
// the SkipOPU paper reports for that baseline (its own efficiency over the baseline's).
#pragma once
#include <string>
#include <vector>

#include "skipopu/baselines/energy.hpp"
#include "skipopu/baselines/gpu_model.hpp"
#include "skipopu/config.hpp"
#include "skipopu/json_reader.hpp"
#include "skipopu/model_card.hpp"

namespace skipopu::baselines {

struct FpgaPeer {
  std::string name, kind, platform, source, note;  // kind: "fpga" or "gpu"
  double bandwidth_efficiency = 0;  // as reported by the SkipOPU paper
  double platform_peak_gbps = 0;    // 0 when unknown
};
struct PeerSet {
  double paper_skipopu_efficiency = 0;  // SkipOPU's own efficiency implied by the paper's ratios
  std::string reference_device;         // normalisation: that device's peak bandwidth
  double reference_peak_gbps = 0;
  std::vector<FpgaPeer> peers;
};
PeerSet load_peers(const std::string& path);

// Bytes per decoded token of a dense model in the config's weight format at context `ctx`
// (the "dense 4-bit 7B" normalisation when the model is Llama-2-7B and weights are 4-bit).
uint64_t dense_token_bytes(const ModelCard& m, const HardwareConfig& c, uint64_t ctx);

struct CompareRow {
  std::string system, source, mode, note;  // source: simulated, modelled, measured, reported
  double peak_gbps = 0, tokens_per_s = 0, effective_gbps = 0, efficiency = 0;
  double ratio = 0;        // SkipOPU efficiency / this row's
  double paper_ratio = 0;  // 0 = the paper gives none
  // Energy: tokens per joule and what it rests on (0 / "" when the row has no energy figure).
  double board_power_w = 0;  // GPU rows: the card's published board power
  double tokens_per_j = 0;
  std::string energy_basis;
  bool energy_lower_bound = false;  // SkipOPU: only the terms with a public source are counted
};

struct Comparison {
  std::string trace, model, config;
  std::vector<CompareRow> rows;
  Json to_json() const;
  std::string text() const;
  std::string csv() const;
};

// `report` is a skipopu-report/1 document of the same trace and config. With `energy`, GPU rows
// get tokens/J at their published board power and the SkipOPU row the report's
// summary.energy figure.
Comparison build_comparison(const Json& report, const HardwareConfig& cfg, const ModelCard& m,
                            const std::string& trace_path, const std::vector<GpuCard>& gpus, const PeerSet& peers,
                            const EnergyModel* energy = nullptr);

}  // namespace skipopu::baselines

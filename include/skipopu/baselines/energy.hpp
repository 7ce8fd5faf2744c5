// Energy per decoded token (docs/energy.md). Every coefficient is data with its public source
// (models/energy.json); a coefficient whose source we could not find is null there, its term is
// then not modelled and the report says so (the sum is a lower bound) instead of guessing.
//
//   HBM       decode_bytes.hbm_physical x 8 x pJ/bit                 (per token: / decode tokens)
//   logic     sum over DSP, LUT, URAM of used x uW/MHz x core MHz    x decode time
//   static    board static power                                    x decode time
// GPU baselines use their cards' published board power (TDP / total board power) x decode
// time: a rated figure, not a measurement.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "skipopu/baselines/resources.hpp"
#include "skipopu/stats.hpp"

namespace skipopu::baselines {

struct EnergyTerm {
  std::optional<double> value;  // nullopt: no public source found (term not modelled)
  std::string notes;            // provenance
};

struct GpuBoardPower {
  std::string card;  // a GPU card's "name" (models/gpu/*.json)
  double watts = 0;
  std::string what, source;
};

struct EnergyModel {
  std::string file;
  EnergyTerm hbm_pj_per_bit;
  EnergyTerm dsp_uw_per_mhz, lut_uw_per_mhz, uram_uw_per_mhz;
  EnergyTerm board_static_w;
  std::vector<GpuBoardPower> gpus;
  const GpuBoardPower* gpu(const std::string& card) const;  // nullptr when not listed
};
EnergyModel load_energy_model(const std::string& path);

struct EnergyEstimate {
  bool hbm = false, logic = false, board_static = false;  // which terms are modelled
  double hbm_j_per_token = 0, logic_w = 0, logic_j_per_token = 0, static_j_per_token = 0;
  double j_per_token = 0;   // sum of the modelled terms
  double tokens_per_j = 0;  // 1 / j_per_token (0 when nothing is modelled)
  std::string missing;      // the terms without a source, e.g. "logic, static"
};

// `hbm_bytes`: physical HBM bytes of decode; `decode_s`: decode time; `tokens`: decoded tokens.
EnergyEstimate estimate_energy(const EnergyModel& m, const ResourceEstimate& r, double core_hz, uint64_t hbm_bytes,
                               double decode_s, uint64_t tokens);

// The report's summary.energy group.
void add_energy_stats(StatGroup& summary, const EnergyEstimate& e, const std::string& energy_file);

}  // namespace skipopu::baselines

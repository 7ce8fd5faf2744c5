// Error analysis of packing layouts: every operand combination when the operands have at
// most `exhaustive_max_log2` bits in total, otherwise `samples` seeded splitmix64 draws.
// Each case runs the bit-accurate DSP48E2 once with corrections and once without, and
// compares every lane with its intended value floor(sign*x*y / 2^drop). Errors are in
// units of the lane's LSB (after drop). Reports as text table, CSV or JSON.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/dsp/packing.hpp"

namespace skipopu::dsp {

struct ErrorAnalysisOptions {
  unsigned exhaustive_max_log2 = 26;
  uint64_t samples = uint64_t{1} << 24;
  uint64_t seed = 1;
};

struct LaneError {
  uint64_t errors = 0;     // cases with a wrong lane value
  double error_rate = 0;   // errors / cases
  double mean_abs = 0;     // mean |error| over all cases
  double mean = 0;         // mean signed error (bias)
  int64_t max_abs = 0;
};

struct LayoutError {
  std::string layout;
  bool exhaustive = false;
  uint64_t cases = 0;
  uint64_t seed = 0;  // 0 when exhaustive
  bool claims_exact = false;
  unsigned capacity = 0;
  unsigned operand_bits = 0;
  PeResources resources;
  std::vector<std::string> lane_names;
  std::vector<LaneError> corrected, uncorrected;
};

LayoutError analyse_layout(const PackingLayout& l, const ErrorAnalysisOptions& opt);

std::string error_table_text(const std::vector<LayoutError>& r);
std::string error_table_csv(const std::vector<LayoutError>& r);
std::string error_table_json(const std::vector<LayoutError>& r);  // also lists resources

}  // namespace skipopu::dsp

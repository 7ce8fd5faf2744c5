// HBM microbenchmark driver (library part of `skipopu hbm-bench`; also used by tests).
// Each port issues a stream of requests (sequential, random or strided) to its pseudo-
// channel(s) with at most `outstanding` requests in flight and an optional offered rate.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/prng.hpp"

namespace skipopu::hbm {

// Deterministic PRNG (splitmix64); no std:: distributions anywhere.
struct BenchSpec {
  std::string pattern = "seq";   // seq | random | strided
  uint64_t size = 512;           // bytes per request
  uint64_t stride = 4096;        // strided: bytes between request starts
  uint64_t range = 0;            // address range per PC (0: whole PC)
  uint32_t pcs = 0;              // pseudo-channels used (0: all)
  uint32_t ports = 0;            // ports used (0: = pcs)
  uint32_t pc_offset = 0;        // port p targets PC (p + offset) mod pcs (switch crossing)
  uint32_t outstanding = 32;     // per port
  uint64_t requests = 10000;     // per port
  double write_fraction = 0.0;   // 0..1
  double rate = 1.0;             // offered load per port, fraction of one port's peak (0 < rate <= 1)
  uint64_t seed = 1;
};

struct BenchResult {
  uint64_t requests = 0, bytes = 0;
  Cycle end = 0;                 // cycle of the last completion
  double bandwidth_gbs = 0;      // bytes / (end + 1) cycles at axi_mhz
  double peak_gbs = 0;           // peak of the PCs used
  double lat_mean = 0;           // AXI cycles, done - arrival
  Cycle lat_min = 0, lat_max = 0;
  double row_hit_rate = 0, refresh_overhead = 0;
  double wall_s = 0;              // simulator wall time
  double cpu_s = 0;               // simulator CPU time of this process (speed figures use it)
  std::vector<Completion> completions;  // filled when record = true, in pop order
};

// Checks the spec against the params; throws InputError naming `origin`.
void validate_bench(const HbmParams& p, const BenchSpec& s, const std::string& origin);
BenchResult run_bench(const HbmParams& p, const BenchSpec& s, bool record = false, StatGroup* report = nullptr);

}  // namespace skipopu::hbm

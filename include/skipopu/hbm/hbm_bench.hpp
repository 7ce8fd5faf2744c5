// HBM microbenchmark driver (library part of `skipopu hbm-bench`; also used by tests).
// Each port issues a stream of requests (sequential, random or strided) to its pseudo-
// channel(s) with at most `outstanding` requests in flight and an optional offered rate,
// with AXI IDs assigned round-robin over `axi_ids` per port. Either the uniform layout
// (pcs, ports, pc_offset) or explicit per-port streams (port, PCs, base address, direction),
// e.g. a vector add: two read streams and one write stream into one PC.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/prng.hpp"

namespace skipopu::hbm {

// One port's traffic in the explicit layout (`--stream port=P,pc=A[-B],base=N,dir=read|write|mix`).
struct BenchStream {
  uint32_t port = 0;                   // AXI port
  uint32_t pc_first = 0, pc_count = 1; // PCs pc_first .. pc_first + pc_count - 1
  uint64_t base = 0;                   // byte offset of the stream inside each of its PCs
  int dir = -1;                        // -1: reads and writes by write_fraction; 0: reads; 1: writes
};

// Parses one --stream value; throws InputError naming `origin`.
BenchStream parse_bench_stream(const std::string& spec, const std::string& origin);

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
  uint32_t axi_ids = 1;          // AXI IDs per port, assigned round-robin per request (0, 1, .., axi_ids-1, 0, ..)
  bool pc_round_robin = false;   // random pattern: PCs of a port in turn instead of one drawn per request
  std::vector<BenchStream> streams;  // non-empty: explicit per-port layout (pcs, ports, pc_offset unused)
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

// skipopu hbm-bench: HBM microbenchmark (bandwidth, latency, row hits, refresh overhead).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "data_dir.hpp"
#include "options.hpp"
#include "output.hpp"
#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_bench.hpp"

namespace skipopu::cli {

namespace {

// Counts the bench multiplies or converts (validate_bench checks each on its own): the total
// request count and the last nominal arrival (requests x beats / rate AXI cycles) must stay
// exact integers, far from overflow.
constexpr uint64_t kMaxBenchRequests = uint64_t(1) << 32;  // over all ports
constexpr double kMaxBenchCycles = 9007199254740992.0;     // 2^53: exact in a double

void validate_counts(const hbm::HbmParams& p, const hbm::BenchSpec& s) {
  const uint64_t pcs = s.pcs ? s.pcs : p.pseudo_channels;
  const uint64_t ports = s.ports ? s.ports : pcs;
  if (s.requests > kMaxBenchRequests / ports)
    throw InputError("command line: --requests: expected at most " + std::to_string(kMaxBenchRequests / ports) +
                     " per port (" + std::to_string(kMaxBenchRequests) + " over " + std::to_string(ports) +
                     " ports), got " + std::to_string(s.requests));
  const double beats = double((s.size + p.beat_bytes - 1) / p.beat_bytes);
  if (double(s.requests) * beats / s.rate >= kMaxBenchCycles)
    throw InputError("command line: --rate: expected a rate at which the last request arrives within 2^53 AXI cycles "
                     "(requests x beats / rate), got " + format_real(s.rate));
}

}  // namespace

int cmd_hbm_bench(const Args& args) {
  using namespace skipopu::hbm;
  po::options_description desc("hbm-bench options");
  std::string preset = "u280", model = "bank", json_out, data_dir;
  std::vector<std::string> sets, streams;
  BenchSpec s;
  desc.add_options()
      ("preset", po::value(&preset)->default_value(preset), "HBM preset: name in configs/hbm/ or a JSON path")
      ("model", po::value(&model)->default_value(model), "burst | bank")
      ("set", po::value(&sets)->composing(), "override a preset key, e.g. --set timing.tCL=16 (repeatable)")
      ("detailed", "use the detailed one-command-per-event path (simulator.fast_path=false)")
      ("check", "validate the options and the preset, then stop (nothing is simulated)")
      ("pattern", po::value(&s.pattern)->default_value(s.pattern), "seq | random | strided")
      ("size", po::value(&s.size)->default_value(s.size), "bytes per request")
      ("stride", po::value(&s.stride)->default_value(s.stride), "strided: bytes between request starts")
      ("range", po::value(&s.range)->default_value(s.range), "address range per pseudo-channel in bytes (0: whole PC)")
      ("pcs", po::value(&s.pcs)->default_value(s.pcs), "pseudo-channels used (0: all)")
      ("ports", po::value(&s.ports)->default_value(s.ports), "AXI ports used (0: one per PC)")
      ("pc-offset", po::value(&s.pc_offset)->default_value(s.pc_offset), "port p targets PC (p + offset) mod pcs")
      ("outstanding", po::value(&s.outstanding)->default_value(s.outstanding), "outstanding requests per port")
      ("requests", po::value(&s.requests)->default_value(s.requests), "requests per port")
      ("write-fraction", po::value(&s.write_fraction)->default_value(s.write_fraction), "fraction of writes, 0..1")
      ("rate", po::value(&s.rate)->default_value(s.rate), "offered load per port as a fraction of its peak, (0, 1]")
      ("seed", po::value(&s.seed)->default_value(s.seed), "PRNG seed")
      ("axi-ids", po::value(&s.axi_ids)->default_value(s.axi_ids), "AXI IDs per port, assigned round-robin per request")
      ("pc-round-robin", "random pattern: a port's PCs in turn (default: one drawn at random per request)")
      ("stream", po::value(&streams)->composing(),
       "one port's traffic, repeatable: port=P,pc=A[-B][,base=BYTES[K|M|G]][,dir=read|write|mix] "
       "(replaces --pcs/--ports/--pc-offset; e.g. a vector add: three streams on one PC)")
      ("json", po::value(&json_out), "also write the results as JSON to this file")
      ("data-dir", po::value(&data_dir), "where configs/hbm/ lives (default: SKIPOPU_DATA_DIR, else share/skipopu by the binary)");
  po::variables_map vm;
  if (!parse_options("hbm-bench", args, desc, vm, "[options]")) return kExitOk;

  const std::string path = resolve_hbm_preset(preset, find_data_dir(data_dir));
  Json doc = load_json_file(path);
  for (const auto& a : sets) apply_override(doc, a, "--set");
  if (vm.count("detailed")) doc["simulator"]["fast_path"] = false;
  HbmParams p = parse_hbm_preset(doc, sets.empty() && !vm.count("detailed") ? path : path + " (with --set overrides)");
  if (model != "burst" && model != "bank") throw InputError("command line: --model: expected burst or bank, got \"" + model + "\"");
  p.model = model;
  for (const auto& st : streams) s.streams.push_back(parse_bench_stream(st, "command line"));
  s.pc_round_robin = vm.count("pc-round-robin") > 0;
  validate_bench(p, s, "command line");
  validate_counts(p, s);
  if (vm.count("check")) return kExitOk;

  StatGroup report("hbm");
  const BenchResult r = run_bench(p, s, false, &report);
  const double ns = 1e3 / p.axi_mhz;
  const uint32_t pcs_used = s.pcs ? s.pcs : p.pseudo_channels;
  const std::string layout = !s.streams.empty() ? std::to_string(s.streams.size()) + " streams"
                             : std::to_string(pcs_used) + " PCs, " + std::to_string(s.ports ? s.ports : pcs_used) + " ports";
  char buf[2048];
  std::snprintf(buf, sizeof buf,
                "hbm-bench: preset %s, model %s (%s path), pattern %s, %llu B requests, %s, %u outstanding, "
                "write fraction %.3g, rate %.3g, %u AXI IDs per port\n"
                "  requests         %llu (%llu bytes)\n"
                "  elapsed          %llu AXI cycles (%.3f us)\n"
                "  bandwidth        %.2f GB/s of %.2f GB/s peak (%.2f%%)\n"
                "  latency          mean %.2f, min %llu, max %llu AXI cycles (mean %.1f ns)\n"
                "  row hit rate     %.4f\n"
                "  refresh overhead %.4f\n"
                "  simulator        %.3f s CPU (%.3f s wall), %.3g requests/s, %.3g 32-B units/s (per CPU second)\n",
                p.preset_name.c_str(), p.model.c_str(), p.fast_path ? "fast" : "detailed", s.pattern.c_str(),
                (unsigned long long)s.size, layout.c_str(), s.outstanding, s.write_fraction, s.rate, s.axi_ids,
                (unsigned long long)r.requests, (unsigned long long)r.bytes, (unsigned long long)(r.end + 1),
                double(r.end + 1) * ns * 1e-3, r.bandwidth_gbs, r.peak_gbs, 100.0 * r.bandwidth_gbs / r.peak_gbs,
                r.lat_mean, (unsigned long long)r.lat_min, (unsigned long long)r.lat_max, r.lat_mean * ns,
                r.row_hit_rate, r.refresh_overhead, r.cpu_s, r.wall_s, double(r.requests) / r.cpu_s,
                double(r.bytes) / 32.0 / r.cpu_s);
  std::cout << buf;

  if (!json_out.empty()) {
    Json j = Json::object();
    j["preset"] = p.preset_name;
    j["model"] = p.model;
    j["path"] = p.fast_path ? "fast" : "detailed";
    j["spec"] = {{"pattern", s.pattern}, {"size", s.size}, {"stride", s.stride}, {"range", s.range ? s.range : p.pc_bytes},
                 {"pcs", s.pcs ? s.pcs : p.pseudo_channels}, {"ports", s.ports ? s.ports : (s.pcs ? s.pcs : p.pseudo_channels)},
                 {"pc_offset", s.pc_offset}, {"outstanding", s.outstanding}, {"requests_per_port", s.requests},
                 {"write_fraction", s.write_fraction}, {"rate", s.rate}, {"seed", s.seed},
                 {"axi_ids", s.axi_ids}, {"pc_choice", s.pattern == "random" && !s.pc_round_robin ? "random" : "round_robin"}};
    if (!s.streams.empty()) {
      Json js = Json::array();
      for (const BenchStream& st : s.streams)
        js.push_back({{"port", st.port}, {"pc_first", st.pc_first}, {"pc_count", st.pc_count}, {"base", st.base},
                      {"dir", st.dir < 0 ? "mix" : st.dir ? "write" : "read"}});
      j["spec"]["streams"] = js;
    }
    j["results"] = {{"requests", r.requests}, {"bytes", r.bytes}, {"elapsed_cycles", r.end + 1},
                    {"bandwidth_gbs", std::stod(format_real(r.bandwidth_gbs))},
                    {"peak_gbs", std::stod(format_real(r.peak_gbs))},
                    {"latency_cycles", {{"mean", std::stod(format_real(r.lat_mean))}, {"min", r.lat_min}, {"max", r.lat_max}}},
                    {"row_hit_rate", std::stod(format_real(r.row_hit_rate))},
                    {"refresh_overhead", std::stod(format_real(r.refresh_overhead))}};
    j["report"] = report.to_json();
    write_file_atomically(json_out, j.dump(2) + "\n");
  }
  return kExitOk;
}

}  // namespace skipopu::cli

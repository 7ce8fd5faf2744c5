// skipopu run: replay a trace on a hardware config; print the report (text, JSON or CSV),
// optionally write the JSON report to a file.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "data_dir.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "report_format.hpp"
#include "skipopu/baselines/energy.hpp"
#include "skipopu/baselines/resources.hpp"
#include "skipopu/config.hpp"
#include "skipopu/skipopu_top.hpp"

namespace skipopu::cli {

namespace {

// A config the device cannot hold still simulates (design-space studies go beyond it), but
// never silently: one warning line on stderr, from the same estimate `skipopu resources` prints.
void warn_if_not_fitting(const HardwareConfig& cfg, const std::string& config, const std::string& data_dir) {
  const std::string device = data_dir + "/models/fpga/u280-device.json";
  const std::string coeffs = data_dir + "/models/fpga/resource-model.json";
  if (!std::ifstream(device) || !std::ifstream(coeffs)) return;  // a data dir without the FPGA cards
  const baselines::ResourceEstimate e = baselines::estimate_resources(
      cfg, baselines::load_resource_coefficients(coeffs), baselines::load_device_card(device));
  if (e.fits) return;
  std::string over;
  for (int r = 0; r < baselines::kResCount; ++r) {
    if (e.utilisation[r] <= 1.0) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.0f%%", over.empty() ? "" : ", ", baselines::res_name(r),
                  100.0 * e.utilisation[r]);
    over += buf;
  }
  std::cerr << "skipopu run: warning: " << config << ": the design does not fit the " << e.device << " (" << over
            << " of the device; see skipopu resources); simulating it anyway\n";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// --series-format, else the file's extension.
bool series_is_json(const std::string& file, const std::string& format) {
  if (!format.empty()) {
    if (format == "csv") return false;
    if (format == "json") return true;
    throw InputError("command line: --series-format: expected csv or json, got '" + format + "'");
  }
  if (ends_with(file, ".csv")) return false;
  if (ends_with(file, ".json")) return true;
  throw InputError("command line: --series: cannot tell the format of '" + printable(file) +
                   "' from its extension (expected .csv or .json, or give --series-format)");
}

// "A:B" -> [A, B) within the trace's tokens; empty: the first decoded token.
void parse_token_range(const std::string& s, const TraceHeader& h, uint64_t& a, uint64_t& b) {
  const uint64_t n = h.tokens();
  if (s.empty()) {
    if (h.decode == 0) throw InputError("command line: --timeline: the trace has no decoded token; give --timeline-tokens A:B");
    a = h.prompt;
    b = a + 1;
    return;
  }
  const std::string what = "command line: --timeline-tokens: ";
  const size_t colon = s.find(':');
  auto num = [&](const std::string& t) -> uint64_t {
    if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos)
      throw InputError(what + "expected A:B (token indices, A < B), got '" + printable(s) + "'");
    return std::stoull(t);
  };
  if (colon == std::string::npos) num("");
  a = num(s.substr(0, colon));
  b = num(s.substr(colon + 1));
  if (a >= b) throw InputError(what + "expected A < B, got '" + printable(s) + "'");
  if (b > n)
    throw InputError(what + "token range '" + printable(s) + "' ends past the trace's " + std::to_string(n) +
                     " tokens");
}

}  // namespace

int cmd_run(const Args& args) {
  po::options_description desc("options");
  std::string config, model, trace, json_out, data_dir, format = "text", out;
  std::string series, series_format, timeline, timeline_tokens, energy, wave;
  std::vector<std::string> sets;
  bool quiet = false, verbose = false;
  double progress_after = 2.0;
  desc.add_options()
      ("config,c", po::value(&config), "hardware config (JSON; default: configs/u280.json in the data directory)")
      ("model,m", po::value(&model), "model card name or path (default: the trace's model)")
      ("trace,t", po::value(&trace)->required(), "trace file")
      ("set,s", po::value(&sets)->composing(), "override a config key: key.path=value (repeatable)")
      ("format,f", po::value(&format)->default_value(format), "report format on stdout (or --out): text | json | csv")
      ("out,o", po::value(&out), "write the report in --format to this file (atomically) instead of stdout")
      ("json,j", po::value(&json_out), "also write the report as JSON to this file")
      ("quiet,q", po::bool_switch(&quiet), "do not print the report (nor the progress line)")
      ("progress-after", po::value(&progress_after)->default_value(progress_after),
       "seconds of wall time after which a progress line (tokens, simulated time, wall time, ETA) is shown "
       "on stderr, updated in place; only when stderr is a terminal and without --quiet")
      ("verbose,v", po::bool_switch(&verbose), "text: also print detail groups (per pseudo-channel)")
      ("series", po::value(&series),
       "write per-token and per-layer series (one row per step and program segment) to this file")
      ("series-format", po::value(&series_format), "csv | json (default: from the --series file's extension)")
      ("timeline", po::value(&timeline),
       "write a Chrome/Perfetto trace-event timeline (blocks and HBM pseudo-channels) to this file")
      ("energy", po::value(&energy),
       "energy coefficients (default: models/energy.json in the data directory; without it no energy figures)")
      ("wave", po::value(&wave),
       "skipopu-rtl with blocks.controller=rtl or blocks.top=rtl: write the generated controller's (or whole processor's) "
       "signals as a VCD waveform to this file")
      ("timeline-tokens", po::value(&timeline_tokens),
       "A:B: record tokens A..B-1 of the trace in the timeline (default: the first decoded token)")
      ("data-dir", po::value(&data_dir),
       "where models/ and configs/ live (default: SKIPOPU_DATA_DIR, else share/skipopu by the binary)");
  po::variables_map vm;
  if (!parse_options("run", args, desc, vm,
                     "--trace FILE [--config FILE] [--set k=v ...] [--format text|json|csv] [--out FILE] [--json OUT]"
                     " [--series FILE] [--timeline FILE [--timeline-tokens A:B]] [--wave FILE]"))
    return kExitOk;
  const ReportFormat fmt = parse_report_format(format);
  if (!std::isfinite(progress_after) || progress_after < 0)
    throw InputError("command line: --progress-after: expected seconds >= 0, got " + std::to_string(progress_after));
  RecordOptions ropt;
  ropt.wave = wave;
  ropt.series = !series.empty();
  if (ropt.series) ropt.series_json = series_is_json(series, series_format);
  else if (!series_format.empty()) throw InputError("command line: --series-format needs --series FILE");
  if (timeline.empty() && !timeline_tokens.empty())
    throw InputError("command line: --timeline-tokens needs --timeline FILE");
  data_dir = find_data_dir(data_dir);
  if (config.empty()) config = data_dir + "/configs/u280.json";

  const HardwareConfig cfg = load_hardware_config(config, sets, data_dir);
  {
    TraceReader peek(trace);
    if (model.empty()) model = peek.header().model;
    if (!timeline.empty()) {
      ropt.timeline = true;
      parse_token_range(timeline_tokens, peek.header(), ropt.timeline_first, ropt.timeline_end);
    }
  }
  // Energy per token: the coefficients and the design's resource use, loaded before the run so
  // that a bad file fails fast.
  SummaryHook hook;
  const bool default_energy = energy.empty();
  if (default_energy) energy = data_dir + "/models/energy.json";
  const std::string device = data_dir + "/models/fpga/u280-device.json";
  const std::string coeffs = data_dir + "/models/fpga/resource-model.json";
  if (!default_energy || std::ifstream(energy)) {
    const baselines::EnergyModel em = baselines::load_energy_model(energy);
    const baselines::ResourceEstimate res = baselines::estimate_resources(
        cfg, baselines::load_resource_coefficients(coeffs), baselines::load_device_card(device));
    hook = [em, res, &cfg, energy](StatGroup& s, const RunTotals& t) {
      const double decode_s = double(t.decode_cycles) / double(cfg.clocks.core_hz);
      baselines::add_energy_stats(
          s, baselines::estimate_energy(em, res, double(cfg.clocks.core_hz), t.hbm_decode_bytes, decode_s, t.decode_tokens),
          energy);
    };
  }
  std::optional<ProgressLine> progress_line;
  ProgressHook progress;
  if (!quiet && isatty(STDERR_FILENO)) {
    progress_line.emplace(stderr, progress_after);
    progress = [&progress_line](const RunProgress& p) { progress_line->update(p); };
  }
  const RunReport rep = simulate(cfg, resolve_model_path(model, data_dir), trace, verbose, ropt, hook, progress);
  if (progress_line) progress_line->finish();
  if (!out.empty()) write_file_atomically(out, format_report(rep, fmt));
  else if (!quiet) std::cout << format_report(rep, fmt);
  if (!json_out.empty()) write_file_atomically(json_out, format_report(rep, ReportFormat::json));
  if (ropt.series) write_file_atomically(series, rep.series);
  if (ropt.timeline) write_file_atomically(timeline, rep.timeline);
  // Last, so that a run refused for bad input or an unwritable output still says exactly one line.
  warn_if_not_fitting(cfg, config, data_dir);
  return kExitOk;
}

}  // namespace skipopu::cli

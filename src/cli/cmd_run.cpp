// skipopu run: replay a trace on a hardware config; print the report (text, JSON or CSV),
// optionally write the JSON report to a file.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "data_dir.hpp"
#include "options.hpp"
#include "output.hpp"
#include "report_format.hpp"
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

}  // namespace

int cmd_run(const Args& args) {
  po::options_description desc("options");
  std::string config, model, trace, json_out, data_dir, format = "text", out;
  std::vector<std::string> sets;
  bool quiet = false, verbose = false;
  desc.add_options()
      ("config,c", po::value(&config), "hardware config (JSON; default: configs/u280.json in the data directory)")
      ("model,m", po::value(&model), "model card name or path (default: the trace's model)")
      ("trace,t", po::value(&trace)->required(), "trace file")
      ("set,s", po::value(&sets)->composing(), "override a config key: key.path=value (repeatable)")
      ("format,f", po::value(&format)->default_value(format), "report format on stdout (or --out): text | json | csv")
      ("out,o", po::value(&out), "write the report in --format to this file (atomically) instead of stdout")
      ("json,j", po::value(&json_out), "also write the report as JSON to this file")
      ("quiet,q", po::bool_switch(&quiet), "do not print the report")
      ("verbose,v", po::bool_switch(&verbose), "text: also print detail groups (per pseudo-channel)")
      ("data-dir", po::value(&data_dir),
       "where models/ and configs/ live (default: SKIPOPU_DATA_DIR, else share/skipopu by the binary)");
  po::variables_map vm;
  if (!parse_options("run", args, desc, vm,
                     "--trace FILE [--config FILE] [--set k=v ...] [--format text|json|csv] [--out FILE] [--json OUT]"))
    return kExitOk;
  const ReportFormat fmt = parse_report_format(format);
  data_dir = find_data_dir(data_dir);
  if (config.empty()) config = data_dir + "/configs/u280.json";

  const HardwareConfig cfg = load_hardware_config(config, sets, data_dir);
  if (model.empty()) {
    TraceReader peek(trace);
    model = peek.header().model;
  }
  const RunReport rep = simulate(cfg, resolve_model_path(model, data_dir), trace, verbose);
  if (!out.empty()) write_file_atomically(out, format_report(rep, fmt));
  else if (!quiet) std::cout << format_report(rep, fmt);
  if (!json_out.empty()) write_file_atomically(json_out, format_report(rep, ReportFormat::json));
  // Last, so that a run refused for bad input or an unwritable output still says exactly one line.
  warn_if_not_fitting(cfg, config, data_dir);
  return kExitOk;
}

}  // namespace skipopu::cli

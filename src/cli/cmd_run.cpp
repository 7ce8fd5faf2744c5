// skipopu run: replay a trace on a hardware config; print the report, write it as JSON.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "options.hpp"
#include "output.hpp"
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
  std::string config, model, trace, json_out, data_dir = SKIPOPU_DATA_DIR;
  std::vector<std::string> sets;
  bool quiet = false, verbose = false;
  desc.add_options()
      ("config,c", po::value(&config)->default_value(data_dir + "/configs/u280.json"), "hardware config (JSON)")
      ("model,m", po::value(&model), "model card name or path (default: the trace's model)")
      ("trace,t", po::value(&trace)->required(), "trace file")
      ("set,s", po::value(&sets)->composing(), "override a config key: key.path=value (repeatable)")
      ("json,j", po::value(&json_out), "also write the report as JSON to this file")
      ("quiet,q", po::bool_switch(&quiet), "do not print the text report")
      ("verbose,v", po::bool_switch(&verbose), "also print detail groups (per pseudo-channel)")
      ("data-dir", po::value(&data_dir), "where models/ and configs/hbm/ live");
  po::variables_map vm;
  if (!parse_options("run", args, desc, vm, "--trace FILE [--config FILE] [--set k=v ...] [--json OUT]")) return kExitOk;
  if (!vm.count("config") || vm["config"].defaulted()) config = data_dir + "/configs/u280.json";

  const HardwareConfig cfg = load_hardware_config(config, sets, data_dir);
  warn_if_not_fitting(cfg, config, data_dir);
  if (model.empty()) {
    TraceReader peek(trace);
    model = peek.header().model;
  }
  const RunReport rep = simulate(cfg, resolve_model_path(model, data_dir), trace, verbose);
  if (!quiet) std::cout << rep.text;
  if (!json_out.empty()) write_file_atomically(json_out, rep.json.dump(2) + "\n");
  return kExitOk;
}

}  // namespace skipopu::cli

// skipopu resources: FPGA resource estimate of a config (docs/resources.md).
// skipopu compare: SkipOPU against GPU and FPGA baselines on one trace (docs/baselines.md).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data_dir.hpp"
#include "options.hpp"
#include "output.hpp"
#include "skipopu/baselines/compare.hpp"
#include "skipopu/baselines/energy.hpp"
#include "skipopu/baselines/gpu_model.hpp"
#include "skipopu/baselines/resources.hpp"
#include "skipopu/config.hpp"
#include "skipopu/error.hpp"
#include "skipopu/stats.hpp"

extern char** environ;

namespace skipopu::cli {

namespace {

// Runs argv[0] and waits; with `stderr_to` its standard error goes to that file.
int spawn_wait(const std::vector<std::string>& argv, const std::string& stderr_to = "") {
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!stderr_to.empty())
    posix_spawn_file_actions_addopen(&fa, 2, stderr_to.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int sp = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (sp != 0) return -1;
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/skipopu-compare-XXXXXX";
    if (!mkdtemp(t)) throw OutputError("cannot create a temporary folder in /tmp");
    path = t;
  }
  ~TempDir() {
    for (const char* f : {"/report.json", "/report.json.tmp", "/compare.json", "/compare.json.tmp", "/stderr"})
      std::remove((path + f).c_str());
    rmdir(path.c_str());
  }
};

int gpu_calibration(const std::string& data_dir) {
  std::printf("%-12s %-34s %-22s %10s %10s %8s\n", "card", "figure", "fitted", "published", "model", "error");
  int bad = 0;
  for (const std::string& p : baselines::gpu_card_paths(data_dir)) {
    const baselines::GpuCard c = baselines::load_gpu_card(p);
    const baselines::GpuCard fit = baselines::calibrate_gpu_card(c, data_dir);
    for (const auto& f : c.published) {
      const ModelCard m = load_model_card(resolve_model_path(f.model, data_dir));
      const double got = baselines::gpu_replay_figure(c, m, f).tokens_per_s();
      const double err = got / f.tokens_per_s - 1.0;
      if (f.fitted.empty() && std::fabs(err) > 0.10) ++bad;
      std::printf("%-12s %-34s %-22s %10.1f %10.1f %+7.2f%%\n", c.name.c_str(), f.figure.c_str(),
                  f.fitted.empty() ? "(held out)" : f.fitted.c_str(), f.tokens_per_s, got, 100 * err);
    }
    if (!c.published.empty())
      std::printf("%-12s solved: kernel_overhead_us %.4f  dequant_ps_per_weight %.5f  launch_us %.4f\n", c.name.c_str(),
                  fit.kernel_overhead_us, fit.dequant_ps_per_weight, fit.launch_us);
  }
  return bad ? kExitInternal : kExitOk;
}

}  // namespace

int cmd_resources(const Args& args) {
  po::options_description desc("options");
  std::string config, json_out, device, coeffs, data_dir;
  std::vector<std::string> sets;
  bool quiet = false;
  desc.add_options()
      ("config,c", po::value(&config), "hardware config (default: configs/u280.json)")
      ("set,s", po::value(&sets)->composing(), "override a config key: key.path=value (repeatable)")
      ("device", po::value(&device), "device card (default: models/fpga/u280-device.json)")
      ("coefficients", po::value(&coeffs), "resource model (default: models/fpga/resource-model.json)")
      ("json,j", po::value(&json_out), "also write the estimate as JSON to this file")
      ("quiet,q", po::bool_switch(&quiet), "do not print the table")
      ("data-dir", po::value(&data_dir), "where configs/ and models/ live");
  po::variables_map vm;
  if (!parse_options("resources", args, desc, vm, "[--config FILE] [--set k=v ...] [--json OUT]")) return kExitOk;
  data_dir = find_data_dir(data_dir);
  if (config.empty()) config = data_dir + "/configs/u280.json";
  if (device.empty()) device = data_dir + "/models/fpga/u280-device.json";
  if (coeffs.empty()) coeffs = data_dir + "/models/fpga/resource-model.json";
  const HardwareConfig cfg = load_hardware_config(config, sets, data_dir);
  const baselines::DeviceCard dev = baselines::load_device_card(device);
  const baselines::ResourceCoefficients k = baselines::load_resource_coefficients(coeffs);
  const baselines::ResourceEstimate e = baselines::estimate_resources(cfg, k, dev);
  if (!quiet) std::cout << "resources of " << cfg.name << " (" << config << ")\n" << e.text();
  if (!json_out.empty()) {
    Json j = e.to_json();
    j["config"] = cfg.name;
    write_file_atomically(json_out, j.dump(2) + "\n");
  }
  return kExitOk;
}

int cmd_compare(const Args& args) {
  po::options_description desc("options");
  std::string config, trace, format = "text", out, plot, report_in, peers_path, data_dir, energy_path;
  std::vector<std::string> sets;
  bool calibration = false;
  desc.add_options()
      ("trace,t", po::value(&trace), "trace file")
      ("config,c", po::value(&config), "hardware config (default: configs/u280.json)")
      ("set,s", po::value(&sets)->composing(), "override a config key: key.path=value (repeatable)")
      ("format,f", po::value(&format), "text | csv | json")
      ("out,o", po::value(&out), "write the table here instead of stdout")
      ("plot", po::value(&plot),
       "tokens/s and bandwidth efficiency side by side (PNG, via /usr/bin/python3 + matplotlib)")
      ("energy", po::value(&energy_path),
       "energy coefficients and GPU board power (default: models/energy.json; without it no tok/J column)")
      ("report", po::value(&report_in), "use this `skipopu run --json` report instead of simulating")
      ("peers", po::value(&peers_path), "published baselines (default: models/fpga/peers.json)")
      ("gpu-calibration", po::bool_switch(&calibration), "print each GPU card's published figures against the model")
      ("data-dir", po::value(&data_dir), "where configs/, models/ and tools/ live");
  po::variables_map vm;
  if (!parse_options("compare", args, desc, vm,
                     "--trace FILE [--config FILE] [--format text|csv|json] [--out FILE] [--plot PNG]"))
    return kExitOk;
  data_dir = find_data_dir(data_dir);
  if (calibration) return gpu_calibration(data_dir);
  if (trace.empty()) throw InputError("command line: the option '--trace' is required but missing");
  if (format != "text" && format != "csv" && format != "json")
    throw InputError("command line: --format: expected text, csv or json, got '" + format + "'");
  if (config.empty()) config = data_dir + "/configs/u280.json";
  if (peers_path.empty()) peers_path = data_dir + "/models/fpga/peers.json";

  const HardwareConfig cfg = load_hardware_config(config, sets, data_dir);
  std::string model_name;
  {
    TraceReader peek(trace);
    model_name = peek.header().model;
  }
  const ModelCard model = load_model_card(resolve_model_path(model_name, data_dir));
  std::vector<baselines::GpuCard> gpus;
  for (const std::string& p : baselines::gpu_card_paths(data_dir)) gpus.push_back(baselines::load_gpu_card(p));
  const baselines::PeerSet peers = baselines::load_peers(peers_path);
  const bool default_energy = energy_path.empty();
  if (default_energy) energy_path = data_dir + "/models/energy.json";
  std::unique_ptr<baselines::EnergyModel> energy;
  if (!default_energy || std::ifstream(energy_path))
    energy = std::make_unique<baselines::EnergyModel>(baselines::load_energy_model(energy_path));

  TempDir tmp;
  Json report;
  if (!report_in.empty()) {
    report = load_json_file(report_in);
  } else {
    // SystemC allows one simulation per process: the SkipOPU replay runs in a child.
    std::vector<std::string> argv = {"/proc/self/exe", "run", "--trace", trace, "--config", config,
                                     "--data-dir", data_dir, "--json", tmp.path + "/report.json", "-q"};
    if (energy) {
      argv.push_back("--energy");
      argv.push_back(energy_path);
    }
    for (const auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    const int rc = spawn_wait(argv, tmp.path + "/stderr");
    if (rc != 0) {
      // The child's one-line message becomes this command's (one line, naming the input).
      std::string msg;
      try {
        msg = read_input_file(tmp.path + "/stderr", 1 << 16);
      } catch (const InputError&) {
      }
      // Its error line (other lines, e.g. a sanitizer's notes, are not the message).
      if (const size_t at = msg.find("skipopu run: error: "); at != std::string::npos) msg.erase(0, at + 20);
      if (const size_t nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
      if (rc == kExitInput) throw InputError(msg);
      if (rc == kExitOutput) throw OutputError(msg);
      throw std::runtime_error("the SkipOPU simulation (skipopu run) failed with status " + std::to_string(rc));
    }
    report = load_json_file(tmp.path + "/report.json");
  }
  const baselines::Comparison cmp = baselines::build_comparison(report, cfg, model, trace, gpus, peers, energy.get());
  const std::string body = format == "json" ? cmp.to_json().dump(2) + "\n" : format == "csv" ? cmp.csv() : cmp.text();
  if (out.empty()) std::cout << body;
  else write_file_atomically(out, body);
  if (!plot.empty()) {
    write_file_atomically(tmp.path + "/compare.json", cmp.to_json().dump(2) + "\n");
    const int rc = spawn_wait({"/usr/bin/python3", data_dir + "/tools/plot_compare.py", tmp.path + "/compare.json", plot});
    if (rc != 0) throw OutputError(plot + ": the plot tool (tools/plot_compare.py) failed with status " + std::to_string(rc));
  }
  return kExitOk;
}

}  // namespace skipopu::cli

// skipopu gen-rtl: writes the generated RTL variant of the compute blocks (docs/rtl.md).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "data_dir.hpp"
#include "options.hpp"
#include "output.hpp"
#include "skipopu/config.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/rtl/generator.hpp"

namespace skipopu::cli {

int cmd_gen_rtl(const Args& args) {
  std::string config, out, data_dir, model_path;
  std::vector<std::string> sets;
  bool all_layouts = false;
  uint32_t kv_tokens = rtl::kDefaultKvTokens;
  po::options_description desc("options");
  desc.add_options()
      ("config,c", po::value(&config), "hardware config (default: configs/u280.json)")
      ("set,s", po::value(&sets)->composing(), "override a config key: key.path=value (repeatable)")
      ("out,o", po::value(&out), "output folder (created if missing; generated files are replaced)")
      ("all-layouts", po::bool_switch(&all_layouts), "also emit the packing datapath of every builtin layout")
      ("model,m", po::value(&model_path), "model card: size the controller for its program and write the program (skipopu_program.hex)")
      ("kv-tokens", po::value(&kv_tokens), "context tokens the KV history buffer's tables cover (power of two; default 4096)")
      ("data-dir", po::value(&data_dir), "where configs/ lives (default: SKIPOPU_DATA_DIR, else share/skipopu by the binary)");
  po::variables_map vm;
  if (!parse_options("gen-rtl", args, desc, vm, "--out DIR [--config FILE] [--set k=v ...] [--all-layouts] [--model CARD] [--kv-tokens N]"))
    return kExitOk;
  if (out.empty()) throw InputError("command line: --out: expected an output folder");
  data_dir = find_data_dir(data_dir);
  if (config.empty()) config = data_dir + "/configs/u280.json";
  const HardwareConfig cfg = load_hardware_config(config, sets, data_dir);
  // Everything is generated (and checked) before the first file is written.
  ModelCard model;
  if (!model_path.empty()) model = load_model_card(model_path);
  const auto files = rtl::generate_design(cfg, dsp::HybridMacConfig{}, all_layouts, model_path.empty() ? nullptr : &model, kv_tokens);
  if (mkdir(out.c_str(), 0777) != 0 && errno != EEXIST)
    throw OutputError(out + ": cannot create folder: " + std::strerror(errno));
  for (const auto& f : files) write_file_atomically(out + "/" + f.name, f.text);
  std::cout << "gen-rtl: " << files.size() << " files for config \"" << cfg.name << "\" in " << out << "\n";
  return kExitOk;
}

}  // namespace skipopu::cli

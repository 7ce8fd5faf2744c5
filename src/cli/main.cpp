// skipopu: command-line front end. Dispatches to a subcommand; see `skipopu --help`.
#include <cstring>
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "output.hpp"
#include "skipopu/error.hpp"

namespace {

struct Subcommand {
  const char* name;
  int (*fn)(const skipopu::cli::Args&);
  const char* summary;
};

const Subcommand kCommands[] = {
    {"run", skipopu::cli::cmd_run, "replay a dynamic-skip trace on a hardware config and report"},
    {"gen-trace", skipopu::cli::cmd_gen_trace, "generate a synthetic SkipGPT-like trace (seeded)"},
    {"check-trace", skipopu::cli::cmd_check_trace, "validate a trace against its model card"},
    {"hbm-bench", skipopu::cli::cmd_hbm_bench, "HBM2 microbenchmark (bandwidth, latency, row hits)"},
    {"dsp-error", skipopu::cli::cmd_dsp_error, "exhaustive/sampled error analysis of DSP48E2 packings"},
    {"resources", skipopu::cli::cmd_resources, "estimate DSP/LUT/FF/BRAM/URAM use of a config"},
    {"compare", skipopu::cli::cmd_compare, "compare SkipOPU with GPU and FPGA baselines on a trace"},
    {"import-model", skipopu::cli::cmd_import_model, "make a model card from a Hugging Face config.json"},
    {"gen-rtl", skipopu::cli::cmd_gen_rtl, "generate the Verilog of the compute blocks from a config"},
    {"nl-error", skipopu::cli::cmd_nl_error, "accuracy of the fixed-point nonlinear unit and router vs double"},
};

void usage(std::ostream& os) {
  os << "usage: skipopu <command> [options]   (skipopu <command> --help for its options)\n\n"
        "commands:\n";
  for (const auto& c : kCommands) {
    os << "  " << c.name;
    for (size_t i = std::strlen(c.name); i < 13; ++i) os << ' ';
    os << c.summary << "\n";
  }
  os << "\nexit status: 0 ok, 1 internal error, 2 bad input (usage, config, model, trace),\n"
        "             3 an output file could not be written\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "skipopu: error: expected a command (see skipopu --help)\n";
    return skipopu::cli::kExitInput;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return skipopu::cli::kExitOk;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::cout << "skipopu " << SKIPOPU_VERSION << "\n";
    return skipopu::cli::kExitOk;
  }
  for (const auto& c : kCommands) {
    if (cmd != c.name) continue;
    skipopu::cli::Args args(argv + 2, argv + argc);
    try {
      return c.fn(args);
    } catch (const skipopu::cli::OutputError& e) {
      std::cerr << "skipopu " << cmd << ": error: " << e.what() << "\n";
      return skipopu::cli::kExitOutput;
    } catch (const skipopu::InputError& e) {
      std::cerr << "skipopu " << cmd << ": error: " << e.what() << "\n";
      return skipopu::cli::kExitInput;
    } catch (const std::exception& e) {
      std::cerr << "skipopu " << cmd << ": internal error: " << e.what() << "\n";
      return skipopu::cli::kExitInternal;
    }
  }
  std::cerr << "skipopu: error: unknown command '" << cmd << "' (see skipopu --help)\n";
  return skipopu::cli::kExitInput;
}

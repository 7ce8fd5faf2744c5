// Subcommands of the `skipopu` executable. Each lives in its own cmd_*.cpp, parses its
// own options with Boost.Program_options and returns an exit status (see exit codes
// in README.md). InputError thrown from a command is printed by main() as one line.
#pragma once
#include <string>
#include <vector>

namespace skipopu::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name

int cmd_run(const Args& args);          // replay a trace on a hardware config
int cmd_gen_trace(const Args& args);    // synthetic dynamic-skip traces
int cmd_check_trace(const Args& args);  // validate a trace against its model card
int cmd_hbm_bench(const Args& args);    // HBM microbenchmark
int cmd_dsp_error(const Args& args);    // DSP48E2 packing error analysis
int cmd_resources(const Args& args);    // FPGA resource estimate of a config
int cmd_compare(const Args& args);      // SkipOPU vs GPU / FPGA baselines
int cmd_import_model(const Args& args); // model card from a Hugging Face config.json
int cmd_gen_rtl(const Args& args);      // Verilog of the compute blocks (docs/rtl.md)
int cmd_nl_error(const Args& args);     // fixed-point nonlinear unit / router vs double

// Exit statuses shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;  // a bug or an unexpected failure
constexpr int kExitInput = 2;     // bad input: usage, config, model card, trace, spec
constexpr int kExitOutput = 3;    // a result file could not be written

}  // namespace skipopu::cli

// hbm-bench argument validation: the input is the argument list, one argument per line;
// `--check` is always added, so a valid list is validated (preset, --set, counts) and nothing
// is simulated.
#include <sstream>

#include "../../src/cli/commands.hpp"
#include "../../src/cli/output.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  skipopu::cli::Args args{"--check"};
  std::string a;
  while (std::getline(in, a) && args.size() < 32) {
    if (const size_t nul = a.find('\0'); nul != std::string::npos) a.resize(nul);  // as argv passes it
    if (a == "--help" || a == "-h") continue;  // help text on stdout: valid, not interesting
    args.push_back(a);
  }
  fuzz::expect_input_error_or_ok([&] { skipopu::cli::cmd_hbm_bench(args); });
  return 0;
}

// skipopu nl-error: accuracy of the fixed-point nonlinear unit and router (the arithmetic of
// the generated RTL, dsp::nl_pass / router_token) against double precision. Deterministic
// per seed; the table in docs/rtl.md is this command's output.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "options.hpp"
#include "output.hpp"
#include "skipopu/dsp/nonlinear_fx.hpp"

namespace skipopu::cli {

int cmd_nl_error(const Args& args) {
  uint64_t seed = 1;
  unsigned vectors = 16;
  std::string out, data_dir;
  po::options_description desc("nl-error options");
  desc.add_options()
      ("seed", po::value(&seed), "PRNG seed (default 1)")
      ("vectors", po::value(&vectors), "random vectors per operation (default 16; 1..100000)")
      ("out,o", po::value(&out), "write the table to FILE instead of stdout")
      ("data-dir", po::value(&data_dir), "accepted as by every command; nl-error reads no data files");
  po::variables_map vm;
  if (!parse_options("nl-error", args, desc, vm, "[--seed S] [--vectors N] [--out FILE]")) return kExitOk;
  if (vectors < 1 || vectors > 100000) throw InputError("command line: --vectors: expected 1..100000");
  const auto rows = dsp::nl_accuracy_study(seed, vectors);
  std::ostringstream os;
  os << "| operation | inputs | samples | max abs error (output LSB) | relative L2 error | decisions differing |\n"
     << "|---|---|---|---|---|---|\n";
  char line[512];
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "| %s | %s | %llu | %.3g | %.3g | %llu |\n", r.op.c_str(), r.inputs.c_str(),
                  static_cast<unsigned long long>(r.samples), r.max_abs_lsb, r.rel_l2,
                  static_cast<unsigned long long>(r.mismatches));
    os << line;
  }
  if (out.empty()) std::cout << os.str();
  else write_file_atomically(out, os.str());
  return kExitOk;
}

}  // namespace skipopu::cli

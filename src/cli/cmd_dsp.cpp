// skipopu dsp-error: error table of DSP48E2 packing layouts (exhaustive or seeded sample),
// or with --hybrid the FP16 x INT4 hybrid MAC accuracy study. Output is deterministic and
// written atomically (output.hpp).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "options.hpp"
#include "output.hpp"
#include "skipopu/dsp/error_analysis.hpp"
#include "skipopu/dsp/hybrid_mac.hpp"
#include "skipopu/dsp/packing.hpp"

namespace skipopu::cli {

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string hybrid_report(const std::vector<dsp::HybridErrorStudy>& st, const std::string& format) {
  std::ostringstream os;
  char line[256];
  if (format == "json") {
    Json a = Json::array();
    for (const auto& s : st)
      a.push_back({{"layout", s.layout}, {"distribution", s.distribution}, {"rows", s.rows}, {"n", s.n},
                   {"group_size", s.group_size}, {"hybrid_rel_l2", s.hybrid_rel_l2}, {"fp32_rel_l2", s.fp32_rel_l2},
                   {"hybrid_max_rel", s.hybrid_max_rel}, {"fp32_max_rel", s.fp32_max_rel}});
    return a.dump(2) + "\n";
  }
  if (format == "csv") {
    os << "layout,distribution,rows,n,group_size,hybrid_rel_l2,fp32_rel_l2,hybrid_max_rel,fp32_max_rel\n";
    for (const auto& s : st) {
      std::snprintf(line, sizeof line, "%s,%s,%zu,%zu,%zu,%.6g,%.6g,%.6g,%.6g\n", s.layout.c_str(),
                    s.distribution.c_str(), s.rows, s.n, s.group_size, s.hybrid_rel_l2, s.fp32_rel_l2,
                    s.hybrid_max_rel, s.fp32_max_rel);
      os << line;
    }
    return os.str();
  }
  std::snprintf(line, sizeof line, "%-16s %-18s %6s %6s %6s  %-12s %-12s %-12s %-12s\n", "layout", "distribution",
                "rows", "n", "group", "hybrid.relL2", "fp32.relL2", "hybrid.max", "fp32.max");
  os << line << std::string(110, '-') << "\n";
  for (const auto& s : st) {
    std::snprintf(line, sizeof line, "%-16s %-18s %6zu %6zu %6zu  %-12.4g %-12.4g %-12.4g %-12.4g\n", s.layout.c_str(),
                  s.distribution.c_str(), s.rows, s.n, s.group_size, s.hybrid_rel_l2, s.fp32_rel_l2, s.hybrid_max_rel,
                  s.fp32_max_rel);
    os << line;
  }
  os << "(relL2 = ||y - ref||/||ref||, max = max_r |y_r - ref_r| / rms(ref); ref in double)\n";
  return os.str();
}

}  // namespace

int cmd_dsp_error(const Args& args) {
  po::options_description desc("dsp-error options");
  std::string layouts, format, out, data_dir;
  std::vector<std::string> files;
  uint64_t samples = 0, seed = 0;
  unsigned max_log2 = 0, guard = 0;
  size_t rows = 0, n = 0, group = 0;
  desc.add_options()
      ("layout", po::value(&layouts)->default_value("all"), "builtin layout names, comma separated, or 'all'")
      ("layout-file", po::value(&files)->composing(), "extra layout JSON file (repeatable)")
      ("format", po::value(&format)->default_value("text"), "text | csv | json")
      ("out", po::value(&out), "output file (written atomically); default stdout")
      ("samples", po::value(&samples)->default_value(uint64_t{1} << 24), "seeded samples when not exhaustive")
      ("seed", po::value(&seed)->default_value(1), "splitmix64 seed for samples / synthetic data")
      ("exhaustive-max-log2", po::value(&max_log2)->default_value(26), "exhaustive when operand bits <= this (<= 30)")
      ("hybrid", "FP16 x INT4 hybrid MAC accuracy study instead of the layout table")
      ("rows", po::value(&rows)->default_value(256), "--hybrid: matrix rows")
      ("n", po::value(&n)->default_value(4096), "--hybrid: columns (activation length)")
      ("group", po::value(&group)->default_value(128), "--hybrid: columns per weight scale group")
      ("guard-bits", po::value(&guard)->default_value(8), "--hybrid: BFP guard bits (<= 24)")
      ("data-dir", po::value(&data_dir), "accepted as by every command; dsp-error reads no data files (built-in layouts)");
  po::variables_map vm;
  if (!parse_options("dsp-error", args, desc, vm, "[--layout all|NAME,...] [--format text|csv|json] [--out FILE]"))
    return kExitOk;
  if (format != "text" && format != "csv" && format != "json")
    throw InputError("command line: --format: expected text, csv or json, got \"" + format + "\"");
  if (max_log2 > 30) throw InputError("command line: --exhaustive-max-log2: expected at most 30, got " + std::to_string(max_log2));
  if (samples == 0) throw InputError("command line: --samples: expected at least 1, got 0");
  if (guard > 24) throw InputError("command line: --guard-bits: expected at most 24, got " + std::to_string(guard));
  if (vm.count("hybrid") && (rows == 0 || n == 0 || group == 0))
    throw InputError("command line: --rows, --n, --group: expected at least 1");
  // --hybrid holds a rows x n INT4 matrix (one byte per weight) in memory.
  constexpr size_t kMaxHybridWeights = size_t(1) << 28;
  if (vm.count("hybrid") && (n > kMaxHybridWeights || rows > kMaxHybridWeights / n))
    throw InputError("command line: --rows x --n: expected at most " + std::to_string(kMaxHybridWeights) +
                     " weights (256 MiB), got " + std::to_string(rows) + " x " + std::to_string(n));

  std::vector<dsp::PackingLayout> sel;
  const std::vector<std::string> names = layouts == "all" ? dsp::builtin_layout_names() : split_commas(layouts);
  for (const auto& nm : names) {
    try {
      sel.push_back(dsp::builtin_layout(nm));
    } catch (const InputError& e) {
      std::string what = e.what();
      if (what.rfind("dsp layout: ", 0) == 0) what.erase(0, 12);
      throw InputError("command line: --layout: " + what);
    }
  }
  for (const auto& f : files) sel.push_back(dsp::load_layout_file(f));

  std::string text;
  if (vm.count("hybrid")) {
    dsp::HybridMacConfig cfg;
    cfg.guard_bits = guard;
    std::vector<dsp::HybridErrorStudy> st;
    for (const auto& l : sel) {
      try {
        dsp::check_hybrid_layout(l);
      } catch (const InputError&) {
        if (layouts == "all" && files.empty()) continue;  // 'all' means all suitable ones
        throw;
      }
      for (const char* d : {"gaussian_outliers", "uniform"})
        st.push_back(dsp::hybrid_error_study(l, d, rows, n, group, seed, cfg));
    }
    text = hybrid_report(st, format);
  } else {
    dsp::ErrorAnalysisOptions opt;
    opt.exhaustive_max_log2 = max_log2;
    opt.samples = samples;
    opt.seed = seed;
    std::vector<dsp::LayoutError> rs;
    for (const auto& l : sel) rs.push_back(dsp::analyse_layout(l, opt));
    text = format == "json" ? dsp::error_table_json(rs) : format == "csv" ? dsp::error_table_csv(rs)
                                                                           : dsp::error_table_text(rs);
  }
  if (!vm.count("out")) {
    std::cout << text;
    return kExitOk;
  }
  write_file_atomically(out, text);
  return kExitOk;
}

}  // namespace skipopu::cli

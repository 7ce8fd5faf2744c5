#include "skipopu/dsp/error_analysis.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "skipopu/prng.hpp"

namespace skipopu::dsp {

namespace {

struct Acc {
  uint64_t errors = 0;
  unsigned __int128 sum_abs = 0;
  __int128 sum = 0;
  int64_t max_abs = 0;
  void add(int64_t e) {
    if (e == 0) return;
    ++errors;
    const int64_t a = e < 0 ? -e : e;
    sum_abs += static_cast<unsigned __int128>(a);
    sum += e;
    if (a > max_abs) max_abs = a;
  }
  LaneError result(uint64_t cases) const {
    LaneError r;
    r.errors = errors;
    r.error_rate = static_cast<double>(errors) / static_cast<double>(cases);
    r.mean_abs = static_cast<double>(sum_abs) / static_cast<double>(cases);
    r.mean = static_cast<double>(sum) / static_cast<double>(cases);
    r.max_abs = max_abs;
    return r;
  }
};

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

}  // namespace

LayoutError analyse_layout(const PackingLayout& l, const ErrorAnalysisOptions& opt) {
  LayoutError r;
  r.layout = l.name;
  r.claims_exact = l.claims_exact;
  r.capacity = l.capacity;
  r.operand_bits = l.operand_bits();
  r.resources = estimate_pe_resources(l);
  for (const auto& ln : l.lane) r.lane_names.push_back(ln.name);
  const unsigned total_bits = l.operand_bits();
  r.exhaustive = total_bits <= opt.exhaustive_max_log2;
  r.cases = r.exhaustive ? (uint64_t{1} << total_bits) : opt.samples;
  r.seed = r.exhaustive ? 0 : opt.seed;
  const size_t nl = l.lane.size(), no = l.operands.size();
  Acc corr[kMaxLanes], unc[kMaxLanes];
  SplitMix64 rng(opt.seed);
  OperandValues v{};
  LaneValues ref{}, got{};
  for (uint64_t c = 0; c < r.cases; ++c) {
    if (r.exhaustive) {
      uint64_t bits = c;
      for (size_t i = 0; i < no; ++i) {
        const auto& op = l.operands[i];
        v[i] = op.is_signed ? sext(static_cast<int64_t>(bits), op.bits) : static_cast<int64_t>(zext(static_cast<int64_t>(bits), op.bits));
        bits >>= op.bits;
      }
    } else {
      for (size_t i = 0; i < no; ++i) {
        const auto& op = l.operands[i];
        const int64_t raw = static_cast<int64_t>(rng.next() >> (64 - op.bits));
        v[i] = op.is_signed ? sext(raw, op.bits) : raw;
      }
    }
    reference(l, v, ref);
    evaluate(l, v, true, got);
    for (size_t i = 0; i < nl; ++i) corr[i].add(got[i] - ref[i]);
    evaluate(l, v, false, got);
    for (size_t i = 0; i < nl; ++i) unc[i].add(got[i] - ref[i]);
  }
  for (size_t i = 0; i < nl; ++i) {
    r.corrected.push_back(corr[i].result(r.cases));
    r.uncorrected.push_back(unc[i].result(r.cases));
  }
  return r;
}

std::string error_table_text(const std::vector<LayoutError>& rs) {
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-7s %-12s %4s %5s  %-12s | %-10s %-10s %-8s | %-10s %-10s %-8s\n", "layout",
                "lane", "cases", "cap", "exact", "lane name", "corr.rate", "corr.mae", "corr.max", "raw.rate", "raw.mae",
                "raw.max");
  os << line << std::string(136, '-') << "\n";
  // cases: "all 2^N" = exhaustive over N operand bits, else the number of seeded samples.
  for (const auto& r : rs) {
    for (size_t i = 0; i < r.lane_names.size(); ++i) {
      const std::string cs = r.exhaustive ? "all 2^" + std::to_string(r.operand_bits) : std::to_string(r.cases);
      std::snprintf(line, sizeof line, "%-24s %-7zu %-12s %4u %5s  %-12s | %-10s %-10s %-8lld | %-10s %-10s %-8lld\n",
                    r.layout.c_str(), i, cs.c_str(), r.capacity, r.claims_exact ? "yes" : "no",
                    r.lane_names[i].c_str(), num(r.corrected[i].error_rate).c_str(),
                    num(r.corrected[i].mean_abs).c_str(), static_cast<long long>(r.corrected[i].max_abs),
                    num(r.uncorrected[i].error_rate).c_str(), num(r.uncorrected[i].mean_abs).c_str(),
                    static_cast<long long>(r.uncorrected[i].max_abs));
      os << line;
    }
  }
  // DSP savings for SkipOPU's 64 x 128 multiplications per cycle and the per-PE LUT model.
  os << "\nDSP48E2 for 64x128 = 8192 products/cycle (1 product/DSP: 8192), LUT model per PE\n";
  std::snprintf(line, sizeof line, "%-24s %5s %6s %8s %9s %8s %7s %6s %6s\n", "layout", "lanes", "DSPs", "saving",
                "LUTs/PE", "packing", "cancel", "borrow", "gated");
  os << line << std::string(86, '-') << "\n";
  for (const auto& r : rs) {
    const auto& q = r.resources;
    const unsigned d = (8192 + q.lanes - 1) / q.lanes;
    std::snprintf(line, sizeof line, "%-24s %5u %6u %7.1f%% %9u %8u %7u %6u %6u\n", r.layout.c_str(), q.lanes, d,
                  100.0 * (8192.0 - d) / 8192.0, q.luts_total, q.luts_port_packing, q.luts_cancel, q.luts_borrow,
                  q.luts_gated);
    os << line;
  }
  return os.str();
}

std::string error_table_csv(const std::vector<LayoutError>& rs) {
  std::ostringstream os;
  os << "layout,lane,lane_name,exhaustive,cases,seed,capacity,claims_exact,"
        "corrected_errors,corrected_error_rate,corrected_mean_abs,corrected_mean,corrected_max_abs,"
        "uncorrected_errors,uncorrected_error_rate,uncorrected_mean_abs,uncorrected_mean,uncorrected_max_abs\n";
  for (const auto& r : rs)
    for (size_t i = 0; i < r.lane_names.size(); ++i) {
      const auto& c = r.corrected[i];
      const auto& u = r.uncorrected[i];
      os << r.layout << "," << i << "," << r.lane_names[i] << "," << (r.exhaustive ? "true" : "false") << ","
         << r.cases << "," << r.seed << "," << r.capacity << "," << (r.claims_exact ? "true" : "false") << ","
         << c.errors << "," << num(c.error_rate) << "," << num(c.mean_abs) << "," << num(c.mean) << "," << c.max_abs
         << "," << u.errors << "," << num(u.error_rate) << "," << num(u.mean_abs) << "," << num(u.mean) << ","
         << u.max_abs << "\n";
    }
  return os.str();
}

std::string error_table_json(const std::vector<LayoutError>& rs) {
  auto lane_json = [](const LaneError& e) {
    return Json{{"errors", e.errors}, {"error_rate", e.error_rate}, {"mean_abs", e.mean_abs}, {"mean", e.mean},
                {"max_abs", e.max_abs}};
  };
  Json out = Json::array();
  for (const auto& r : rs) {
    Json lanes = Json::array();
    for (size_t i = 0; i < r.lane_names.size(); ++i)
      lanes.push_back({{"lane", i}, {"name", r.lane_names[i]}, {"corrected", lane_json(r.corrected[i])},
                       {"uncorrected", lane_json(r.uncorrected[i])}});
    const auto& q = r.resources;
    out.push_back({{"layout", r.layout},
                   {"exhaustive", r.exhaustive},
                   {"operand_bits", r.operand_bits},
                   {"cases", r.cases},
                   {"seed", r.seed},
                   {"claims_exact", r.claims_exact},
                   {"capacity", r.capacity},
                   {"dsps_for_64x128", (8192 + q.lanes - 1) / q.lanes},
                   {"resources", {{"dsps", q.dsps}, {"lanes", q.lanes}, {"dsp_per_product", q.dsp_per_product},
                                  {"luts_port_packing", q.luts_port_packing}, {"luts_cancel", q.luts_cancel},
                                  {"luts_borrow", q.luts_borrow}, {"luts_gated", q.luts_gated},
                                  {"luts_total", q.luts_total}}},
                   {"lanes", lanes}});
  }
  return out.dump(2) + "\n";
}

}  // namespace skipopu::dsp

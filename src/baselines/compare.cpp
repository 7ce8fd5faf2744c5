#include "skipopu/baselines/compare.hpp"

#include <cstdio>
#include <sstream>

#include "skipopu/error.hpp"
#include "skipopu/program.hpp"
#include "skipopu/sizes.hpp"
#include "skipopu/stats.hpp"
#include "skipopu/trace.hpp"

namespace skipopu::baselines {

namespace {

double stat(const Json& report, const char* name) {
  const Json* s = &report;
  for (const char* k : {"stats", "groups", "summary", "stats"}) {
    if (!s->is_object() || !s->contains(k)) throw InputError(std::string("report: missing stats.summary ") + name);
    s = &(*s)[k];
  }
  if (!s->contains(name)) throw InputError(std::string("report: missing stats.summary.") + name);
  return (*s)[name]["value"].get<double>();
}

std::string fmt(double v, int prec) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

}  // namespace

PeerSet load_peers(const std::string& path) {
  const Json doc = load_json_file(path);
  JsonReader r(doc, path);
  PeerSet s;
  r.str("description");
  r.str("normalisation");
  s.paper_skipopu_efficiency = r.real("paper_skipopu_efficiency", 0.01, 1.0);
  s.reference_device = r.str("reference_device");
  s.reference_peak_gbps = r.real("reference_peak_gbps", 1, 1e5);
  for (JsonReader& p : r.objects("peers")) {
    FpgaPeer f;
    f.name = p.str("name");
    f.kind = p.choice("kind", {"fpga", "gpu"});
    f.platform = p.str("platform");
    f.bandwidth_efficiency = p.real("bandwidth_efficiency", 0.001, 1.0);
    f.platform_peak_gbps = p.has("platform_peak_gbps") && !p.raw("platform_peak_gbps").is_null()
                               ? p.real("platform_peak_gbps", 1, 1e5) : 0.0;
    f.source = p.str("source");
    f.note = p.str("note");
    if (p.has("own_paper")) p.raw("own_paper");
    p.finish();
    s.peers.push_back(f);
  }
  r.finish();
  return s;
}

uint64_t dense_token_bytes(const ModelCard& m, const HardwareConfig& c, uint64_t ctx) {
  const GpuWeights w = gpu_weights_from(c.weights);
  uint64_t layer = 0;
  for (const sizes::MatrixShape& s : sizes::layer_matrices(m)) layer += gpu_matrix_bytes(w, s.k, s.n, w.bits);
  layer += sizes::kv_entry_bytes(m, c.kv.element_bits) * (ctx + 1);  // read the context, write the new entry
  const sizes::MatrixShape head = sizes::lm_head(m);
  return layer * m.layers + gpu_matrix_bytes(w, head.k, head.n, w.lm_head_bits) +
         sizes::embedding_row_bytes(m, w.embedding_bits);
}

Comparison build_comparison(const Json& report, const HardwareConfig& cfg, const ModelCard& m,
                            const std::string& trace_path, const std::vector<GpuCard>& gpus, const PeerSet& peers,
                            const EnergyModel* energy) {
  Comparison c;
  TraceReader tr(trace_path);
  tr.check_model(m);
  c.trace = trace_path.substr(trace_path.find_last_of('/') + 1);
  c.model = m.name;
  c.config = cfg.name;
  CompareRow sk;
  sk.system = "SkipOPU (" + cfg.name + ")";
  sk.source = "simulated";
  sk.mode = std::string("skip, kv ") + to_string(cfg.kv.policy);
  sk.peak_gbps = stat(report, "peak_hbm_gbps");
  sk.tokens_per_s = stat(report, "tokens_per_s");
  sk.effective_gbps = stat(report, "effective_bandwidth_gbps");
  sk.efficiency = stat(report, "bandwidth_efficiency");
  sk.note = "this simulator";
  if (energy) {
    const Json& sum = report.at("stats").at("groups").at("summary");
    if (!sum.contains("groups") || !sum["groups"].contains("energy"))
      throw InputError("report: missing stats.summary.energy (a report of skipopu run with an energy file)");
    const Json& e = sum["groups"]["energy"]["stats"];
    sk.tokens_per_j = e.at("tokens_per_j").at("value").get<double>();
    sk.energy_lower_bound = e.at("terms_modelled").at("value").get<int>() < 3;
    sk.energy_basis = sk.energy_lower_bound ? "modelled energy terms with a public source only: energy a lower bound, "
                                              "tok/J an upper bound (docs/energy.md)"
                                            : "modelled: HBM, logic and board static power (docs/energy.md)";
  }
  c.rows.push_back(sk);
  const double ours = sk.efficiency;

  CompareRow paper;
  paper.system = "SkipOPU (paper, secondary reading)";
  paper.source = "reported";
  paper.mode = "skip, kv reuse";
  paper.peak_gbps = peers.reference_peak_gbps;
  paper.efficiency = peers.paper_skipopu_efficiency;
  paper.note = "efficiency implied by the paper's 1.23x-3.83x range";

  const GpuWeights w = gpu_weights_from(cfg.weights);
  for (const GpuCard& g : gpus) {
    for (GpuMode mode : {GpuMode::Dense, GpuMode::Skip}) {
      const GpuResult r = gpu_replay_trace(g, m, trace_path, w, cfg.kv.element_bits, cfg.kv.policy, mode, g.cuda_graphs);
      CompareRow row;
      row.system = g.name;
      row.source = "modelled";
      row.mode = std::string(to_string(mode)) + (g.cuda_graphs ? ", CUDA graphs" : ", eager") +
                 (mode == GpuMode::Skip ? ", kv " + std::string(to_string(cfg.kv.policy)) + ", host sync/decision"
                                        : ", kv dense");
      row.peak_gbps = g.peak_gbps;
      row.tokens_per_s = r.tokens_per_s();
      row.effective_gbps = r.seconds > 0 ? double(r.bytes) / r.seconds / 1e9 : 0;
      row.efficiency = r.bandwidth_efficiency(g.peak_gbps);
      row.note = "card " + g.file.substr(g.file.find_last_of('/') + 1);
      if (energy)
        if (const GpuBoardPower* p = energy->gpu(g.name)) {
          row.board_power_w = p->watts;
          row.tokens_per_j = row.tokens_per_s / p->watts;
          row.energy_basis = "published board power (" + p->what + "), not measured";
        }
      c.rows.push_back(row);
    }
    if (g.measured.is_object()) {
      CompareRow row;
      row.system = g.name;
      row.source = "measured";
      row.mode = g.measured.value("mode", std::string("skip"));
      row.peak_gbps = g.peak_gbps;
      row.tokens_per_s = g.measured.value("tokens_per_s", 0.0);
      row.effective_gbps = g.measured.value("achieved_gbps", 0.0);
      row.efficiency = row.effective_gbps / g.peak_gbps;
      row.note = "measured on " + g.measured.value("device", std::string("?"));
      c.rows.push_back(row);
    }
  }
  const double ctx = double(tr.header().prompt) + double(tr.header().decode) / 2.0;
  const double dense_bytes = double(dense_token_bytes(m, cfg, static_cast<uint64_t>(ctx)));
  paper.tokens_per_s = paper.efficiency * paper.peak_gbps * 1e9 / dense_bytes;
  paper.effective_gbps = paper.efficiency * paper.peak_gbps;
  c.rows.push_back(paper);
  for (const FpgaPeer& p : peers.peers) {
    CompareRow row;
    row.system = p.name;
    row.source = "reported";
    row.mode = "dense 4-bit 7B (normalised)";
    row.peak_gbps = peers.reference_peak_gbps;
    row.efficiency = p.bandwidth_efficiency;
    row.effective_gbps = p.bandwidth_efficiency * row.peak_gbps;
    row.tokens_per_s = row.effective_gbps * 1e9 / dense_bytes;
    row.paper_ratio = peers.paper_skipopu_efficiency / p.bandwidth_efficiency;
    row.note = p.platform;
    c.rows.push_back(row);
  }
  for (CompareRow& r : c.rows) r.ratio = r.efficiency > 0 ? ours / r.efficiency : 0;
  return c;
}

Json Comparison::to_json() const {
  Json j = Json::object();
  j["schema"] = "skipopu-compare/1";
  j["trace"] = trace;
  j["model"] = model;
  j["config"] = config;
  Json rs = Json::array();
  for (const CompareRow& r : rows) {
    Json o = Json::object();
    o["system"] = r.system;
    o["source"] = r.source;
    o["mode"] = r.mode;
    o["peak_gbps"] = std::stod(format_real(r.peak_gbps));
    o["tokens_per_s"] = std::stod(format_real(r.tokens_per_s));
    o["effective_gbps"] = std::stod(format_real(r.effective_gbps));
    o["bandwidth_efficiency"] = std::stod(format_real(r.efficiency));
    o["ratio"] = std::stod(format_real(r.ratio));
    o["paper_ratio"] = r.paper_ratio > 0 ? Json(std::stod(format_real(r.paper_ratio))) : Json(nullptr);
    o["board_power_w"] = r.board_power_w > 0 ? Json(r.board_power_w) : Json(nullptr);
    o["tokens_per_j"] = r.tokens_per_j > 0 ? Json(std::stod(format_real(r.tokens_per_j))) : Json(nullptr);
    o["energy_basis"] = r.energy_basis;
    o["note"] = r.note;
    rs.push_back(o);
  }
  j["rows"] = rs;
  return j;
}

std::string Comparison::csv() const {
  std::string o =
      "system,source,mode,peak_gbps,tokens_per_s,effective_gbps,bandwidth_efficiency,ratio,paper_ratio,note,"
      "board_power_w,tokens_per_j,energy_basis\n";
  for (const CompareRow& r : rows) {
    o += csv_field(r.system) + "," + r.source + "," + csv_field(r.mode) + "," + format_real(r.peak_gbps) + "," +
         format_real(r.tokens_per_s) + "," + format_real(r.effective_gbps) + "," + format_real(r.efficiency) + "," +
         format_real(r.ratio) + "," + (r.paper_ratio > 0 ? format_real(r.paper_ratio) : "") + "," +
         csv_field(r.note) + "," + (r.board_power_w > 0 ? format_real(r.board_power_w) : "") + "," +
         (r.tokens_per_j > 0 ? format_real(r.tokens_per_j) : "") + "," + csv_field(r.energy_basis) + "\n";
  }
  return o;
}

std::string Comparison::text() const {
  std::ostringstream os;
  os << "SkipOPU vs baselines -- " << model << ", trace " << trace << ", config " << config << "\n";
  char b[512];
  std::snprintf(b, sizeof b, "%-34s %-9s %9s %9s %9s %7s %7s %7s %8s  %s\n", "system", "source", "peak GB/s",
                "tok/s", "eff GB/s", "BW eff", "ratio", "paper", "tok/J", "mode");
  os << b;
  bool bound = false, board = false;
  for (const CompareRow& r : rows) {
    std::string tpj = "-";
    if (r.tokens_per_j > 0) tpj = (r.energy_lower_bound ? "<=" : "") + fmt(r.tokens_per_j, r.tokens_per_j < 10 ? 3 : 1);
    bound = bound || r.energy_lower_bound;
    board = board || r.board_power_w > 0;
    std::snprintf(b, sizeof b, "%-34s %-9s %9.1f %9.1f %9.1f %6.1f%% %6.2fx %7s %8s  %s\n", r.system.c_str(),
                  r.source.c_str(), r.peak_gbps, r.tokens_per_s, r.effective_gbps, 100 * r.efficiency, r.ratio,
                  r.paper_ratio > 0 ? (fmt(r.paper_ratio, 2) + "x").c_str() : "-", tpj.c_str(), r.mode.c_str());
    os << b;
  }
  os << "ratio = SkipOPU (simulated) bandwidth efficiency / the row's; paper = the SkipOPU paper's ratio.\n"
        "Reported rows are normalised to a dense 4-bit 7B model on the reference device (docs/baselines.md).\n"
        "The paper row is the efficiency implied by the paper's ratios, from a secondary reading of its body.\n";
  if (board) os << "tok/J of GPU rows: tokens/s / the card's published board power (TDP), not a measurement.\n";
  if (bound)
    os << "tok/J of SkipOPU: only the energy terms with a public source (HBM); logic and board power have none,\n"
          "so the true figure is lower (<=; docs/energy.md). Do not read the two tok/J columns as a ranking.\n";
  return os.str();
}

}  // namespace skipopu::baselines

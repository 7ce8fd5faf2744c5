// simulate(): elaboration, the run, and the report (schema: docs/report.md).
#include <cstdlib>
#include <systemc>

#include "skipopu/error.hpp"
#include "skipopu/skipopu_top.hpp"

namespace skipopu {

namespace {

std::string basename_of(const std::string& p) {
  const size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

double ratio(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : 0.0; }

}  // namespace

RunReport simulate(const HardwareConfig& cfg, const std::string& model_path, const std::string& trace_path,
                   bool verbose, const RecordOptions& ropt, const SummaryHook& summary_hook,
                   const ProgressHook& progress) {
  // No SystemC banner on stdout: the report is the output.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // "stopped by user"
  const ModelCard model = load_model_card(model_path);
  TraceReader trace(trace_path);
  trace.check_model(model);

  Recording rec;
  SkipOpuTop top("skipopu", cfg, model, trace, ropt, &rec);
  top.set_progress(progress);
  sc_core::sc_start();
  if (top.error()) std::rethrow_exception(top.error());
  if (sc_core::sc_get_status() != sc_core::SC_STOPPED)
    throw std::runtime_error("simulation ended without the controller finishing (deadlock)");
  const RunTotals& t = top.totals();

  StatGroup root;
  StatGroup& s = root.group("summary", "end-to-end figures of the replay");
  const double hz = double(cfg.clocks.core_hz);
  const double decode_s = double(t.decode_cycles) / hz;
  s.add("prompt_tokens", t.prompt_tokens, "token", "prompt tokens (prefill batch)");
  s.add("decode_tokens", t.decode_tokens, "token", "decoded tokens (batch 1)");
  s.add("prefill_cycles", t.prefill_cycles, "cycle", "core cycles of the prefill step (to the first output token)");
  s.add("decode_cycles", t.decode_cycles, "cycle", "core cycles of all decode steps");
  s.add("total_cycles", t.end_cycle, "cycle", "core cycles until every posted transfer completed");
  s.add("cycles_per_token_min", t.token_cycles_min, "cycle", "fastest decode step");
  s.add_real("cycles_per_token_mean", ratio(t.decode_cycles, t.decode_tokens), "cycle", "decode cycles / decoded tokens");
  s.add("cycles_per_token_max", t.token_cycles_max, "cycle", "slowest decode step");
  s.add_real("core_clock_mhz", hz / 1e6, "MHz", "core clock (clocks.core_mhz)");
  s.add_real("tokens_per_s", decode_s > 0 ? double(t.decode_tokens) / decode_s : 0.0, "token/s",
             "decoded tokens per second at the core clock");
  s.add_real("prefill_s", double(t.prefill_cycles) / hz, "s", "prefill time");

  StatGroup& b = s.group("decode_bytes", "bytes the decode steps must move (workload), by class");
  const uint64_t need = t.need_weights + t.need_embedding + t.need_router + t.need_kv_read + t.need_kv_write;
  b.add("weights", t.need_weights, "byte", "weights (+ group scales) of the modules that ran, and the LM head");
  b.add("embedding", t.need_embedding, "byte", "embedding rows");
  b.add("router_weights", t.need_router, "byte", "router weights read from HBM (0 when on chip)");
  b.add("kv_read", t.need_kv_read, "byte", "K/V entries attended to (HBM reads plus history-buffer hits)");
  b.add("kv_history_hits", t.need_kv_hit, "byte", "part of kv_read served by the on-chip history buffer");
  b.add("kv_write", t.need_kv_write, "byte", "K/V entries stored");
  b.add("total", need, "byte", "sum of the workload classes above (kv_history_hits is inside kv_read)");
  b.add("hbm_physical", t.hbm_decode_bytes, "byte", "bytes HBM actually moved during decode (incl. prefetch, excl. hits)");

  const double peak = cfg.peak_hbm_bytes_per_s();
  s.add_real("peak_hbm_gbps", peak / 1e9, "GB/s", "HBM peak: pseudo_channels x beat_bytes x AXI clock");
  s.add_real("effective_bandwidth_gbps", decode_s > 0 ? double(need) / decode_s / 1e9 : 0.0, "GB/s",
             "workload bytes per second of decode (history hits count: 'equivalent' bandwidth)");
  s.add_real("bandwidth_efficiency", decode_s > 0 ? double(need) / decode_s / peak : 0.0, "ratio",
             "effective bandwidth / peak (SKIPOPU.md definition)");
  s.add_real("hbm_bandwidth_gbps", decode_s > 0 ? double(t.hbm_decode_bytes) / decode_s / 1e9 : 0.0, "GB/s",
             "physical HBM bytes per second of decode");
  s.add_real("hbm_decode_utilisation", decode_s > 0 ? double(t.hbm_decode_bytes) / decode_s / peak : 0.0, "ratio",
             "decode_bytes.hbm_physical / (decode time x peak): physical HBM bandwidth during decode over peak");

  StatGroup& ka = s.group("kv_attention", "decode attentions: K/V read bandwidth while they run");
  const double attn_s = double(t.kv_attn_cycles) / hz;
  ka.add("cycles", t.kv_attn_cycles, "cycle", "from each decode attention's K/V request to its end, summed");
  ka.add("hbm_bytes", t.kv_attn_hbm_bytes, "byte", "K/V bytes those attentions read from HBM (history hits excluded)");
  ka.add_real("physical_gbps", attn_s > 0 ? double(t.kv_attn_hbm_bytes) / attn_s / 1e9 : 0.0, "GB/s",
              "HBM K/V bytes per second of decode attention");
  ka.add_real("equivalent_gbps", attn_s > 0 ? double(t.need_kv_read) / attn_s / 1e9 : 0.0, "GB/s",
              "K/V bytes attended to (history hits counted) per second of decode attention");
  ka.add_real("channel_max_over_mean", t.kv_balance_count ? t.kv_balance_sum / double(t.kv_balance_count) : 0.0,
              "ratio", "per-channel balance of each attention's HBM K/V stream: most loaded pseudo-channel's bytes "
              "over the mean, averaged over the decode attentions that read HBM");
  ka.add("fetch_wait_cycles", t.kv_fetch_wait_cycles, "cycle",
         "of `cycles`: waiting for the history buffer's fetch before the K/V stream is issued");

  StatGroup& mc = s.group("module_cycles", "controller cycles inside each module's code (norm and router to the next module)");
  mc.add("prefill_attention", t.module_cycles[0][0], "cycle", "prefill: attention modules (run or skip path)");
  mc.add("prefill_mlp", t.module_cycles[0][1], "cycle", "prefill: MLP modules");
  mc.add("decode_attention", t.module_cycles[1][0], "cycle", "decode: attention modules, every token");
  mc.add("decode_mlp", t.module_cycles[1][1], "cycle", "decode: MLP modules, every token");

  StatGroup& k = s.group("skipping", "modules skipped by the routers");
  k.add_real("prompt_attn_skipped", ratio(t.skipped[0][0], t.skipped[0][0] + t.ran[0][0]), "ratio", "prompt: attention modules skipped");
  k.add_real("prompt_mlp_skipped", ratio(t.skipped[0][1], t.skipped[0][1] + t.ran[0][1]), "ratio", "prompt: MLP modules skipped");
  k.add_real("decode_attn_skipped", ratio(t.skipped[1][0], t.skipped[1][0] + t.ran[1][0]), "ratio", "decode: attention modules skipped");
  k.add_real("decode_mlp_skipped", ratio(t.skipped[1][1], t.skipped[1][1] + t.ran[1][1]), "ratio", "decode: MLP modules skipped");
  const uint64_t sk = t.skipped[1][0] + t.skipped[1][1], all = sk + t.ran[1][0] + t.ran[1][1];
  k.add_real("decode_skipped", ratio(sk, all), "ratio", "decode: all modules skipped");

  StatGroup& kv = s.group("kv_storage", "K/V entries stored against a dense cache");
  kv.add("entries_stored", t.kv_entries_stored, "count", "entries written (token x layer)");
  kv.add("entries_dense", t.kv_entries_dense, "count", "entries a dense cache stores");
  kv.add_real("saving", 1.0 - ratio(t.kv_entries_stored, t.kv_entries_dense), "ratio", "1 - stored / dense");
  kv.add("pages", t.kv_pages, "count", "K/V pages taken (kv.reserve paged; 0 when dense)");
  kv.add("reserved_bytes_per_pc", t.kv_reserved_per_pc, "byte",
         "K/V bytes reserved in the fullest pseudo-channel (dense: the whole context's slots)");
  kv.add("fixed_bytes_per_pc", t.hbm_fixed_per_pc, "byte", "weights, embedding and router weights per pseudo-channel");

  if (summary_hook) summary_hook(s, t);

  StatGroup& blocks = root.group("blocks", "per-block statistics");
  top.report(blocks);

  RunReport r;
  r.json = Json::object();
  r.json["schema"] = "skipopu-report/1";
  r.json["simulator"] = {{"name", "skipopu-sim"}, {"version", SKIPOPU_VERSION}};
  r.json["inputs"] = {{"config", cfg.name},
                      {"config_file", basename_of(cfg.file)},
                      {"model", model.name},
                      {"trace_file", basename_of(trace_path)},
                      {"trace_source", trace.header().source},
                      {"kv_policy", to_string(cfg.kv.policy)},
                      {"kv_mapping", to_string(cfg.kv.mapping)},
                      {"fusion", cfg.fusion},
                      {"hbm_model", cfg.hbm.model}};
  std::string impl_line;
  for (const auto& [block, impl] : top.implementations()) {
    r.json["inputs"]["blocks"][block] = impl;
    impl_line += (impl_line.empty() ? "" : ", ") + block + " " + impl;
  }
  if (ropt.series)
    r.series = ropt.series_json ? series_json(rec, model, hz, peak, r.json["inputs"]) : series_csv(rec, model, hz, peak);
  if (ropt.timeline) {
    Json in = r.json["inputs"];
    in["core_clock_hz"] = cfg.clocks.core_hz;
    in["timeline_tokens"] = {ropt.timeline_first, ropt.timeline_end};
    in["time_unit"] = "ts and dur in microseconds; args.cycle and args.cycles in core cycles";
    r.timeline = timeline_json(rec, top.program(), hz, in);
  }
  r.json["stats"] = root.to_json();
  r.json["config"] = cfg.resolved;
  r.json["program"] = {{"instructions", top.program().code.size()},
                       {"matrices", top.program().matrices.size()},
                       {"weight_bytes", top.program().total_weight_bytes()}};

  std::string text;
  text += "SkipOPU-sim " SKIPOPU_VERSION " -- " + model.name + " on " + cfg.name + ", trace " +
          basename_of(trace_path) + "\n";
  text += "  kv policy " + std::string(to_string(cfg.kv.policy)) + ", mapping " + to_string(cfg.kv.mapping) +
          ", fusion " + (cfg.fusion ? "on" : "off") + ", hbm model " + cfg.hbm.model + "\n";
  text += "  blocks: " + impl_line + "\n\n";
  root.print(text, 0, verbose);
  r.text = text;
  return r;
}

}  // namespace skipopu

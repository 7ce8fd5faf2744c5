// skipopu gen-trace / check-trace: synthetic traces and trace validation (traces/README.md).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "data_dir.hpp"
#include "options.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/trace.hpp"

namespace skipopu::cli {

namespace {

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * v);
  return buf;
}

double ratio(uint64_t num, uint64_t den) { return den ? double(num) / double(den) : 0.0; }

// Per-layer skip counts over the decode tokens only (TraceSummary's are over all tokens).
struct DecodeLayers {
  std::vector<uint64_t> attn, mlp;
  explicit DecodeLayers(uint32_t layers) : attn(layers, 0), mlp(layers, 0) {}
  void add(const TokenRecord& rec) {
    if (rec.prompt) return;
    for (uint32_t l = 0; l < attn.size(); ++l) {
      attn[l] += !rec.attn_ran(l);
      mlp[l] += !rec.mlp_ran(l);
    }
  }
};

void print_summary(std::ostream& os, const TraceSummary& s, const DecodeLayers* per_layer) {
  const uint64_t L = s.layers;
  const uint64_t a = s.attn_skipped_total(), m = s.mlp_skipped_total();
  const uint64_t ap = s.attn_skipped_prompt, mp = s.mlp_skipped_prompt;
  os << "tokens: " << s.tokens() << " (prompt " << s.prompt_tokens << ", decode " << s.decode_tokens << "), layers "
     << L << "\n"
     << "skipped modules: " << pct(s.skip_ratio()) << " (attention " << pct(s.attn_skip_ratio()) << ", MLP "
     << pct(s.mlp_skip_ratio()) << ")\n"
     << "  prompt tokens: " << pct(ratio(ap + mp, 2 * L * s.prompt_tokens)) << " (attention "
     << pct(ratio(ap, L * s.prompt_tokens)) << ", MLP " << pct(ratio(mp, L * s.prompt_tokens)) << ")\n"
     << "  decode tokens: " << pct(ratio(a - ap + m - mp, 2 * L * s.decode_tokens)) << " (attention "
     << pct(ratio(a - ap, L * s.decode_tokens)) << ", MLP " << pct(ratio(m - mp, L * s.decode_tokens)) << ")\n"
     << "attention skipped in two adjacent layers: " << s.attn_adjacent << " times\n";
  if (!per_layer) return;
  os << "per-layer skip ratio (all tokens, then decode tokens only):\n"
        "  layer  attention   MLP      decode: attention   MLP\n";
  for (uint64_t l = 0; l < L; ++l) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %5llu  %8s  %8s            %8s  %8s\n", (unsigned long long)l,
                  pct(ratio(s.attn_skipped[l], s.tokens())).c_str(), pct(ratio(s.mlp_skipped[l], s.tokens())).c_str(),
                  pct(ratio(per_layer->attn[l], s.decode_tokens)).c_str(),
                  pct(ratio(per_layer->mlp[l], s.decode_tokens)).c_str());
    os << buf;
  }
}

}  // namespace

int cmd_gen_trace(const Args& args) {
  TraceProfile p;  // its defaults are the command's defaults
  std::string model, out, pattern = to_string(p.pattern), data_dir;
  po::options_description desc("gen-trace options (model and defaults: traces/README.md)");
  desc.add_options()
      ("model", po::value(&model)->required(), "model card name (models/NAME.json) or path")
      ("prompt", po::value(&p.prompt)->required(), "prompt tokens")
      ("decode", po::value(&p.decode)->required(), "decoded tokens")
      ("out", po::value(&out)->required(), "output trace file (written atomically)")
      ("pattern", po::value(&pattern)->default_value(pattern), "skipgpt | nonconsecutive | dense")
      ("seed", po::value(&p.seed)->default_value(p.seed), "random seed")
      ("skip", po::value(&p.skip)->default_value(p.skip, "0.25"), "target fraction of all modules skipped")
      ("attn-share", po::value(&p.attn_share)->default_value(p.attn_share, "0.5"),
       "fraction of the skipped modules that are attention")
      ("protect-first", po::value(&p.protect_first)->default_value(p.protect_first), "first layers rarely skipped")
      ("protect-last", po::value(&p.protect_last)->default_value(p.protect_last), "last layers rarely skipped")
      ("edge-weight", po::value(&p.edge_weight)->default_value(p.edge_weight, "0.1"),
       "skip rate of a protected layer relative to the others")
      ("max-layer-rate", po::value(&p.max_layer_rate)->default_value(p.max_layer_rate, "0.9"),
       "highest skip rate of any layer and module type")
      ("token-corr", po::value(&p.token_corr)->default_value(p.token_corr, "0.5"),
       "probability a decision copies the previous token's (same layer)")
      ("layer-corr", po::value(&p.layer_corr)->default_value(p.layer_corr, "0.2"),
       "probability a decision copies the previous layer's (same token)")
      ("drift", po::value(&p.drift)->default_value(p.drift, "0.2"),
       "attention skip rate x(1+drift) at the first token down to x(1-drift) at the last; MLP opposite")
      ("data-dir", po::value(&data_dir), "where models/ lives (default: SKIPOPU_DATA_DIR, else share/skipopu by the binary)");
  po::variables_map vm;
  if (!parse_options("gen-trace", args, desc, vm, "--model NAME --prompt N --decode N --out FILE [options]"))
    return kExitOk;
  data_dir = find_data_dir(data_dir);
  p.pattern = parse_skip_pattern(pattern);
  const ModelCard m = load_model_card(resolve_model_path(model, data_dir));
  validate_profile(m, p);
  try {
    TraceWriter w(out, make_trace_header(m, p));
    generate_trace(m, p, w);
  } catch (const TraceWriteError& e) {
    std::cerr << "skipopu gen-trace: error: " << e.what() << "\n";
    return kExitOutput;
  }
  // Read the file back: validates what was written and reports the achieved ratios.
  TraceReader r(out);
  r.check_model(m);
  const TraceSummary s = summarize_trace(r);
  std::cerr << "wrote " << out << ": " << r.header().source << "\n";
  print_summary(std::cerr, s, nullptr);
  return kExitOk;
}

int cmd_check_trace(const Args& args) {
  std::string trace, model, data_dir;
  bool quiet = false;
  po::options_description desc("check-trace options");
  desc.add_options()
      ("trace", po::value(&trace)->required(), "trace file")
      ("model", po::value(&model), "model card name or path (default: the model the trace names)")
      ("data-dir", po::value(&data_dir), "where models/ lives (default: SKIPOPU_DATA_DIR, else share/skipopu by the binary)")
      ("brief", po::bool_switch(&quiet), "omit the per-layer table");
  po::variables_map vm;
  if (!parse_options("check-trace", args, desc, vm, "--trace FILE [--model NAME]")) return kExitOk;
  data_dir = find_data_dir(data_dir);
  TraceReader r(trace);
  const std::string card = resolve_model_path(model.empty() ? r.header().model : model, data_dir);
  const ModelCard m = load_model_card(card);
  r.check_model(m);
  TraceSummary s(r.header().layers);
  DecodeLayers dec(r.header().layers);
  TokenRecord rec;
  while (r.next(rec)) {
    s.add(rec);
    dec.add(rec);
  }
  std::cout << "trace: " << trace << " (valid, model card " << card << ")\n"
            << "model: " << r.header().model << "\nsource: " << r.header().source << "\n";
  print_summary(std::cout, s, quiet ? nullptr : &dec);
  return kExitOk;
}

}  // namespace skipopu::cli

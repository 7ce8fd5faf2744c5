// Synthetic trace generator: bundled files reproduce, determinism, achieved ratios within
// tolerances derived from the sample size (traces/README.md, "Expected spread"), patterns.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "skipopu/error.hpp"
#include "skipopu/trace.hpp"
#include "trace_test_util.hpp"

using namespace skipopu;
using trace_test::read_file;
using trace_test::scratch;

namespace {

TraceProfile profile(uint32_t prompt, uint32_t decode, uint64_t seed = 1,
                     SkipPattern pattern = SkipPattern::skipgpt) {
  TraceProfile p;
  p.prompt = prompt;
  p.decode = decode;
  p.seed = seed;
  p.pattern = pattern;
  return p;
}

std::string generate(const std::string& model, const TraceProfile& p, const std::string& name) {
  const ModelCard m = trace_test::model(model);
  const std::string path = scratch(name);
  TraceWriter w(path, make_trace_header(m, p));
  generate_trace(m, p, w);
  return path;
}

TraceSummary summary(const std::string& path) {
  TraceReader r(path);
  return summarize_trace(r);
}

// Variance inflation of a rate from latent copying (traces/README.md): clusters of copied
// latents form a branching process with offspring mean m and variance s2.
double vif(const TraceProfile& p) {
  const double m = p.token_corr + p.layer_corr;
  const double s2 = p.token_corr * (1 - p.token_corr) + p.layer_corr * (1 - p.layer_corr);
  return s2 / ((1 - m) * (1 - m)) + 1 / (1 - m);
}

// 5 standard deviations of the achieved rate of n decisions at mean rate `rate`.
double tolerance(const TraceProfile& p, double rate, double n) {
  return 5 * std::sqrt(vif(p) * rate * (1 - rate) / n);
}

}  // namespace

TEST_CASE("regenerating the bundled traces reproduces the committed files byte for byte") {
  struct Row {
    const char* file;
    const char* model;
    uint32_t prompt, decode;
    SkipPattern pattern;
  };
  const Row rows[] = {
      {"llama2-7b-p256-d64.trace", "llama2-7b", 256, 64, SkipPattern::skipgpt},
      {"llama2-7b-p256-d64-noncons.trace", "llama2-7b", 256, 64, SkipPattern::nonconsecutive},
      {"llama2-7b-p256-d64-dense.trace", "llama2-7b", 256, 64, SkipPattern::dense},
      {"llama2-7b-p16-d64.trace", "llama2-7b", 16, 64, SkipPattern::skipgpt},
      {"tiny-p8-d4.trace", "tiny", 8, 4, SkipPattern::skipgpt},
      {"tiny-p8-d4-dense.trace", "tiny", 8, 4, SkipPattern::dense},
      {"tiny-gqa-p8-d4.trace", "tiny-gqa", 8, 4, SkipPattern::skipgpt},
      {"llama3.1-8b-p128-d16.trace", "llama3.1-8b", 128, 16, SkipPattern::skipgpt},
      {"llama2-13b-p128-d16.trace", "llama2-13b", 128, 16, SkipPattern::skipgpt},
  };
  for (const Row& row : rows) {
    INFO(row.file);
    const std::string committed = read_file(trace_test::data(std::string("traces/") + row.file));
    REQUIRE_FALSE(committed.empty());
    const std::string path = generate(row.model, profile(row.prompt, row.decode, 1, row.pattern), row.file);
    CHECK(read_file(path) == committed);
    TraceReader r(trace_test::data(std::string("traces/") + row.file));
    r.check_model(trace_test::model(row.model));
  }
}

TEST_CASE("default trace header and source line") {
  TraceReader r(trace_test::data("traces/llama2-7b-p256-d64.trace"));
  CHECK(r.header().model == "llama2-7b");
  CHECK(r.header().layers == 32);
  CHECK(r.header().prompt == 256);
  CHECK(r.header().decode == 64);
  CHECK(r.header().source ==
        "synthetic gen-trace/1 pattern=skipgpt seed=1 skip=0.25 attn-share=0.5 protect-first=1 protect-last=1 "
        "edge-weight=0.1 max-layer-rate=0.9 token-corr=0.5 layer-corr=0.2 drift=0.2");
  CHECK(describe_profile(profile(1, 0, 7, SkipPattern::dense)) == "synthetic gen-trace/1 pattern=dense");
  TraceProfile p = profile(1, 0);
  p.skip = 0.1 + 0.2;  // 0.30000000000000004: printed exactly, so the line regenerates the file
  CHECK(describe_profile(p).find(" skip=0.30000000000000004 ") != std::string::npos);
}

TEST_CASE("same seed gives identical bytes, another seed different masks") {
  const std::string a = read_file(generate("llama2-7b", profile(64, 16, 5), "seed5a.trace"));
  const std::string b = read_file(generate("llama2-7b", profile(64, 16, 5), "seed5b.trace"));
  const std::string c = read_file(generate("llama2-7b", profile(64, 16, 6), "seed6.trace"));
  CHECK(a == b);
  REQUIRE(a.size() == c.size());
  const size_t body = a.find("tokens\n");
  CHECK(a.substr(body) != c.substr(body));
}

TEST_CASE("achieved skip ratios land near the targets") {
  struct Case {
    const char* name;
    TraceProfile p;
  };
  TraceProfile independent = profile(2048, 2048, 3);
  independent.token_corr = independent.layer_corr = 0;
  TraceProfile heavy = profile(512, 512, 9);
  heavy.skip = 0.4;
  heavy.attn_share = 0.5;
  TraceProfile noncons = profile(2048, 2048, 4, SkipPattern::nonconsecutive);
  TraceProfile attn_heavy = profile(2048, 2048, 5);  // SkipGPT's ordering: attention skipped more
  attn_heavy.attn_share = 0.65;
  const Case cases[] = {
      {"default-4096", profile(2048, 2048, 1)},
      {"independent", independent},
      {"heavy", heavy},
      {"noncons-4096", noncons},
      {"attn-heavy-4096", attn_heavy},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const TraceSummary s = summary(generate("llama2-7b", c.p, std::string(c.name) + ".trace"));
    const double n = 32.0 * s.tokens();
    const double ta = 2 * c.p.skip * c.p.attn_share, tm = 2 * c.p.skip * (1 - c.p.attn_share);
    CHECK(std::fabs(s.attn_skip_ratio() - ta) <= tolerance(c.p, ta, n));
    CHECK(std::fabs(s.mlp_skip_ratio() - tm) <= tolerance(c.p, tm, n));
    // Overall: attention and MLP latents are independent, so the variances add.
    const double ea = tolerance(c.p, ta, n), em = tolerance(c.p, tm, n);
    CHECK(std::fabs(s.skip_ratio() - c.p.skip) <= 0.5 * std::sqrt(ea * ea + em * em));
    // With different targets the achieved ratios keep their order (the default mix skips
    // attention and MLP equally since issue 10: no order to check there).
    if (ta != tm) CHECK((s.attn_skip_ratio() > s.mlp_skip_ratio()) == (ta > tm));
  }
}

TEST_CASE("first and last layers are rarely skipped") {
  const TraceProfile p = profile(2048, 2048, 2);
  const TraceSummary s = summary(generate("llama2-7b", p, "edges.trace"));
  const double T = double(s.tokens());
  // Weights 0.1 (layers 0, 31) and 1 (30 others) averaging to the target rate.
  const double scale = 32.0 / (30 + 2 * p.edge_weight);
  for (const bool attn : {true, false}) {
    const double mean = attn ? 2 * p.skip * p.attn_share : 2 * p.skip * (1 - p.attn_share);
    const double edge = mean * p.edge_weight * scale, mid = mean * scale;
    const std::vector<uint64_t>& skipped = attn ? s.attn_skipped : s.mlp_skipped;
    for (const uint32_t l : {0u, 31u}) {
      INFO("attention " << attn << " layer " << l);
      CHECK(std::fabs(skipped[l] / T - edge) <= tolerance(p, edge, T));
    }
    uint64_t middle = 0;
    for (uint32_t l = 1; l < 31; ++l) middle += skipped[l];
    CHECK(std::fabs(middle / (30 * T) - mid) <= tolerance(p, mid, 30 * T));
  }
}

TEST_CASE("later tokens skip attention less and MLP more (drift)") {
  const TraceProfile p = profile(2048, 2048, 8);
  TraceReader r(generate("llama2-7b", p, "drift.trace"));
  TraceSummary first(32), second(32);
  TokenRecord rec;
  while (r.next(rec)) (rec.index < 2048 ? first : second).add(rec);
  // Mean drift coordinate x_t = 1 - 2t/(T-1) over each half.
  double x_first = 0, x_second = 0;
  for (uint32_t t = 0; t < 4096; ++t) (t < 2048 ? x_first : x_second) += 1.0 - 2.0 * t / 4095.0;
  x_first /= 2048;
  x_second /= 2048;
  const double n = 32.0 * 2048;
  const double ta = 2 * p.skip * p.attn_share, tm = 2 * p.skip * (1 - p.attn_share);
  const double a1 = ta * (1 + p.drift * x_first), a2 = ta * (1 + p.drift * x_second);
  const double m1 = tm * (1 - p.drift * x_first), m2 = tm * (1 - p.drift * x_second);
  CHECK(std::fabs(first.attn_skip_ratio() - a1) <= tolerance(p, a1, n));
  CHECK(std::fabs(second.attn_skip_ratio() - a2) <= tolerance(p, a2, n));
  CHECK(std::fabs(first.mlp_skip_ratio() - m1) <= tolerance(p, m1, n));
  CHECK(std::fabs(second.mlp_skip_ratio() - m2) <= tolerance(p, m2, n));
  CHECK(first.attn_skip_ratio() > second.attn_skip_ratio());
  CHECK(first.mlp_skip_ratio() < second.mlp_skip_ratio());
}

TEST_CASE("neighbouring tokens and layers are correlated as configured") {
  // Fraction of (token, layer) attention decisions equal to the previous token's, and to the
  // previous layer's. Independent decisions agree with probability about p^2 + (1-p)^2.
  auto agreement = [](const std::string& path, double& with_token, double& with_layer) {
    TraceReader r(path);
    TokenRecord rec, prev;
    uint64_t same_t = 0, n_t = 0, same_l = 0, n_l = 0;
    bool have_prev = false;
    while (r.next(rec)) {
      for (uint32_t l = 1; l < 31; ++l) {
        if (have_prev) same_t += rec.attn_ran(l) == prev.attn_ran(l), ++n_t;
        if (l > 1) same_l += rec.attn_ran(l) == rec.attn_ran(l - 1), ++n_l;
      }
      prev = rec;
      have_prev = true;
    }
    with_token = double(same_t) / n_t;
    with_layer = double(same_l) / n_l;
  };
  TraceProfile indep = profile(1024, 0, 11);
  indep.token_corr = indep.layer_corr = indep.drift = 0;
  TraceProfile tok = indep, lay = indep;
  tok.token_corr = 0.8;
  lay.layer_corr = 0.8;
  double it, il, tt, tl, lt, ll;
  agreement(generate("llama2-7b", indep, "corr-indep.trace"), it, il);
  agreement(generate("llama2-7b", tok, "corr-token.trace"), tt, tl);
  agreement(generate("llama2-7b", lay, "corr-layer.trace"), lt, ll);
  // Middle-layer attention rate r = 0.25 * 32 / 30.2; agreement of independent decisions
  // 1 - 2r(1-r); with copy probability c: c + (1-c)(1 - 2r(1-r)).
  const double r = 0.25 * 32 / 30.2, base = 1 - 2 * r * (1 - r);
  const double n = 30.0 * 1024, tol = 5 * std::sqrt(0.25 * vif(tok) / n);
  CHECK(std::fabs(it - base) <= tol);
  CHECK(std::fabs(il - base) <= tol);
  CHECK(std::fabs(tt - (0.8 + 0.2 * base)) <= tol);
  CHECK(std::fabs(tl - base) <= tol);
  CHECK(std::fabs(ll - (0.8 + 0.2 * base)) <= tol);
  CHECK(std::fabs(lt - base) <= tol);
}

TEST_CASE("nonconsecutive pattern never skips attention in two adjacent layers") {
  for (const uint64_t seed : {1u, 2u, 3u}) {
    const std::string path =
        generate("llama2-13b", profile(512, 64, seed, SkipPattern::nonconsecutive), "noncons.trace");
    TraceReader r(path);
    TokenRecord rec;
    uint64_t adjacent = 0, skipped = 0;
    while (r.next(rec))
      for (uint32_t l = 0; l < 40; ++l) {
        skipped += !rec.attn_ran(l);
        adjacent += l > 0 && !rec.attn_ran(l) && !rec.attn_ran(l - 1);
      }
    CHECK(adjacent == 0);
    CHECK(skipped > 0);
  }
  CHECK(summary(trace_test::data("traces/llama2-7b-p256-d64-noncons.trace")).attn_adjacent == 0);
  // The skipgpt pattern does skip adjacent layers, so the check above can fail.
  CHECK(summary(trace_test::data("traces/llama2-7b-p256-d64.trace")).attn_adjacent > 0);
}

TEST_CASE("dense pattern skips nothing") {
  for (const char* f : {"traces/llama2-7b-p256-d64-dense.trace", "traces/tiny-p8-d4-dense.trace"}) {
    const TraceSummary s = summary(trace_test::data(f));
    CHECK(s.tokens() > 0);
    CHECK(s.attn_skipped_total() == 0);
    CHECK(s.mlp_skipped_total() == 0);
  }
  const std::string text = read_file(trace_test::data("traces/tiny-p8-d4-dense.trace"));
  CHECK(text.substr(text.find("tokens\n")) ==
        "tokens\nP 11 11\nP 11 11\nP 11 11\nP 11 11\nP 11 11\nP 11 11\nP 11 11\nP 11 11\n"
        "D 11 11\nD 11 11\nD 11 11\nD 11 11\nend 12\n");
}

TEST_CASE("infeasible or out-of-range profiles are input errors naming the option") {
  const ModelCard m = trace_test::model("llama2-7b");
  auto err = [&](const TraceProfile& p) -> std::string {
    try {
      validate_profile(m, p);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  TraceProfile p = profile(256, 64);
  CHECK(err(p) == "");
  p.skip = 1.5;
  CHECK(err(p) == "--skip: expected a value from 0 to 1, got 1.5");
  p.skip = 0.5;
  p.attn_share = 0.9;
  CHECK(err(p) == "--skip: attention would skip 0.9 of its modules, above --max-layer-rate/(1+drift) = 0.75; "
                  "lower --skip or --attn-share");
  p = profile(256, 64);
  p.token_corr = 0.7;
  p.layer_corr = 0.4;
  CHECK(err(p) == "--layer-corr: expected --token-corr + --layer-corr <= 1, got 1.1");
  p = profile(4000, 100);
  CHECK(err(p) == "--decode: expected --prompt + --decode <= 4096 (max_seq_len of model llama2-7b), got 4100");
  p = profile(256, 64, 1, SkipPattern::nonconsecutive);
  p.skip = 0.35;
  p.attn_share = 0.75;
  CHECK(err(p) == "--skip: pattern nonconsecutive needs attention skip rates of neighbouring layers to sum to at "
                  "most 1; layers 1 and 2 would need 0.668 + 0.668; lower --skip, "
                  "--attn-share or --drift");
  p = profile(256, 64);
  p.skip = 0.5;
  p.attn_share = 0.1;
  CHECK(err(p) == "--skip: MLP would skip 0.9 of its modules, above --max-layer-rate/(1+drift) = 0.75; lower --skip "
                  "or raise --attn-share");
  p = profile(256, 64);
  p.edge_weight = 0;
  p.protect_first = 20;
  p.protect_last = 20;
  CHECK(err(p) == "--edge-weight: expected > 0: every layer is protected (--protect-first/--protect-last), so none "
                  "can skip");
  CHECK_THROWS_WITH(parse_skip_pattern("sparse"), "--pattern: expected skipgpt, nonconsecutive or dense, got 'sparse'");
  CHECK(parse_skip_pattern("nonconsecutive") == SkipPattern::nonconsecutive);
}

TEST_CASE("a layer rate above max-layer-rate is pinned and the others rescaled") {
  // tiny (2 layers), protect-first 1, protect-last 0, edge-weight 0.1, attention mean 0.6:
  // rates would be 0.6 * 2 * {0.1, 1} / 1.1 = {0.109, 1.09}; layer 1 is pinned at 0.9 and
  // layer 0 gets the rest of the budget, 2 * 0.6 - 0.9 = 0.3.
  TraceProfile p = profile(4000, 0, 5);
  p.skip = 0.3;
  p.attn_share = 1.0;
  p.drift = 0;
  p.protect_last = 0;
  p.token_corr = p.layer_corr = 0;
  const TraceSummary s = summary(generate("tiny", p, "pinned.trace"));
  const double n = 4000;
  CHECK(std::fabs(s.attn_skipped[0] / n - 0.3) <= tolerance(p, 0.3, n));
  CHECK(std::fabs(s.attn_skipped[1] / n - 0.9) <= tolerance(p, 0.9, n));
  CHECK(s.mlp_skipped_total() == 0);
}

// Synthetic SkipGPT-like traces (model and parameters: traces/README.md, "Generator").
//
// Portability: the only randomness is xoshiro256** seeded by splitmix64; every decision is
// an integer comparison of a 32-bit latent with a 32-bit-fixed-point threshold. Thresholds
// come from a few IEEE-754 double operations (+ - * /, no library math), which give the
// same result on every conforming machine, so a seed yields the same bytes everywhere.
#include <cstdio>
#include <cstdlib>

#include "skipopu/error.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/trace.hpp"

namespace skipopu {

namespace {

// Bumped whenever the generator's output for a given profile changes.
constexpr const char* kGeneratorVersion = "gen-trace/1";

struct Rng {  // xoshiro256** (Blackman & Vigna), state from splitmix64(seed)
  uint64_t s[4];
  explicit Rng(uint64_t seed) {
    SplitMix64 init(seed);  // the recommended seeding of xoshiro256**
    for (uint64_t& w : s) w = init.next();
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t r = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
  }
};

constexpr uint64_t kOne = uint64_t(1) << 32;  // probability 1 in 32-bit fixed point

// P(u < threshold) = p for u uniform on [0, 2^32).
uint64_t threshold(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return kOne;
  return uint64_t(p * 4294967296.0 + 0.5);
}

std::string num(double v) {  // shortest text that reads back as the same double
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string approx(double v) {  // computed values in messages
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

bool in_range(double v, double lo, double hi) { return v >= lo && v <= hi; }  // false for NaN

[[noreturn]] void bad(const std::string& option, const std::string& what) {
  throw InputError("--" + option + ": " + what);
}

void need_fraction(const char* option, double v, double lo = 0, double hi = 1) {
  if (!in_range(v, lo, hi)) bad(option, "expected a value from " + num(lo) + " to " + num(hi) + ", got " + num(v));
}

// Mean skip rate of each layer for one module type: proportional to the layer's weight
// (edge_weight for protected layers, 1 otherwise), no layer above `cap`, averaging `mean`
// over the layers. Water-filling: layers that would exceed the cap are pinned to it and
// the rest rescaled. Requires mean <= cap.
std::vector<double> layer_rates(const ModelCard& m, const TraceProfile& p, double mean, double cap) {
  const uint32_t L = m.layers;
  std::vector<double> w(L), r(L, 0.0);
  std::vector<bool> pinned(L, false);
  for (uint32_t l = 0; l < L; ++l)
    w[l] = (l < p.protect_first || l + p.protect_last >= L) ? p.edge_weight : 1.0;
  if (mean <= 0) return r;
  for (;;) {
    double budget = mean * L, free_weight = 0;
    for (uint32_t l = 0; l < L; ++l) (pinned[l] ? budget -= cap : free_weight += w[l]);
    if (!(free_weight > 0)) {
      if (budget > 1e-12 * L)
        bad("edge-weight", "expected > 0: every layer is protected (--protect-first/--protect-last), so none can skip");
      return r;
    }
    const double c = budget / free_weight;
    bool changed = false;
    for (uint32_t l = 0; l < L; ++l) {
      if (pinned[l]) continue;
      r[l] = c * w[l];
      if (r[l] > cap) {
        pinned[l] = changed = true;
        r[l] = cap;
      }
    }
    if (!changed) return r;
  }
}

struct Rates {
  std::vector<double> attn, mlp;  // per-layer mean skip rates (before drift)
};

Rates profile_rates(const ModelCard& m, const TraceProfile& p) {
  Rates r;
  const double cap = p.max_layer_rate / (1 + p.drift);  // drift never pushes a rate above max
  const double attn_mean = 2 * p.skip * p.attn_share, mlp_mean = 2 * p.skip * (1 - p.attn_share);
  if (attn_mean > cap)
    bad("skip", "attention would skip " + approx(attn_mean) + " of its modules, above --max-layer-rate/(1+drift) = " +
                    approx(cap) + "; lower --skip or --attn-share");
  if (mlp_mean > cap)
    bad("skip", "MLP would skip " + approx(mlp_mean) + " of its modules, above --max-layer-rate/(1+drift) = " + approx(cap) +
                    "; lower --skip or raise --attn-share");
  r.attn = layer_rates(m, p, attn_mean, cap);
  r.mlp = layer_rates(m, p, mlp_mean, cap);
  if (p.pattern == SkipPattern::nonconsecutive) {
    // A layer may only skip attention where the previous layer ran it: needs
    // rate(l-1) + rate(l) <= 1 at the token where attention rates peak (the first).
    for (uint32_t l = 1; l < m.layers; ++l) {
      const double a = r.attn[l - 1] * (1 + p.drift), b = r.attn[l] * (1 + p.drift);
      if (a + b > 1)
        bad("skip", "pattern nonconsecutive needs attention skip rates of neighbouring layers to sum to at most 1; "
                    "layers " + std::to_string(l - 1) + " and " + std::to_string(l) + " would need " + approx(a) + " + " +
                    approx(b) + "; lower --skip, --attn-share or --drift");
    }
  }
  return r;
}

}  // namespace

SkipPattern parse_skip_pattern(const std::string& name) {
  if (name == "skipgpt") return SkipPattern::skipgpt;
  if (name == "nonconsecutive") return SkipPattern::nonconsecutive;
  if (name == "dense") return SkipPattern::dense;
  bad("pattern", "expected skipgpt, nonconsecutive or dense, got '" + name + "'");
}

const char* to_string(SkipPattern p) {
  switch (p) {
    case SkipPattern::skipgpt: return "skipgpt";
    case SkipPattern::nonconsecutive: return "nonconsecutive";
    case SkipPattern::dense: return "dense";
  }
  return "?";
}

void validate_profile(const ModelCard& m, const TraceProfile& p) {
  const uint64_t tokens = uint64_t(p.prompt) + p.decode;
  if (tokens == 0) bad("prompt", "expected --prompt + --decode >= 1, got 0 tokens");
  if (tokens > m.max_seq_len)
    bad("decode", "expected --prompt + --decode <= " + std::to_string(m.max_seq_len) + " (max_seq_len of model " +
                      m.name + "), got " + std::to_string(tokens));
  need_fraction("skip", p.skip);
  need_fraction("attn-share", p.attn_share);
  need_fraction("edge-weight", p.edge_weight);
  need_fraction("max-layer-rate", p.max_layer_rate);
  need_fraction("token-corr", p.token_corr);
  need_fraction("layer-corr", p.layer_corr);
  need_fraction("drift", p.drift);
  if (!(p.token_corr + p.layer_corr <= 1))
    bad("layer-corr", "expected --token-corr + --layer-corr <= 1, got " + approx(p.token_corr + p.layer_corr));
  if (p.pattern != SkipPattern::dense) profile_rates(m, p);  // feasibility
}

std::string describe_profile(const TraceProfile& p) {
  std::string s = std::string("synthetic ") + kGeneratorVersion + " pattern=" + to_string(p.pattern);
  if (p.pattern == SkipPattern::dense) return s;
  s += " seed=" + std::to_string(p.seed) + " skip=" + num(p.skip) + " attn-share=" + num(p.attn_share) +
       " protect-first=" + std::to_string(p.protect_first) + " protect-last=" + std::to_string(p.protect_last) +
       " edge-weight=" + num(p.edge_weight) + " max-layer-rate=" + num(p.max_layer_rate) +
       " token-corr=" + num(p.token_corr) + " layer-corr=" + num(p.layer_corr) + " drift=" + num(p.drift);
  return s;
}

TraceHeader make_trace_header(const ModelCard& m, const TraceProfile& p) {
  TraceHeader h;
  h.model = m.name;
  h.layers = m.layers;
  h.prompt = p.prompt;
  h.decode = p.decode;
  h.source = describe_profile(p);
  return h;
}

void generate_trace(const ModelCard& m, const TraceProfile& p, TraceWriter& out) {
  validate_profile(m, p);
  const TraceHeader& h = out.header();
  if (h.model != m.name || h.layers != m.layers || h.prompt != p.prompt || h.decode != p.decode)
    throw std::logic_error("generate_trace: writer header does not match the model and profile");
  const uint32_t L = m.layers;
  const uint64_t T = uint64_t(p.prompt) + p.decode;
  TokenRecord rec;
  rec.reset(L);
  if (p.pattern == SkipPattern::dense) {
    for (uint32_t l = 0; l < L; ++l) rec.set_attn(l, true), rec.set_mlp(l, true);
    for (uint64_t t = 0; t < T; ++t) {
      rec.index = uint32_t(t);
      rec.prompt = t < p.prompt;
      out.write(rec);
    }
    out.finish();
    return;
  }
  const Rates rates = profile_rates(m, p);
  const bool noncons = p.pattern == SkipPattern::nonconsecutive;
  // Each decision compares a latent u ~ U[0, 2^32) with its threshold. The latent of
  // (token t, layer l, module) is, by the top 32 bits of one draw: copied from token t-1
  // (token_corr), copied from layer l-1 (layer_corr), or the draw's low 32 bits. Each
  // latent is uniform, so each decision has exactly its target rate; copies correlate them.
  const uint64_t tok_th = threshold(p.token_corr);
  const uint64_t lay_th = threshold(p.token_corr + p.layer_corr);
  const uint64_t lay_th_attn = noncons ? tok_th : lay_th;  // keeps layers' attention latents independent
  Rng rng(p.seed);
  std::vector<uint32_t> prev_a(L, 0), cur_a(L, 0), prev_m(L, 0), cur_m(L, 0);
  auto latent = [&rng](uint64_t t, uint32_t l, const std::vector<uint32_t>& prev, std::vector<uint32_t>& cur,
                       uint64_t layer_th, uint64_t token_th) {
    const uint64_t x = rng.next();
    const uint64_t sel = x >> 32;
    uint32_t u = uint32_t(x);
    if (sel < token_th) {
      if (t > 0) u = prev[l];
    } else if (sel < layer_th) {
      if (l > 0) u = cur[l - 1];
    }
    cur[l] = u;
    return u;
  };
  for (uint64_t t = 0; t < T; ++t) {
    // Drift: x goes from +1 (first token) to -1 (last); attention skips more early, MLP late.
    const double x = T > 1 ? 1.0 - 2.0 * double(t) / double(T - 1) : 0.0;
    const double fa = 1 + p.drift * x, fm = 1 - p.drift * x;
    rec.index = uint32_t(t);
    rec.prompt = t < p.prompt;
    bool prev_skipped = false;
    double prev_rate = 0;
    for (uint32_t l = 0; l < L; ++l) {
      const double ra = rates.attn[l] * fa;
      const uint32_t ua = latent(t, l, prev_a, cur_a, lay_th_attn, tok_th);
      bool skip_a;
      if (noncons) {
        // P(skip) = P(u < q) * P(layer l-1 ran) = q * (1 - rate(l-1)) = ra: u is independent
        // of the earlier layers' decisions because attention latents are never layer-copied.
        skip_a = !prev_skipped && ua < threshold(ra / (1 - prev_rate));
        prev_rate = ra;
        prev_skipped = skip_a;
      } else {
        skip_a = ua < threshold(ra);
      }
      const uint32_t um = latent(t, l, prev_m, cur_m, lay_th, tok_th);
      const bool skip_m = um < threshold(rates.mlp[l] * fm);
      rec.set_attn(l, !skip_a);
      rec.set_mlp(l, !skip_m);
    }
    prev_a.swap(cur_a);
    prev_m.swap(cur_m);
    out.write(rec);
  }
  out.finish();
}

}  // namespace skipopu

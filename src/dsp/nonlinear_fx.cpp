// Bit-accurate fixed-point nonlinear unit and router (nonlinear_fx.hpp). Each line matches a
// line of the generated RTL (src/rtl/generator_nl.cpp); widths are stated where the RTL has
// them.
#include "skipopu/dsp/nonlinear_fx.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "skipopu/prng.hpp"

namespace skipopu::dsp {

namespace {

int16_t sat16(int64_t v) { return static_cast<int16_t>(std::clamp<int64_t>(v, -32768, 32767)); }
// exp argument z = m - x clamped at 0 (17 bits).
uint32_t exp_arg(int32_t m, int32_t x) { return m > x ? static_cast<uint32_t>(m - x) : 0u; }

}  // namespace

const char* nl_op_name(NlOp op) {
  static const char* const names[kNlOps] = {"rmsnorm_reduce", "rmsnorm_apply", "softmax_reduce", "softmax_apply",
                                            "swiglu",         "rope",          "residual",       "argmax"};
  return names[static_cast<unsigned>(op)];
}
bool nl_op_is_reduction(NlOp op) {
  return op == NlOp::RmsnormReduce || op == NlOp::SoftmaxReduce || op == NlOp::Argmax;
}

uint16_t nl_exp_table(unsigned i) { return static_cast<uint16_t>(std::lround(32768.0 * std::exp2(-double(i) / 256.0))); }
uint16_t nl_recip_table(unsigned i) {
  return static_cast<uint16_t>(std::lround(65536.0 / (1.0 + (double(i) + 0.5) / 256.0)));
}
uint16_t nl_rsqrt_table(unsigned i) {
  const unsigned odd = i >> 7, j = i & 127;
  return static_cast<uint16_t>(std::lround(32768.0 / std::sqrt((1.0 + (double(j) + 0.5) / 128.0) * (odd ? 2.0 : 1.0))));
}

uint16_t nl_exp_neg(uint32_t z) {
  const uint64_t v = uint64_t{z & 0x1FFFF} * kNlLog2e;  // 33 bits, 23 fraction bits
  const uint64_t n = v >> 23, idx = (v >> 15) & 255;
  return n >= 16 ? 0 : static_cast<uint16_t>(nl_exp_table(static_cast<unsigned>(idx)) >> n);
}

unsigned nl_lead(uint64_t v) {
  unsigned p = 0;
  for (unsigned b = 0; b < 64; ++b)
    if ((v >> b) & 1) p = b;
  return p;
}

uint16_t nl_recip(uint64_t v, unsigned* p) {
  *p = nl_lead(v);
  // the 8 bits below the leading one (zeros shifted in below v's LSB)
  const unsigned idx = *p >= 8 ? static_cast<unsigned>((v >> (*p - 8)) & 255) : static_cast<unsigned>((v << (8 - *p)) & 255);
  return nl_recip_table(idx);
}

uint32_t nl_inv_n(uint32_t n) {
  if (n == 0) throw std::invalid_argument("nl_inv_n: n = 0");
  return static_cast<uint32_t>(((uint64_t{1} << 32) / n + 1) / 2);  // round(2^31 / n)
}

double nl_ref_exp_neg(uint32_t z) { return std::exp(-double(z) / 256.0); }

void nl_pass(NlOp op, unsigned p, const int16_t* a, const int16_t* b, uint32_t n, uint32_t inv_n, NlState& st,
             int16_t* y) {
  if (n > kNlMaxElems) throw std::invalid_argument("nl_pass: more than kNlMaxElems elements");
  if (p == 0 || (op == NlOp::Rope && p % 2)) throw std::invalid_argument("nl_pass: bad lane count");
  // start: the accumulators of the reductions restart
  st.sm_m = -32768;
  st.sm_s = 0;
  st.rms_acc = 0;
  st.am_max = -32768;
  st.am_idx = 0;
  for (uint32_t base = 0; base < n; base += p) {
    const unsigned cnt = static_cast<unsigned>(std::min<uint64_t>(p, n - base));
    const int16_t* x = a + base;
    switch (op) {
      case NlOp::RmsnormReduce:
        for (unsigned i = 0; i < cnt; ++i) st.rms_acc += static_cast<uint64_t>(int64_t{x[i]} * x[i]);
        st.rms_acc &= (uint64_t{1} << 56) - 1;
        break;
      case NlOp::SoftmaxReduce: {
        int16_t bm = -32768;
        for (unsigned i = 0; i < cnt; ++i) bm = std::max(bm, x[i]);
        const int16_t mn = std::max(st.sm_m, bm);
        uint64_t s = (st.sm_s * nl_exp_neg(exp_arg(mn, st.sm_m))) >> 15;
        for (unsigned i = 0; i < cnt; ++i) s += nl_exp_neg(exp_arg(mn, x[i]));
        st.sm_s = s & ((uint64_t{1} << 40) - 1);
        st.sm_m = mn;
        break;
      }
      case NlOp::Argmax: {
        int16_t bm = -32768;
        unsigned bi = 0;
        for (unsigned i = 0; i < cnt; ++i)
          if (x[i] > bm) bm = x[i], bi = i;  // the first maximum of the beat
        if (bm > st.am_max) st.am_max = bm, st.am_idx = base + bi;
        break;
      }
      case NlOp::RmsnormApply:
        for (unsigned i = 0; i < cnt; ++i) {
          const int64_t xg = int64_t{x[i]} * b[base + i];  // 32 bits
          y[base + i] = sat16((xg * st.rms_q) >> st.rms_shift);
        }
        break;
      case NlOp::SoftmaxApply:
        for (unsigned i = 0; i < cnt; ++i) {
          const uint64_t e = nl_exp_neg(exp_arg(st.fin_m, x[i]));
          y[base + i] = static_cast<int16_t>(static_cast<uint16_t>((e * st.fin_r) >> (st.fin_p + 1)));
        }
        break;
      case NlOp::Swiglu:
        for (unsigned i = 0; i < cnt; ++i) {
          const int32_t g = x[i];
          const uint32_t e = nl_exp_neg(static_cast<uint32_t>(g < 0 ? -g : g));  // exp(-|g|)
          unsigned pd = 0;
          const uint32_t r = nl_recip(32768u + e, &pd);  // 1/(1 + exp(-|g|)), pd in {15, 16}
          const uint32_t rd = r >> (pd - 15);             // U0.16
          const int64_t sig = g >= 0 ? rd : 65536 - rd;   // sigmoid(g), U0.16
          y[base + i] = sat16((int64_t{g} * sig * b[base + i]) >> 24);
        }
        break;
      case NlOp::Rope:
        for (unsigned i = 0; i < cnt; i += 2) {  // lanes past the end read as 0 (the RTL masks them)
          const bool pair = i + 1 < cnt;
          const int64_t x0 = x[i], x1 = pair ? x[i + 1] : 0;
          const int64_t c = b[base + i], s = pair ? b[base + i + 1] : 0;
          y[base + i] = sat16((x0 * c - x1 * s) >> kNlRopeFrac);
          if (pair) y[base + i + 1] = sat16((x0 * s + x1 * c) >> kNlRopeFrac);
        }
        break;
      case NlOp::Residual:
        for (unsigned i = 0; i < cnt; ++i) y[base + i] = sat16(int32_t{x[i]} + b[base + i]);
        break;
    }
  }
  if (n == 0) return;
  switch (op) {  // finalisation after the last beat
    case NlOp::RmsnormReduce: {
      const unsigned __int128 prod = static_cast<unsigned __int128>(st.rms_acc) * inv_n;  // 88 bits
      const uint64_t me = static_cast<uint64_t>(prod >> 31) + kNlRmsEps;                   // 57 bits, 16 fraction
      const unsigned pl = nl_lead(me);
      const unsigned j = pl >= 7 ? static_cast<unsigned>((me >> (pl - 7)) & 127) : static_cast<unsigned>((me << (7 - pl)) & 127);
      st.rms_q = nl_rsqrt_table((pl & 1) * 128 + j);
      st.rms_shift = static_cast<uint8_t>(19 + (pl >> 1));  // 27 + floor((pl - 16) / 2)
      st.res0 = st.rms_q;
      st.res1 = st.rms_shift;
      st.res2 = st.rms_acc;
      break;
    }
    case NlOp::SoftmaxReduce: {
      unsigned pl = 0;
      st.fin_r = nl_recip(st.sm_s, &pl);
      st.fin_p = static_cast<uint8_t>(pl);
      st.fin_m = st.sm_m;
      st.res0 = static_cast<uint16_t>(st.fin_m);
      st.res1 = (uint32_t{st.fin_p} << 16) | st.fin_r;
      st.res2 = st.sm_s;
      break;
    }
    case NlOp::Argmax:
      st.res0 = st.am_idx;
      st.res1 = static_cast<uint16_t>(st.am_max);
      st.res2 = 0;
      break;
    default:
      break;
  }
}

RouterOut router_token(const int16_t* x, const int16_t* w0, const int16_t* w1, uint32_t d) {
  RouterOut o;
  for (uint32_t i = 0; i < d; ++i) {
    o.logit0 += int64_t{x[i]} * w0[i];
    o.logit1 += int64_t{x[i]} * w1[i];
  }
  o.execute = o.logit1 > o.logit0;
  return o;
}

}  // namespace skipopu::dsp

// ---------------------------------------------------------------- accuracy study

namespace skipopu::dsp {

namespace {

int16_t q(double v, unsigned frac) {
  return static_cast<int16_t>(std::clamp<double>(std::floor(v * double(1u << frac) + 0.5), -32768, 32767));
}

struct Acc {
  double max_abs = 0, num = 0, den = 0;
  uint64_t n = 0;
  void add(double y, double ref, double lsb) {
    max_abs = std::max(max_abs, std::fabs(y - ref) / lsb);
    num += (y - ref) * (y - ref);
    den += ref * ref;
    ++n;
  }
  NlAccuracyRow row(const char* op, const char* inputs) const {
    NlAccuracyRow r;
    r.op = op;
    r.inputs = inputs;
    r.samples = n;
    r.max_abs_lsb = max_abs;
    r.rel_l2 = den > 0 ? std::sqrt(num / den) : 0;
    return r;
  }
};

}  // namespace

std::vector<NlAccuracyRow> nl_accuracy_study(uint64_t seed, unsigned vectors) {
  std::vector<NlAccuracyRow> rows;
  SplitMix64 rng(seed);
  const double X = 1.0 / 256;  // activation LSB
  {
    Acc a;
    for (uint32_t z = 0; z < (16u << 8); ++z) a.add(nl_exp_neg(z) / 32768.0, nl_ref_exp_neg(z), 1.0 / 32768);
    rows.push_back(a.row("exp(-z) table", "z in [0, 16) exhaustive"));
  }
  {
    Acc a;
    for (uint32_t v = 1u << 15; v < (1u << 16); ++v) {
      unsigned p = 0;
      const double r = nl_recip(v, &p) * std::ldexp(1.0, -16 - int(p));
      a.add(r * v, 1.0, 1.0 / 65536);  // relative error of 1/v in units of 2^-16
    }
    rows.push_back(a.row("reciprocal table", "v in [2^15, 2^16) exhaustive (error of v * 1/v)"));
  }
  NlState st;
  {
    Acc a;
    const uint32_t d = 4096;
    std::vector<int16_t> x(d), g(d), y(d);
    for (unsigned t = 0; t < vectors; ++t) {
      const double scale = t % 2 ? 0.5 : 4.0;
      for (uint32_t i = 0; i < d; ++i) x[i] = q(rng.normal() * scale, kNlXFrac), g[i] = q(1.0 + 0.2 * rng.normal(), kNlGammaFrac);
      nl_pass(NlOp::RmsnormReduce, 128, x.data(), nullptr, d, nl_inv_n(d), st, nullptr);
      nl_pass(NlOp::RmsnormApply, 128, x.data(), g.data(), d, 0, st, y.data());
      double ss = 0;
      for (uint32_t i = 0; i < d; ++i) ss += double(x[i]) * X * double(x[i]) * X;
      const double r = 1.0 / std::sqrt(ss / d + kNlRmsEps / 65536.0);
      for (uint32_t i = 0; i < d; ++i) a.add(y[i] * X, double(x[i]) * X * g[i] / 4096.0 * r, X);
    }
    rows.push_back(a.row("rmsnorm (reduce + apply)", "d 4096, x ~ N(0, 0.5^2) or N(0, 4^2), gamma ~ N(1, 0.2^2)"));
  }
  {
    Acc a;
    const uint32_t n = 1024;
    std::vector<int16_t> x(n), y(n);
    for (unsigned t = 0; t < vectors; ++t) {
      const double scale = t % 2 ? 1.0 : 8.0;
      for (auto& v : x) v = q(rng.normal() * scale, kNlXFrac);
      nl_pass(NlOp::SoftmaxReduce, 64, x.data(), nullptr, n, 0, st, nullptr);
      nl_pass(NlOp::SoftmaxApply, 64, x.data(), nullptr, n, 0, st, y.data());
      double m = -1e9, s = 0;
      for (auto v : x) m = std::max(m, v * X);
      for (auto v : x) s += std::exp(v * X - m);
      for (uint32_t i = 0; i < n; ++i)
        a.add(static_cast<uint16_t>(y[i]) / 32768.0, std::exp(x[i] * X - m) / s, 1.0 / 32768);
    }
    rows.push_back(a.row("softmax (online reduce + apply)", "n 1024, scores ~ N(0, 1) or N(0, 8^2)"));
  }
  {
    Acc a;
    const uint32_t n = 4096;
    std::vector<int16_t> gg(n), u(n), y(n);
    for (unsigned t = 0; t < vectors; ++t) {
      for (uint32_t i = 0; i < n; ++i) gg[i] = q(rng.normal() * 3, kNlXFrac), u[i] = q(rng.normal() * 3, kNlXFrac);
      nl_pass(NlOp::Swiglu, 128, gg.data(), u.data(), n, 0, st, y.data());
      for (uint32_t i = 0; i < n; ++i) {
        const double gv = gg[i] * X;
        const double ref = std::clamp(gv / (1 + std::exp(-gv)) * u[i] * X, -128.0, 32767 * X);
        a.add(y[i] * X, ref, X);
      }
    }
    rows.push_back(a.row("swiglu", "g, u ~ N(0, 3^2)"));
  }
  {
    Acc a;
    const uint32_t n = 4096;
    std::vector<int16_t> x(n), cs(n), y(n);
    for (unsigned t = 0; t < vectors; ++t) {
      for (uint32_t i = 0; i < n; i += 2) {
        const double th = rng.uniform() * 6.283185307179586;
        x[i] = q(rng.normal() * 3, kNlXFrac), x[i + 1] = q(rng.normal() * 3, kNlXFrac);
        cs[i] = q(std::cos(th), kNlRopeFrac), cs[i + 1] = q(std::sin(th), kNlRopeFrac);
      }
      nl_pass(NlOp::Rope, 128, x.data(), cs.data(), n, 0, st, y.data());
      const double R = 1.0 / (1u << kNlRopeFrac);
      for (uint32_t i = 0; i < n; i += 2) {
        const double c = cs[i] * R, s = cs[i + 1] * R, x0 = x[i] * X, x1 = x[i + 1] * X;
        a.add(y[i] * X, x0 * c - x1 * s, X);
        a.add(y[i + 1] * X, x0 * s + x1 * c, X);
      }
    }
    rows.push_back(a.row("rope", "x ~ N(0, 3^2), angle uniform (cos, sin quantised to 2^-14)"));
  }
  {
    Acc a;
    const uint32_t n = 4096;
    std::vector<int16_t> x(n), r(n), y(n);
    for (unsigned t = 0; t < vectors; ++t) {
      for (uint32_t i = 0; i < n; ++i) x[i] = q(rng.normal() * 8, kNlXFrac), r[i] = q(rng.normal() * 8, kNlXFrac);
      nl_pass(NlOp::Residual, 128, x.data(), r.data(), n, 0, st, y.data());
      for (uint32_t i = 0; i < n; ++i) a.add(y[i] * X, (x[i] + r[i]) * X, X);
    }
    rows.push_back(a.row("residual", "x, r ~ N(0, 8^2)"));
  }
  {
    NlAccuracyRow row{"argmax", "n 32000, logits ~ N(0, 4^2)", 0, 0, 0, 0};
    std::vector<int16_t> x(32000);
    for (unsigned t = 0; t < vectors; ++t) {
      for (auto& v : x) v = q(rng.normal() * 4, kNlXFrac);
      nl_pass(NlOp::Argmax, 128, x.data(), nullptr, 32000, 0, st, nullptr);
      size_t best = 0;
      for (size_t i = 1; i < x.size(); ++i)
        if (double(x[i]) * X > double(x[best]) * X) best = i;
      row.mismatches += st.res0 != best;
      ++row.samples;
    }
    rows.push_back(row);
  }
  {
    NlAccuracyRow row{"router (d -> 2, decision)", "d 4096, x ~ N(0, 1), w ~ N(0, 0.05^2)", 0, 0, 0, 0};
    const uint32_t d = 4096;
    std::vector<int16_t> x(d), w0(d), w1(d);
    double num = 0, den = 0;
    for (unsigned t = 0; t < vectors * 16; ++t) {
      for (uint32_t i = 0; i < d; ++i) x[i] = q(rng.normal(), 8), w0[i] = q(rng.normal() * 0.05, 12), w1[i] = q(rng.normal() * 0.05, 12);
      const RouterOut o = router_token(x.data(), w0.data(), w1.data(), d);
      double l0 = 0, l1 = 0;
      for (uint32_t i = 0; i < d; ++i) l0 += x[i] / 256.0 * (w0[i] / 4096.0), l1 += x[i] / 256.0 * (w1[i] / 4096.0);
      const double lsb = std::ldexp(1.0, -20);
      row.max_abs_lsb = std::max({row.max_abs_lsb, std::fabs(o.logit0 * lsb - l0) / lsb, std::fabs(o.logit1 * lsb - l1) / lsb});
      num += (o.logit0 * lsb - l0) * (o.logit0 * lsb - l0);
      den += l0 * l0;
      row.mismatches += o.execute != (l1 > l0);
      ++row.samples;
    }
    row.rel_l2 = den > 0 ? std::sqrt(num / den) : 0;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace skipopu::dsp

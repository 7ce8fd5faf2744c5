#include "skipopu/dsp/hybrid_mac.hpp"

#include <cmath>
#include <vector>

#include "skipopu/dsp/fp16.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/error.hpp"

namespace skipopu::dsp {

namespace {

unsigned ceil_log2(size_t v) {
  unsigned b = 0;
  while ((size_t{1} << b) < v) ++b;
  return b;
}

}  // namespace

unsigned hybrid_accumulator_bits(const HybridMacConfig& cfg, size_t group_size) {
  return 15 + cfg.guard_bits + ceil_log2(group_size);
}

void check_hybrid_layout(const PackingLayout& l) {
  const std::string what = "layout \"" + l.name +
                           "\" is not an FP16-mantissa x INT4 layout (expected every lane to multiply one shared "
                           "unsigned 11-bit operand on B by its own signed 4-bit operand, drop 0)";
  unsigned y = l.lane.at(0).y;
  for (const auto& ln : l.lane) {
    const auto& X = l.operands[ln.x];
    const auto& Y = l.operands[ln.y];
    if (ln.y != y || Y.bits != 11 || Y.is_signed || X.bits != 4 || !X.is_signed || ln.drop != 0 || ln.sign != 1)
      throw_input_error(l.file, "/lanes", what);
  }
  for (size_t i = 0; i < l.lane.size(); ++i)
    for (size_t j = i + 1; j < l.lane.size(); ++j)
      if (l.lane[i].x == l.lane[j].x) throw_input_error(l.file, "/lanes", what);
}

void hybrid_matvec(const uint16_t* act, const int8_t* w4, const float* scales, size_t rows, size_t n,
                   size_t group_size, const PackingLayout& l, const HybridMacConfig& cfg, float* out) {
  check_hybrid_layout(l);
  if (group_size == 0) throw InputError("hybrid_matvec: group_size: expected at least 1, got 0");
  if (cfg.guard_bits > 24) throw InputError("hybrid_matvec: guard_bits: expected at most 24");
  if (hybrid_accumulator_bits(cfg, group_size) > 62)
    throw InputError("hybrid_matvec: group_size: accumulator would exceed 62 bits");
  for (size_t k = 0; k < rows * n; ++k)
    if (w4[k] < -8 || w4[k] > 7)
      throw InputError("hybrid_matvec: w4[" + std::to_string(k) + "]: expected a 4-bit value in [-8, 7], got " +
                       std::to_string(w4[k]));
  const size_t groups = (n + group_size - 1) / group_size;
  const unsigned L = l.lanes;
  bool bad = false;
  for (size_t i = 0; i < n; ++i) bad |= !fp16_split(act[i]).finite;
  for (size_t r = 0; r < rows; ++r) out[r] = bad ? NAN : 0.0f;
  if (bad) return;

  int64_t acc[kMaxLanes];
  for (size_t r0 = 0; r0 < rows; r0 += L) {
    for (size_t g = 0; g < groups; ++g) {
      const size_t c0 = g * group_size, c1 = std::min(n, c0 + group_size);
      const int E = hybrid_group_accumulate(act + c0, c1 - c0, w4 + r0 * n + c0, n, std::min<size_t>(L, rows - r0), l,
                                            cfg, acc);
      for (unsigned j = 0; j < L && r0 + j < rows; ++j)
        out[r0 + j] += hybrid_group_partial(acc[j], E, cfg) * scales[(r0 + j) * groups + g];
    }
  }
  if (cfg.result == HybridResult::Fp16)
    for (size_t r = 0; r < rows; ++r) out[r] = fp16_to_float(fp16_from_float(out[r]));
}

int hybrid_group_accumulate(const uint16_t* act, size_t count, const int8_t* w4, size_t w_stride,
                            size_t rows_valid, const PackingLayout& l, const HybridMacConfig& cfg, int64_t* acc) {
  const unsigned L = l.lanes;
  const unsigned mop = l.lane[0].y;
  int E = -24 - 10;  // smallest exponent of a mantissa LSB (subnormal range)
  for (size_t i = 0; i < count; ++i) E = std::max(E, fp16_split(act[i]).exponent);
  for (unsigned j = 0; j < L; ++j) acc[j] = 0;
  OperandValues v{};
  LaneValues prod{};
  for (size_t i = 0; i < count; ++i) {
    const Fp16Parts p = fp16_split(act[i]);
    v[mop] = p.mantissa;
    for (unsigned j = 0; j < L; ++j) v[l.lane[j].x] = j < rows_valid ? w4[j * w_stride + i] : 0;
    evaluate(l, v, true, prod);
    const unsigned sh = static_cast<unsigned>(E - p.exponent);
    for (unsigned j = 0; j < L; ++j) {
      const int64_t s = (p.negative ? -prod[j] : prod[j]) * (int64_t{1} << cfg.guard_bits);
      acc[j] += sh >= 63 ? (s < 0 ? -1 : 0) : (s >> sh);
    }
  }
  return E;
}

float hybrid_group_partial(int64_t acc, int exponent, const HybridMacConfig& cfg) {
  return std::ldexp(static_cast<float>(acc), exponent - static_cast<int>(cfg.guard_bits));
}

double hybrid_dot(const uint16_t* fp16_act, const int8_t* w4, size_t n, float group_scale, const PackingLayout& l,
                  const HybridMacConfig& cfg) {
  float out = 0;
  hybrid_matvec(fp16_act, w4, &group_scale, 1, n, n == 0 ? 1 : n, l, cfg, &out);
  return out;
}

HybridErrorStudy hybrid_error_study(const PackingLayout& l, const std::string& distribution, size_t rows, size_t n,
                                    size_t group_size, uint64_t seed, const HybridMacConfig& cfg) {
  if (distribution != "gaussian_outliers" && distribution != "uniform")
    throw InputError("hybrid study: distribution: expected \"gaussian_outliers\" or \"uniform\", got \"" +
                     distribution + "\"");
  SplitMix64 rng(seed);
  const size_t groups = (n + group_size - 1) / group_size;
  std::vector<uint16_t> act(n);
  std::vector<int8_t> w(rows * n);
  std::vector<float> sc(rows * groups);
  const size_t outliers = std::max<size_t>(1, n / 100);
  std::vector<double> chan_scale(n, 1.0);
  if (distribution == "gaussian_outliers")
    for (size_t k = 0; k < outliers; ++k) chan_scale[rng.next() % n] = 40.0;
  for (size_t i = 0; i < n; ++i) {
    const double x = distribution == "uniform" ? 2.0 * rng.uniform() - 1.0 : rng.normal() * chan_scale[i];
    act[i] = fp16_from_double(x);
  }
  for (auto& x : w) x = static_cast<int8_t>(static_cast<int>(rng.next() >> 60) - 8);
  for (auto& s : sc) s = static_cast<float>(0.02 * (0.5 + rng.uniform()));

  std::vector<float> hy(rows);
  hybrid_matvec(act.data(), w.data(), sc.data(), rows, n, group_size, l, cfg, hy.data());
  HybridErrorStudy st;
  st.layout = l.name;
  st.distribution = distribution;
  st.rows = rows;
  st.n = n;
  st.group_size = group_size;
  double ref2 = 0, eh2 = 0, ef2 = 0, mh = 0, mf = 0;
  std::vector<double> ref(rows), f32(rows);
  for (size_t r = 0; r < rows; ++r) {
    double d = 0;
    float f = 0;
    for (size_t g = 0; g < groups; ++g) {
      const size_t c0 = g * group_size, c1 = std::min(n, c0 + group_size);
      double dg = 0;
      for (size_t i = c0; i < c1; ++i) {
        const double a = fp16_to_double(act[i]);
        dg += a * w[r * n + i];
        f += static_cast<float>(a) * (static_cast<float>(w[r * n + i]) * sc[r * groups + g]);
      }
      d += dg * static_cast<double>(sc[r * groups + g]);
    }
    ref[r] = d;
    f32[r] = f;
    ref2 += d * d;
    eh2 += (hy[r] - d) * (hy[r] - d);
    ef2 += (f - d) * (f - d);
  }
  const double rms = std::sqrt(ref2 / static_cast<double>(rows));
  for (size_t r = 0; r < rows; ++r) {
    mh = std::max(mh, std::fabs(hy[r] - ref[r]) / rms);
    mf = std::max(mf, std::fabs(f32[r] - ref[r]) / rms);
  }
  st.hybrid_rel_l2 = std::sqrt(eh2 / ref2);
  st.fp32_rel_l2 = std::sqrt(ef2 / ref2);
  st.hybrid_max_rel = mh;
  st.fp32_max_rel = mf;
  return st;
}

}  // namespace skipopu::dsp

// Float-fixed hybrid MAC of the SkipOPU PE array: FP16 activations x signed 4-bit weights
// with one FP32 scale per (row, group of columns), bit-accurate.
//
// Datapath per group of columns (block floating point):
//   1. each activation splits into sign, exponent e_i and 11-bit mantissa m_i (fp16_split);
//   2. the packed DSP computes m_i * w[r][i] for `lanes` rows at once (the layout's lanes,
//      see packing.hpp; all lanes share the mantissa on B), corrected extraction;
//   3. shared exponent E = max e_i over the group; each signed product is shifted left by
//      `guard_bits` and arithmetically right by (E - e_i) (truncation toward -inf) and
//      added into a fixed-point accumulator of 15 + guard_bits + ceil(log2(group)) bits;
//   4. one conversion back per group: the integer accumulator -> FP32 (round to nearest
//      even), times 2^(E - guard_bits) and the FP32 group scale, added into an FP32 row sum.
// The result is that FP32 sum, or it rounded once more to FP16 (round to nearest even).
// A NaN or Inf activation makes every output NaN. Abstracted away: pipelining, and the
// cycle at which each group's conversion happens (the SystemC PE array owns timing).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "skipopu/dsp/packing.hpp"

namespace skipopu::dsp {

enum class HybridResult : uint8_t { Fp32, Fp16 };

struct HybridMacConfig {
  unsigned guard_bits = 8;  // fraction bits kept below the product LSB at the shared exponent
  HybridResult result = HybridResult::Fp32;
};

// Accumulator width in bits for a group size (15-bit signed products).
unsigned hybrid_accumulator_bits(const HybridMacConfig& cfg, size_t group_size);

// Throws InputError unless every lane of `l` multiplies one shared unsigned 11-bit operand
// (the mantissa, on B) by its own signed 4-bit operand (a weight) with drop 0.
void check_hybrid_layout(const PackingLayout& l);

// out[r] = sum_g scales[r * groups + g] * sum_{i in g} act[i] * w4[r * n + i], rows in
// blocks of l.lanes (one DSP evaluation per column per block). groups = ceil(n / group_size).
// w4 values must be in [-8, 7] (InputError otherwise).
void hybrid_matvec(const uint16_t* act, const int8_t* w4, const float* scales, size_t rows, size_t n,
                   size_t group_size, const PackingLayout& l, const HybridMacConfig& cfg, float* out);

// Steps 1-3 for one group of `count` columns and one block of rows (lane j = row j of the
// block; `rows_valid` <= l.lanes rows present, w4[j * w_stride + i] their weights): fills
// acc[0..l.lanes) with the fixed-point accumulators and returns the shared exponent E (of a
// mantissa LSB). Inputs must be finite and already validated (hybrid_matvec does both);
// the generated RTL PE array is checked against this function (docs/rtl.md).
int hybrid_group_accumulate(const uint16_t* act, size_t count, const int8_t* w4, size_t w_stride,
                            size_t rows_valid, const PackingLayout& l, const HybridMacConfig& cfg, int64_t* acc);
// Step 4's conversion: the group's partial sum acc * 2^(E - guard_bits) as FP32 (round to
// nearest even), before the group scale.
float hybrid_group_partial(int64_t acc, int exponent, const HybridMacConfig& cfg);

// One row, one group covering all n columns: the dot product the PE array checks against.
double hybrid_dot(const uint16_t* fp16_act, const int8_t* w4, size_t n, float group_scale,
                  const PackingLayout& l, const HybridMacConfig& cfg = {});

// Accuracy study on synthetic data (seeded): relative L2 error of the hybrid datapath and of
// a plain sequential FP32 MAC against a double reference that uses the same FP16 activations
// and the same int4 weights and scales.
struct HybridErrorStudy {
  std::string layout, distribution;
  size_t rows = 0, n = 0, group_size = 0;
  double hybrid_rel_l2 = 0, fp32_rel_l2 = 0;          // ||y - ref|| / ||ref||
  double hybrid_max_rel = 0, fp32_max_rel = 0;        // max_r |y_r - ref_r| / rms(ref)
};
// distribution: "gaussian_outliers" (N(0,1), 1% of channels x40) or "uniform" (U(-1,1)).
HybridErrorStudy hybrid_error_study(const PackingLayout& l, const std::string& distribution, size_t rows, size_t n,
                                    size_t group_size, uint64_t seed, const HybridMacConfig& cfg);

}  // namespace skipopu::dsp

// Bit-accurate fixed-point model of the nonlinear unit and the router datapath: the
// arithmetic the generated RTL (skipopu gen-rtl: skipopu_nonlinear.v, skipopu_router.v)
// implements, written once in C++ so that co-simulation can compare bit for bit, and
// compared against double precision by `skipopu nl-error` (docs/rtl.md, "Nonlinear units").
//
// Models: the operations of the nonlinear unit on a stream of beats of P lanes (P = the
// operation's nonlinear.<op>.elems_per_cycle), each reduction done incrementally while its
// input streams:
//   rmsnorm_reduce  sum of squares per beat into a 56-bit accumulator; at the end
//                   r = rsqrt(sum * inv_n + eps) from a 256-entry table (normalised mantissa,
//                   exponent parity) -> state (rms_q, rms_shift)
//   rmsnorm_apply   y = x * gamma * r
//   softmax_reduce  online softmax: per beat m' = max(m, max of the beat),
//                   s' = s * exp(m - m') + sum exp(x - m')  (the running max and sum of
//                   flash attention); at the end 1/s from a 256-entry reciprocal table
//   softmax_apply   y = exp(x - m) / s
//   swiglu          y = g * sigmoid(g) * u, sigmoid from the exp and reciprocal tables
//   rope            (x0, x1) rotated by (cos, sin) per lane pair
//   residual        y = x + r
//   argmax          index of the first maximum (running max and index)
// Formats (fixed point, two's complement; FX<F> = value * 2^F as an integer):
//   activations, scores, SwiGLU inputs, outputs: int16 with 8 fraction bits (range +-128)
//   RMSNorm gamma: int16 with 12 fraction bits; RoPE cos/sin: int16 with 14 fraction bits
//   softmax_apply output: uint16 probability with 15 fraction bits (1.0 = 32768)
//   exp: 2^-(z*log2 e) = table[8-bit fraction] >> integer part (table U1.15, truncation)
// Every rounding is a truncation (floor) and every int16 output saturates.
// Abstracts away: FP16 I/O (the unit's ports are fixed point; conversion happens outside),
// the pipelining (the RTL's cycle count is timing::stream_cycles, checked by co-simulation).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace skipopu::dsp {

enum class NlOp : uint8_t {
  RmsnormReduce = 0,
  RmsnormApply = 1,
  SoftmaxReduce = 2,
  SoftmaxApply = 3,
  Swiglu = 4,
  Rope = 5,
  Residual = 6,
  Argmax = 7,
};
constexpr unsigned kNlOps = 8;
const char* nl_op_name(NlOp op);  // "rmsnorm_reduce", ... (the config keys of "nonlinear")
bool nl_op_is_reduction(NlOp op);

constexpr unsigned kNlXFrac = 8;       // activations
constexpr unsigned kNlGammaFrac = 12;  // RMSNorm gamma
constexpr unsigned kNlRopeFrac = 14;   // RoPE cos / sin
constexpr unsigned kNlProbFrac = 15;   // softmax output, exp
constexpr uint32_t kNlLog2e = 47274;   // round(log2(e) * 2^15)
constexpr uint32_t kNlRmsEps = 1;      // eps in 16 fraction bits (1.5e-5)
constexpr uint32_t kNlMaxElems = (1u << 24) - 1;  // per pass (accumulator widths)

// The tables (index 0..255), as the RTL's ROMs hold them.
uint16_t nl_exp_table(unsigned i);    // round(2^15 * 2^(-i/256))
uint16_t nl_recip_table(unsigned i);  // round(2^16 / (1 + (i + 0.5)/256))
uint16_t nl_rsqrt_table(unsigned i);  // i = odd*128 + j: round(2^15 / sqrt((1 + (j + 0.5)/128) * 2^odd))

// exp(-z / 2^8) for z >= 0 (17 bits), U1.15.
uint16_t nl_exp_neg(uint32_t z);
// Position of the leading one of v > 0.
unsigned nl_lead(uint64_t v);
// 1/v ~= R * 2^-(16 + p), p = nl_lead(v): returns R (16 bits); p through *p.
uint16_t nl_recip(uint64_t v, unsigned* p);
// 1/n in U1.31: round(2^31 / n) (the constant the compiler gives an RMSNorm pass).
uint32_t nl_inv_n(uint32_t n);

// State the unit keeps between passes (a reduction's result feeds the apply pass).
struct NlState {
  // softmax: running max and sum while a reduce pass streams; its final max and reciprocal
  int16_t sm_m = 0;
  uint64_t sm_s = 0;
  int16_t fin_m = 0;
  uint16_t fin_r = 0;
  uint8_t fin_p = 0;
  // RMSNorm: sum of squares while streaming; rsqrt mantissa and shift after
  uint64_t rms_acc = 0;
  uint16_t rms_q = 0;
  uint8_t rms_shift = 0;
  // argmax
  int16_t am_max = 0;
  uint32_t am_idx = 0;
  // the result ports after a reduction (res0, res1, res2; see nl_pass)
  uint32_t res0 = 0, res1 = 0;
  uint64_t res2 = 0;
};

// One pass of `op` over n elements (n <= kNlMaxElems) in beats of p lanes, exactly as the RTL
// computes it. a: the operand stream; b: gamma (rmsnorm_apply), up (swiglu), cos/sin
// interleaved (rope: b[2k] = cos, b[2k+1] = sin for the pair a[2k], a[2k+1]; p even),
// the residual; unused otherwise (may be null). y: n outputs for element-wise operations
// (int16; softmax_apply writes the uint16 probability bits). Reductions update `st`:
//   rmsnorm_reduce: res0 = rms_q, res1 = rms_shift, res2 = the sum of squares
//   softmax_reduce: res0 = (uint16) fin_m, res1 = fin_p << 16 | fin_r, res2 = the sum
//   argmax:         res0 = index, res1 = (uint16) max, res2 = 0
// A reduction over n = 0 elements leaves the state as it was.
void nl_pass(NlOp op, unsigned p, const int16_t* a, const int16_t* b, uint32_t n, uint32_t inv_n, NlState& st,
             int16_t* y);

// Double-precision references (inputs as the fixed-point values they encode).
double nl_ref_exp_neg(uint32_t z);

// Accuracy of the fixed-point arithmetic against double precision (skipopu nl-error): the
// references take the same quantised inputs, so the figures are the arithmetic's own error
// (tables, truncations, saturation), not the input quantisation. Deterministic per seed.
struct NlAccuracyRow {
  std::string op, inputs;
  uint64_t samples = 0;
  double max_abs_lsb = 0;  // max |y - ref| in units of the output's LSB
  double rel_l2 = 0;       // ||y - ref|| / ||ref||
  uint64_t mismatches = 0; // argmax / router decisions that differ from double
};
std::vector<NlAccuracyRow> nl_accuracy_study(uint64_t seed, unsigned vectors);

// ---------------------------------------------------------------- router
// d -> 2 dot product: x (int16, 8 fraction bits) with two weight vectors (int16, 12 fraction
// bits; router.weight_bits = 16), each summed exactly in a 48-bit accumulator over beats of
// `lanes`; decision = logit1 > logit0 (module executes). Exact: no rounding at all.
struct RouterOut {
  int64_t logit0 = 0, logit1 = 0;  // 20 fraction bits
  bool execute = false;
};
RouterOut router_token(const int16_t* x, const int16_t* w0, const int16_t* w1, uint32_t d);

}  // namespace skipopu::dsp

// Bit-accurate functional model of one AMD UltraScale+ DSP48E2 slice (UG579).
//
// Models: A (30 bit, A[26:0] into the pre-adder/multiplier), B (18), C (48), D (27);
// the 27-bit pre-adder AD = D +/- A (two's-complement wrap at 27 bits, D or A may be
// gated to zero); the signed 27x18 multiplier (45-bit product, sign-extended to 48);
// the 48-bit ALU  P = Z + W + X + Y + CARRYIN  (ALUMODE 0000) or  Z - (W + X + Y + CARRYIN)
// (ALUMODE 0011), wrapping at 48 bits, where X+Y is the multiplier output, W is 0/P/RND/C
// and Z is 0/P/C/PCIN; the P feedback register for accumulation.
// Abstracts away: pipeline registers (one call = one result; the pipeline latency is the
// constant kDsp48e2Latency), the logic unit (ALUMODE with XOR/AND), pattern detector,
// SIMD (TWO24/FOUR12) modes, the A:B concatenation path, the wide XOR and cascade timing.
// Plain C++, allocation-free; every value is carried in an int64_t holding the port's
// bits sign-extended (inputs are truncated to the port width first, like wires).
#pragma once
#include <cstdint>

namespace skipopu::dsp {

constexpr unsigned kDsp48e2Latency = 4;  // AREG/DREG -> ADREG -> MREG -> PREG, all used

// Sign-extends the low `bits` bits of v (1 <= bits <= 63).
constexpr int64_t sext(int64_t v, unsigned bits) {
  const uint64_t m = (uint64_t{1} << bits) - 1;
  const uint64_t u = static_cast<uint64_t>(v) & m;
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}
// The low `bits` bits of v as an unsigned number.
constexpr uint64_t zext(int64_t v, unsigned bits) {
  return static_cast<uint64_t>(v) & ((uint64_t{1} << bits) - 1);
}

enum class WMux : uint8_t { Zero, P, Rnd, C };
enum class ZMux : uint8_t { Zero, P, C, Pcin };
enum class AluMode : uint8_t { Add, SubFromZ };  // 0000: Z+W+X+Y+CIN; 0011: Z-(W+X+Y+CIN)

// Static configuration (attributes + INMODE/OPMODE/ALUMODE held constant).
struct Dsp48e2Config {
  bool use_d = true;         // INMODE[2]: D enters the pre-adder
  bool use_a = true;         // INMODE[1]=0: A enters the pre-adder
  bool preadd_sub = false;   // INMODE[3]: AD = D - A instead of D + A
  WMux w = WMux::C;
  ZMux z = ZMux::Zero;
  AluMode alu = AluMode::Add;
  int64_t rnd = 0;           // RND attribute (48 bit), selected by WMux::Rnd
};

struct Dsp48e2Inputs {
  int64_t a = 0, b = 0, c = 0, d = 0;
  unsigned carry_in = 0;  // CARRYIN, 0 or 1
  int64_t pcin = 0;
};

class Dsp48e2 {
 public:
  // Pre-adder output (27 bit, signed).
  static int64_t preadd(const Dsp48e2Config& cfg, int64_t a, int64_t d) {
    const int64_t a27 = cfg.use_a ? sext(a, 27) : 0;  // A[26:0] of the 30-bit port
    const int64_t d27 = cfg.use_d ? sext(d, 27) : 0;
    return sext(cfg.preadd_sub ? d27 - a27 : d27 + a27, 27);
  }
  // Multiplier output (45-bit signed product, exact in int64).
  static int64_t multiply(int64_t ad27, int64_t b) { return ad27 * sext(b, 18); }

  // One clock edge with all pipeline stages collapsed: returns and registers the new P.
  int64_t clock(const Dsp48e2Config& cfg, const Dsp48e2Inputs& in) {
    const int64_t m = multiply(preadd(cfg, in.a, in.d), in.b);
    const int64_t c = sext(in.c, 48);
    int64_t w = 0;
    switch (cfg.w) {
      case WMux::Zero: w = 0; break;
      case WMux::P: w = p_; break;
      case WMux::Rnd: w = sext(cfg.rnd, 48); break;
      case WMux::C: w = c; break;
    }
    int64_t z = 0;
    switch (cfg.z) {
      case ZMux::Zero: z = 0; break;
      case ZMux::P: z = p_; break;
      case ZMux::C: z = c; break;
      case ZMux::Pcin: z = sext(in.pcin, 48); break;
    }
    // Sums in uint64 so that the 48-bit wrap is well defined.
    const uint64_t xyw = static_cast<uint64_t>(m) + static_cast<uint64_t>(w) + (in.carry_in & 1u);
    const uint64_t r = cfg.alu == AluMode::Add ? static_cast<uint64_t>(z) + xyw
                                               : static_cast<uint64_t>(z) - xyw;
    p_ = sext(static_cast<int64_t>(r), 48);
    return p_;
  }

  int64_t p() const { return p_; }  // sign-extended 48-bit P register
  void reset(int64_t p = 0) { p_ = sext(p, 48); }

 private:
  int64_t p_ = 0;
};

}  // namespace skipopu::dsp

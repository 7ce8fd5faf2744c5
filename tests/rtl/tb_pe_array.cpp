// Co-simulation of the generated PE array (skipopu_pe_array.v, verilated with --sc) inside a
// SystemC testbench, against the C++ bit-accurate hybrid MAC (dsp::hybrid_group_accumulate +
// hybrid_group_partial) and the cycle formula timing::gemm_cycles + pipeline latency.
//
// usage: tb_pe_array SEED CASES   (CASES random tile sequences after the directed ones)
// Prints one line per sequence; exit 0 only if every output word and every start..done
// count matched. The shape comes from the generated skipopu_rtl_params.h.
#include <systemc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "Vdut.h"
#include "skipopu/dsp/fp16.hpp"
#include "skipopu/dsp/hybrid_mac.hpp"
#include "skipopu/dsp/packing.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/timing.hpp"
#include "skipopu_rtl_params.h"

namespace {

constexpr unsigned R = SKIPOPU_RTL_ROWS, C = SKIPOPU_RTL_COLS, L = SKIPOPU_RTL_LANES;
static_assert(C * 16 > 64 && R * 32 > 64, "the testbench drives the wide ports as sc_bv (shape too small)");

struct Sequence {
  const char* name;
  unsigned tiles, tokens;
  std::vector<std::vector<int8_t>> w;      // per tile: R x C, row-major
  std::vector<std::vector<uint16_t>> act;  // per beat (tile-major): C activations
  std::vector<unsigned> stall_before;      // per beat: cycles with in_valid low before it
};

uint16_t random_fp16(skipopu::SplitMix64& rng, unsigned mode) {
  const uint16_t sign = static_cast<uint16_t>((rng.next() >> 63) << 15);
  const uint16_t frac = static_cast<uint16_t>(rng.next() >> 54);
  unsigned e;
  switch (mode) {
    case 0: e = static_cast<unsigned>(rng.next() % 31); break;          // every finite exponent (0: subnormal)
    case 1: e = 12 + static_cast<unsigned>(rng.next() % 6); break;      // activations near 1
    default: e = (rng.next() & 7) == 0 ? 0 : 29 + (rng.next() & 1);    // huge and subnormal together
  }
  return static_cast<uint16_t>(sign | (e << 10) | frac);
}

Sequence random_sequence(const char* name, skipopu::SplitMix64& rng, unsigned tiles, unsigned tokens, unsigned mode,
                         bool stalls) {
  Sequence s{name, tiles, tokens, {}, {}, {}};
  for (unsigned t = 0; t < tiles; ++t) {
    std::vector<int8_t> w(R * C);
    for (auto& x : w) x = static_cast<int8_t>(static_cast<int>(rng.next() >> 60) - 8);
    s.w.push_back(w);
    for (unsigned k = 0; k < tokens; ++k) {
      std::vector<uint16_t> a(C);
      for (auto& x : a) x = random_fp16(rng, mode);
      s.act.push_back(a);
      s.stall_before.push_back(stalls ? static_cast<unsigned>(rng.next() % 3) : 0);
    }
  }
  return s;
}

// Expected FP32 bits of row r for one beat.
void expected(const Sequence& s, unsigned beat, const skipopu::dsp::PackingLayout& l, uint32_t* out) {
  const auto& a = s.act[beat];
  const auto& w = s.w[beat / s.tokens];
  bool nonfinite = false;
  for (uint16_t x : a) nonfinite |= !skipopu::dsp::fp16_split(x).finite;
  skipopu::dsp::HybridMacConfig cfg;
  cfg.guard_bits = SKIPOPU_RTL_GUARD_BITS;
  for (unsigned r0 = 0; r0 < R; r0 += L) {
    int64_t acc[skipopu::dsp::kMaxLanes];
    const int E = nonfinite ? 0 : skipopu::dsp::hybrid_group_accumulate(a.data(), C, &w[r0 * C], C, L, l, cfg, acc);
    for (unsigned j = 0; j < L; ++j) {
      const float f = nonfinite ? NAN : skipopu::dsp::hybrid_group_partial(acc[j], E, cfg);
      std::memcpy(&out[r0 + j], &f, 4);
    }
  }
}

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tb_pe_array SEED CASES\n");
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const unsigned cases = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));
  const auto& layout = skipopu::dsp::builtin_layout(SKIPOPU_RTL_LAYOUT);

  sc_clock clk("clk", 10, SC_NS, 0.5, 5, SC_NS, true);  // rising edges at 5, 15, 25, ... ns
  sc_signal<bool> rst, start, in_ready, in_valid, out_valid, done;
  sc_signal<uint32_t> n_tiles, n_tokens;
  sc_signal<sc_bv<C * 16>> in_act;
  sc_signal<sc_bv<R * C * 4>> in_w;
  sc_signal<sc_bv<R * 32>> out_data;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.start(start);
  dut.n_tiles(n_tiles);
  dut.n_tokens(n_tokens);
  dut.in_ready(in_ready);
  dut.in_valid(in_valid);
  dut.in_act(in_act);
  dut.in_w(in_w);
  dut.out_valid(out_valid);
  dut.out_data(out_data);
  dut.done(done);

  uint64_t cycle = 0;
  auto step = [&] {  // one rising edge
    sc_start(10, SC_NS);
    ++cycle;
  };
  rst = true;
  step();
  step();
  rst = false;
  step();

  skipopu::SplitMix64 rng(seed);
  std::vector<Sequence> seqs;
  {
    // Directed: extremes of the accumulator (all weights -8, all activations +-65504),
    // zeros, a NaN in the second token, exponents far apart (shifts beyond the product).
    Sequence s{"directed-extremes", 2, 3, {}, {}, {}};
    s.w.push_back(std::vector<int8_t>(R * C, -8));
    s.w.push_back(std::vector<int8_t>(R * C, 7));
    const std::vector<uint16_t> big(C, 0x7BFF), nbig(C, 0xFBFF), zero(C, 0x0000);
    std::vector<uint16_t> nan(C, 0x3C00), far(C, 0x0001);
    nan[C / 2] = 0x7E00;
    far[0] = 0x7BFF;
    for (const std::vector<uint16_t>* a : std::initializer_list<const std::vector<uint16_t>*>{&big, &nan, &zero, &nbig, &far, &big}) s.act.push_back(*a);
    s.stall_before.assign(6, 0);
    seqs.push_back(s);
  }
  seqs.push_back(random_sequence("random-1x1", rng, 1, 1, 0, false));
  for (unsigned k = 0; k < cases; ++k) {
    const unsigned tiles = 1 + static_cast<unsigned>(rng.next() % 4), tokens = 1 + static_cast<unsigned>(rng.next() % 5);
    seqs.push_back(random_sequence(k % 3 == 2 ? "random-stalls" : "random", rng, tiles, tokens, k % 3, k % 3 == 2));
  }

  int failures = 0;
  std::vector<uint32_t> want(R);
  for (const auto& s : seqs) {
    const unsigned beats = s.tiles * s.tokens;
    n_tiles = s.tiles;
    n_tokens = s.tokens;
    start = true;
    in_valid = false;
    step();
    const uint64_t t0 = cycle;
    start = false;
    unsigned beat = 0, stalled = 0, got = 0, stalls = 0, bad = 0;
    uint64_t t_done = 0;
    for (unsigned guard = 0; guard < 10 * beats + 1000 && !t_done; ++guard) {
      bool offer = false;
      if (beat < beats && in_ready.read()) {
        if (stalled < s.stall_before[beat]) {
          ++stalled;
          ++stalls;
        } else {
          offer = true;
          sc_bv<C * 16> a;
          for (unsigned c = 0; c < C; ++c) a.range(c * 16 + 15, c * 16) = s.act[beat][c];
          in_act = a;
          if (beat % s.tokens == 0) {
            sc_bv<R * C * 4> w;
            for (unsigned i = 0; i < R * C; ++i) w.range(i * 4 + 3, i * 4) = static_cast<unsigned>(s.w[beat / s.tokens][i] & 15);
            in_w = w;
          }
        }
      }
      in_valid = offer;
      step();
      if (offer) {
        ++beat;
        stalled = 0;
      }
      if (out_valid.read()) {
        expected(s, got, layout, want.data());
        const sc_bv<R * 32> o = out_data.read();
        for (unsigned r = 0; r < R; ++r) {
          const uint32_t bits = o.range(r * 32 + 31, r * 32).to_uint();
          if (bits != want[r] && bad++ < 5)
            std::printf("  MISMATCH %s beat %u row %u: rtl %08x, C++ %08x\n", s.name, got, r, bits, want[r]);
        }
        ++got;
      }
      if (done.read()) t_done = cycle;
    }
    in_valid = false;
    const uint64_t formula =
        skipopu::timing::gemm_cycles({R, C}, s.tokens, uint64_t{C} * s.tiles, R) + SKIPOPU_RTL_LATENCY + stalls;
    const uint64_t measured = t_done ? t_done - t0 : 0;
    const bool ok = bad == 0 && got == beats && measured == formula;
    std::printf("%-18s tiles %u tokens %2u stalls %2u: %u/%u results %s, start..done %llu cycles, formula %llu: %s\n",
                s.name, s.tiles, s.tokens, stalls, got, beats, bad ? "DIFFER" : "bit-identical",
                static_cast<unsigned long long>(measured), static_cast<unsigned long long>(formula),
                ok ? "ok" : "FAIL");
    failures += !ok;
    for (int k = 0; k < 3; ++k) step();
  }
  std::printf("%s: %zu sequences, %d failed\n", failures ? "FAIL" : "PASS", seqs.size(), failures);
  return failures ? 1 : 0;
}

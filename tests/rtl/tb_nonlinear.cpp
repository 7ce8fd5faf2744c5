// Co-simulation of the generated nonlinear unit (skipopu_nonlinear.v, verilated with --sc)
// inside a SystemC testbench, against the C++ bit-accurate model (dsp::nl_pass) and the
// SystemC nonlinear unit's cycle formula (timing::stream_cycles, nonlinear_unit.hpp).
//
// usage: tb_nonlinear SEED CASES   (CASES random passes after the directed ones)
// One DUT and one C++ state run the whole sequence of passes (a reduction's result feeds
// the next apply pass). Each pass: every valid output lane bit-identical, res0/res1
// identical after it, and edges from start to done = stream_cycles(n, lanes, latency) +
// stall cycles. Lanes past an operation's width or past the end carry random garbage
// (the RTL must mask them). Exit 0 only if every pass matched.
#include <systemc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "Vdut.h"
#include "skipopu/dsp/nonlinear_fx.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/timing.hpp"
#include "skipopu_rtl_params.h"

namespace {

using skipopu::dsp::NlOp;
constexpr unsigned W = SKIPOPU_NL_WIDTH;
static_assert(W * 16 > 64, "the testbench drives the wide ports as sc_bv (width too small)");
constexpr unsigned kLanes[8] = SKIPOPU_NL_LANES;
constexpr unsigned kLatency[8] = SKIPOPU_NL_LATENCY;

struct Pass {
  const char* name;
  NlOp op;
  std::vector<int16_t> a, b;
  std::vector<unsigned> stall_before;  // per beat
};

int16_t rnd16(skipopu::SplitMix64& rng, unsigned mode) {
  const uint64_t r = rng.next();
  switch (mode) {
    case 0: return static_cast<int16_t>(r >> 48);                                   // full range
    case 1: return static_cast<int16_t>(static_cast<int64_t>(r % 2049) - 1024);     // |x| <= 4.0
    case 2: return static_cast<int16_t>(static_cast<int64_t>(r % 8193) - 4096);     // scores, |x| <= 16
    default: {
      const int16_t ex[] = {-32768, 32767, 0, -1, 1, -32767, 256, -256};
      return ex[r % 8];
    }
  }
}

Pass make_pass(const char* name, NlOp op, skipopu::SplitMix64& rng, uint32_t n, unsigned mode, bool stalls) {
  Pass p{name, op, std::vector<int16_t>(n), std::vector<int16_t>(n), {}};
  for (auto& x : p.a) x = rnd16(rng, mode);
  for (auto& x : p.b) x = rnd16(rng, mode == 3 ? 3 : 0);
  const unsigned beats = static_cast<unsigned>((n + kLanes[static_cast<unsigned>(op)] - 1) / kLanes[static_cast<unsigned>(op)]);
  for (unsigned k = 0; k < beats; ++k) p.stall_before.push_back(stalls ? static_cast<unsigned>(rng.next() % 3) : 0);
  return p;
}

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tb_nonlinear SEED CASES\n");
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const unsigned cases = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));

  sc_clock clk("clk", 10, SC_NS, 0.5, 5, SC_NS, true);  // rising edges at 5, 15, 25, ... ns
  sc_signal<bool> rst, start, in_ready, in_valid, out_valid, done;
  sc_signal<uint32_t> op, n_elems, inv_n, res0, res1;
  sc_signal<uint64_t> res2;
  sc_signal<sc_bv<W * 16>> in_a, in_b, out_y;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.start(start);
  dut.op(op);
  dut.n_elems(n_elems);
  dut.inv_n(inv_n);
  dut.in_ready(in_ready);
  dut.in_valid(in_valid);
  dut.in_a(in_a);
  dut.in_b(in_b);
  dut.out_valid(out_valid);
  dut.out_y(out_y);
  dut.res0(res0);
  dut.res1(res1);
  dut.res2(res2);
  dut.done(done);
  auto step = [&] { sc_start(10, SC_NS); };
  rst = true;
  step();
  step();
  rst = false;
  step();

  skipopu::SplitMix64 rng(seed);
  std::vector<Pass> passes;
  // Directed: each reduction then its apply pass on the same vector; the online softmax's
  // running max rising every beat (each beat rescales the sum) and falling; argmax ties
  // (the first maximum wins) and an all -32768 input; saturating extremes; empty passes.
  {
    Pass r = make_pass("rms-reduce", NlOp::RmsnormReduce, rng, 2 * kLanes[0] + 1, 1, false);
    passes.push_back(r);
    Pass a = make_pass("rms-apply", NlOp::RmsnormApply, rng, 2 * kLanes[0] + 1, 1, false);
    a.a = r.a;
    passes.push_back(a);
    Pass s = make_pass("softmax-rising", NlOp::SoftmaxReduce, rng, 5 * kLanes[2] + 2, 2, false);
    for (size_t i = 0; i < s.a.size(); ++i) s.a[i] = static_cast<int16_t>(-4000 + 97 * static_cast<int>(i));
    passes.push_back(s);
    Pass sa = make_pass("softmax-apply", NlOp::SoftmaxApply, rng, s.a.size(), 2, false);
    sa.a = s.a;
    passes.push_back(sa);
    Pass f = make_pass("softmax-falling", NlOp::SoftmaxReduce, rng, 3 * kLanes[2], 2, false);
    for (size_t i = 0; i < f.a.size(); ++i) f.a[i] = static_cast<int16_t>(4000 - 300 * static_cast<int>(i));
    passes.push_back(f);
    Pass am = make_pass("argmax-ties", NlOp::Argmax, rng, 3 * kLanes[7] + 1, 1, false);
    am.a[1] = am.a[kLanes[7] + 2] = am.a.back() = 5000;
    passes.push_back(am);
    Pass amin = make_pass("argmax-all-min", NlOp::Argmax, rng, kLanes[7] + 3, 1, false);
    for (auto& x : amin.a) x = -32768;
    passes.push_back(amin);
    for (NlOp op : {NlOp::Swiglu, NlOp::Rope, NlOp::Residual, NlOp::RmsnormReduce, NlOp::RmsnormApply})
      passes.push_back(make_pass("extremes", op, rng, 2 * kLanes[static_cast<unsigned>(op)] + 3, 3, false));
    passes.push_back(make_pass("empty", NlOp::SoftmaxReduce, rng, 0, 0, false));
    passes.push_back(make_pass("empty", NlOp::Residual, rng, 0, 0, false));
    passes.push_back(make_pass("one", NlOp::SoftmaxReduce, rng, 1, 0, false));
  }
  for (unsigned k = 0; k < cases; ++k) {
    const NlOp op = static_cast<NlOp>(rng.next() % 8);
    const uint32_t n = (rng.next() & 7) == 0 ? static_cast<uint32_t>(rng.next() % 600) : 1 + static_cast<uint32_t>(rng.next() % 40);
    const unsigned mode = static_cast<unsigned>(rng.next() % 4);
    const bool stalls = k % 3 == 2;
    if (op == NlOp::RmsnormApply || op == NlOp::SoftmaxApply) {  // usually after its reduction
      const NlOp red = op == NlOp::RmsnormApply ? NlOp::RmsnormReduce : NlOp::SoftmaxReduce;
      Pass r = make_pass("random", red, rng, n, mode, stalls);
      Pass a = make_pass("random", op, rng, n, mode, stalls);
      if (k % 4 != 3) a.a = r.a;
      passes.push_back(r);
      passes.push_back(a);
    } else {
      passes.push_back(make_pass(stalls ? "random-stalls" : "random", op, rng, n, mode, stalls));
    }
  }

  skipopu::dsp::NlState st;
  int failures = 0;
  for (const auto& p : passes) {
    const unsigned o = static_cast<unsigned>(p.op), P = kLanes[o];
    const uint32_t n = static_cast<uint32_t>(p.a.size());
    const unsigned beats = static_cast<unsigned>((n + P - 1) / P);
    const uint32_t inv = n ? skipopu::dsp::nl_inv_n(n) : 0;
    std::vector<int16_t> want(n);
    skipopu::dsp::nl_pass(p.op, P, p.a.data(), p.b.data(), n, inv, st, want.data());

    op = o;
    n_elems = n;
    inv_n = inv;
    start = true;
    unsigned beat = 0, stalled = 0, stalls = 0, got = 0, bad = 0;
    uint64_t edges = 0, t_done = 0;
    while (!t_done && edges < 20ull * (beats + 50)) {
      bool offer = false;
      if (beat < beats) {
        if (stalled < p.stall_before[beat]) {
          ++stalled;
          ++stalls;
        } else {
          offer = true;
          sc_bv<W * 16> a, b;
          for (unsigned i = 0; i < W; ++i) {
            const uint64_t e = beat * uint64_t{P} + i;
            const bool live = i < P && e < n;
            a.range(i * 16 + 15, i * 16) = live ? static_cast<uint16_t>(p.a[e]) : static_cast<unsigned>(rng.next() >> 48);
            b.range(i * 16 + 15, i * 16) = live ? static_cast<uint16_t>(p.b[e]) : static_cast<unsigned>(rng.next() >> 48);
          }
          in_a = a;
          in_b = b;
        }
      }
      in_valid = offer;
      step();
      ++edges;
      start = false;
      if (offer) {
        ++beat;
        stalled = 0;
      }
      if (out_valid.read()) {
        const sc_bv<W * 16> y = out_y.read();
        for (unsigned i = 0; i < P && uint64_t{got} * P + i < n; ++i) {
          const uint16_t bits = static_cast<uint16_t>(y.range(i * 16 + 15, i * 16).to_uint());
          const uint16_t w = static_cast<uint16_t>(want[got * P + i]);
          if (bits != w && bad++ < 5)
            std::printf("  MISMATCH %s %s element %u: rtl %04x, C++ %04x\n", p.name, skipopu::dsp::nl_op_name(p.op),
                        got * P + i, bits, w);
        }
        ++got;
      }
      if (done.read()) t_done = edges;
    }
    in_valid = false;
    const bool reduction = skipopu::dsp::nl_op_is_reduction(p.op);
    const bool res_ok = res0.read() == st.res0 && res1.read() == st.res1 && res2.read() == st.res2;
    if (!res_ok)
      std::printf("  MISMATCH %s %s results: rtl %08x %08x %014llx, C++ %08x %08x %014llx\n", p.name,
                  skipopu::dsp::nl_op_name(p.op), res0.read(), res1.read(), static_cast<unsigned long long>(res2.read()),
                  st.res0, st.res1, static_cast<unsigned long long>(st.res2));
    const uint64_t formula = skipopu::timing::stream_cycles(n, P, kLatency[o]) + stalls;
    const bool ok = bad == 0 && res_ok && got == (reduction ? 0 : beats) && t_done == formula;
    std::printf("%-16s %-14s n %4u stalls %2u: %s, start..done %llu cycles, formula %llu: %s\n", p.name,
                skipopu::dsp::nl_op_name(p.op), n, stalls,
                bad ? "DIFFER" : reduction ? "results bit-identical" : "outputs bit-identical",
                static_cast<unsigned long long>(t_done), static_cast<unsigned long long>(formula), ok ? "ok" : "FAIL");
    failures += !ok;
    // back to back: the next start is driven in the cycle after done, as a transactor does
  }
  std::printf("%s: %zu passes, %d failed\n", failures ? "FAIL" : "PASS", passes.size(), failures);
  return failures ? 1 : 0;
}

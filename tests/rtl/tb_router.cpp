// Co-simulation of the generated router (skipopu_router.v, verilated with --sc) inside a
// SystemC testbench, against the C++ bit-accurate model (dsp::router_token) and the SystemC
// router's cycle formula (timing::router_finish with the weights on chip).
//
// usage: tb_router SEED CASES   (CASES random routing calls after the directed ones)
// Each call: every token's two logits and decision bit-identical, in order, and edges from
// start to done = router_finish(0, on chip, ...) + stall cycles. Lanes past a token's end
// carry random garbage (the RTL must mask them). Exit 0 only if every call matched.
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

constexpr unsigned L = SKIPOPU_ROUTER_LANES;
static_assert(L * 16 > 64, "the testbench drives the wide ports as sc_bv (lanes too few)");

struct Call {
  const char* name;
  uint32_t tokens, d;
  std::vector<int16_t> x, w0, w1;  // x: tokens x d; w: d
  std::vector<unsigned> stall_before;
};

Call make_call(const char* name, skipopu::SplitMix64& rng, uint32_t tokens, uint32_t d, bool extremes, bool stalls) {
  Call c{name, tokens, d, std::vector<int16_t>(size_t{tokens} * d), std::vector<int16_t>(d), std::vector<int16_t>(d), {}};
  auto r = [&] {
    if (!extremes) return static_cast<int16_t>(rng.next() >> 48);
    return static_cast<int16_t>((rng.next() & 1) ? -32768 : 32767);
  };
  for (auto& v : c.x) v = r();
  for (auto& v : c.w0) v = r();
  for (auto& v : c.w1) v = r();
  const uint64_t beats = uint64_t{tokens} * ((d + L - 1) / L);
  for (uint64_t k = 0; k < beats; ++k) c.stall_before.push_back(stalls ? static_cast<unsigned>(rng.next() % 3) : 0);
  return c;
}

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tb_router SEED CASES\n");
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const unsigned cases = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));

  sc_clock clk("clk", 10, SC_NS, 0.5, 5, SC_NS, true);
  sc_signal<bool> rst, start, in_ready, in_valid, out_valid, out_execute, done;
  sc_signal<uint32_t> n_tokens, d;
  sc_signal<uint64_t> out_logit0, out_logit1;
  sc_signal<sc_bv<L * 16>> in_x, in_w0, in_w1;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.start(start);
  dut.n_tokens(n_tokens);
  dut.d(d);
  dut.in_ready(in_ready);
  dut.in_valid(in_valid);
  dut.in_x(in_x);
  dut.in_w0(in_w0);
  dut.in_w1(in_w1);
  dut.out_valid(out_valid);
  dut.out_execute(out_execute);
  dut.out_logit0(out_logit0);
  dut.out_logit1(out_logit1);
  dut.done(done);
  auto step = [&] { sc_start(10, SC_NS); };
  rst = true;
  step();
  step();
  rst = false;
  step();

  skipopu::SplitMix64 rng(seed);
  std::vector<Call> calls;
  // Directed: the accumulator's extremes (every product +-2^30), one token of one lane, a
  // token ending mid-beat followed by the next token, ties (logit1 == logit0: skip), empty.
  calls.push_back(make_call("extremes", rng, 3, 7 * L + 2, true, false));
  calls.push_back(make_call("one-element", rng, 1, 1, false, false));
  calls.push_back(make_call("mid-beat-ends", rng, 4, L + 1, false, false));
  {
    Call t = make_call("tie", rng, 2, 2 * L, false, false);
    t.w1 = t.w0;
    calls.push_back(t);
  }
  calls.push_back(make_call("no-tokens", rng, 0, 64, false, false));
  for (unsigned k = 0; k < cases; ++k) {
    const uint32_t tokens = 1 + static_cast<uint32_t>(rng.next() % 6);
    const uint32_t dd = (rng.next() & 3) == 0 ? 1 + static_cast<uint32_t>(rng.next() % 400) : 1 + static_cast<uint32_t>(rng.next() % (3 * L));
    calls.push_back(make_call(k % 3 == 2 ? "random-stalls" : "random", rng, tokens, dd, (rng.next() & 7) == 0, k % 3 == 2));
  }

  int failures = 0;
  for (const auto& c : calls) {
    const uint32_t per_token = (c.d + L - 1) / L;
    const uint64_t beats = uint64_t{c.tokens} * per_token;
    std::vector<skipopu::dsp::RouterOut> want;
    for (uint32_t t = 0; t < c.tokens; ++t)
      want.push_back(skipopu::dsp::router_token(&c.x[size_t{t} * c.d], c.w0.data(), c.w1.data(), c.d));
    n_tokens = c.tokens;
    d = c.d;
    start = true;
    uint64_t beat = 0, edges = 0, t_done = 0;
    unsigned stalled = 0, stalls = 0, got = 0, bad = 0;
    while (!t_done && edges < 20 * (beats + 50)) {
      bool offer = false;
      if (beat < beats) {
        if (stalled < c.stall_before[beat]) {
          ++stalled;
          ++stalls;
        } else {
          offer = true;
          const uint32_t tok = static_cast<uint32_t>(beat / per_token), j0 = static_cast<uint32_t>(beat % per_token) * L;
          sc_bv<L * 16> x, w0, w1;
          for (unsigned i = 0; i < L; ++i) {
            const bool live = j0 + i < c.d;
            const size_t e = j0 + i;
            x.range(i * 16 + 15, i * 16) = live ? static_cast<uint16_t>(c.x[size_t{tok} * c.d + e]) : static_cast<unsigned>(rng.next() >> 48);
            w0.range(i * 16 + 15, i * 16) = live ? static_cast<uint16_t>(c.w0[e]) : static_cast<unsigned>(rng.next() >> 48);
            w1.range(i * 16 + 15, i * 16) = live ? static_cast<uint16_t>(c.w1[e]) : static_cast<unsigned>(rng.next() >> 48);
          }
          in_x = x;
          in_w0 = w0;
          in_w1 = w1;
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
        const uint64_t mask = (uint64_t{1} << 48) - 1;
        const bool match = got < want.size() && out_logit0.read() == (static_cast<uint64_t>(want[got].logit0) & mask) &&
                           out_logit1.read() == (static_cast<uint64_t>(want[got].logit1) & mask) &&
                           out_execute.read() == want[got].execute;
        if (!match && bad++ < 5)
          std::printf("  MISMATCH %s token %u: rtl %012llx %012llx %d\n", c.name, got,
                      static_cast<unsigned long long>(out_logit0.read()), static_cast<unsigned long long>(out_logit1.read()),
                      int(out_execute.read()));
        ++got;
      }
      if (done.read()) t_done = edges;
    }
    in_valid = false;
    const uint64_t formula = skipopu::timing::router_finish(0, false, 0, 0, c.tokens, c.d, L, SKIPOPU_ROUTER_LATENCY) + stalls;
    const bool ok = bad == 0 && got == c.tokens && t_done == formula;
    unsigned executes = 0;
    for (const auto& w : want) executes += w.execute;
    std::printf("%-13s tokens %u d %3u stalls %2u: %u/%u decisions (%u execute) %s, start..done %llu cycles, formula %llu: %s\n",
                c.name, c.tokens, c.d, stalls, got, c.tokens, executes, bad ? "DIFFER" : "bit-identical",
                static_cast<unsigned long long>(t_done), static_cast<unsigned long long>(formula), ok ? "ok" : "FAIL");
    failures += !ok;
  }
  std::printf("%s: %zu calls, %d failed\n", failures ? "FAIL" : "PASS", calls.size(), failures);
  return failures ? 1 : 0;
}

// Co-simulation of every generated DSP packing datapath (skipopu_pack_all.v, verilated with
// --sc) against the C++ bit-accurate model dsp::evaluate(layout, v, corrected = true).
//
// usage: tb_pack RANDOM_CASES SEED
// A layout whose operands total at most 20 bits is checked exhaustively; the others on
// RANDOM_CASES seeded random operand sets plus every corner (each operand at min or max).
// Prints one line per layout; exit 0 only if every lane of every case is bit-identical.
#include <systemc.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "skipopu/dsp/packing.hpp"
#include "skipopu/prng.hpp"
#include "skipopu_pack_all_tb.h"

using namespace skipopu;

int sc_main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tb_pack RANDOM_CASES SEED\n");
    return 2;
  }
  const uint64_t random_cases = std::strtoull(argv[1], nullptr, 10);
  SplitMix64 rng(std::strtoull(argv[2], nullptr, 10));
  Vdut dut("dut");
  skipopu_rtl_tb::PackSignals sig;
  sig.bind(dut);

  constexpr unsigned P = skipopu_rtl_tb::kPacks;
  const dsp::PackingLayout* ls[P];
  uint64_t cases[P], bad[P] = {}, corners[P];
  bool exhaustive[P];
  uint64_t steps = 0;
  for (unsigned k = 0; k < P; ++k) {
    ls[k] = &dsp::builtin_layout(skipopu_rtl_tb::kPackLayouts[k]);
    exhaustive[k] = ls[k]->operand_bits() <= 20;
    corners[k] = exhaustive[k] ? 0 : uint64_t{1} << ls[k]->operands.size();
    cases[k] = exhaustive[k] ? uint64_t{1} << ls[k]->operand_bits() : corners[k] + random_cases;
    steps = std::max(steps, cases[k]);
  }
  std::vector<dsp::OperandValues> v(P);
  dsp::LaneValues want{};
  for (uint64_t i = 0; i < steps; ++i) {
    for (unsigned k = 0; k < P; ++k) {
      if (i >= cases[k]) continue;
      const auto& ops = ls[k]->operands;
      uint64_t bits = exhaustive[k] ? i : rng.next();
      for (size_t o = 0; o < ops.size(); ++o) {
        int64_t x;
        if (!exhaustive[k] && i < corners[k]) {
          x = (i >> o) & 1 ? ops[o].max() : ops[o].min();
        } else {
          const int64_t raw = static_cast<int64_t>(bits & ((uint64_t{1} << ops[o].bits) - 1));
          bits >>= ops[o].bits;
          if (!exhaustive[k] && bits == 0) bits = rng.next();
          x = ops[o].is_signed ? dsp::sext(raw, ops[o].bits) : raw;
        }
        v[k][o] = x;
        sig.set(k, static_cast<unsigned>(o), dsp::zext(x, ops[o].bits));
      }
    }
    sc_start(1, SC_NS);
    for (unsigned k = 0; k < P; ++k) {
      if (i >= cases[k]) continue;
      dsp::evaluate(*ls[k], v[k], true, want);
      for (unsigned j = 0; j < ls[k]->lanes; ++j) {
        const int64_t got = dsp::sext(static_cast<int64_t>(sig.get(k, j)), skipopu_rtl_tb::kPackLaneBits[k][j]);
        if (got != want[j] && bad[k]++ < 3)
          std::printf("  MISMATCH %s case %llu lane %u: rtl %lld, C++ %lld\n", ls[k]->name.c_str(),
                      static_cast<unsigned long long>(i), j, static_cast<long long>(got),
                      static_cast<long long>(want[j]));
      }
    }
  }
  unsigned failed = 0;
  for (unsigned k = 0; k < P; ++k) {
    std::printf("%-24s %9llu cases (%s): %s\n", ls[k]->name.c_str(), static_cast<unsigned long long>(cases[k]),
                exhaustive[k] ? "exhaustive" : "corners + random", bad[k] ? "DIFFER" : "bit-identical");
    failed += bad[k] != 0;
  }
  std::printf("%s: %u layouts, %u differ\n", failed ? "FAIL" : "PASS", P, failed);
  return failed ? 1 : 0;
}

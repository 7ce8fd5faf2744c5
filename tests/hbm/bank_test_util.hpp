// Helpers of the directed bank-model tests: the U280 preset without refresh or pipeline latency,
// addresses in the Vivado order, and a runner that drives both paths and checks they agree.
#pragma once
#include <catch2/catch.hpp>

#include <map>

#include "../../src/hbm/bank_model.hpp"
#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_bench.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;
using Trace = std::vector<BankModel::TraceCmd>;

// U280 timing (tRCDRD 13, tRCDWR 9, tRP 13, tRAS 30, tRC 43, tCL 14, tCWL 7, tCCD_S 2,
// tCCD_L 3, tRRD_S/L 4/4, tFAW 15, tWR 15, tWTR_S/L 4/8, tRTP 4, tRTW 3, BL 4), no refresh,
// no fixed pipeline latency, one port per PC on the same switch.
inline HbmParams base(bool fast = true) {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  p.model = "bank";
  p.refresh = false;
  p.read_latency = p.write_latency = 0;
  p.fast_path = fast;
  return p;
}

// Byte address for the Vivado order (LSB first: BG0, column[5], BA0, BA1, BG1, row).
inline uint64_t va(uint32_t bg, uint32_t ba, uint32_t row, uint32_t col = 0) {
  const uint64_t beat = (bg & 1) | (uint64_t(col) << 1) | (uint64_t(ba & 1) << 6) | (uint64_t(ba >> 1) << 7) |
                        (uint64_t(bg >> 1) << 8) | (uint64_t(row) << 9);
  return beat * 32;
}

struct Run {
  std::map<uint64_t, Completion> done;
  Trace trace;
  StatGroup stats{"hbm"};
};

// Submits `reqs` (sorted by arrival), drains everything, for both paths; checks they agree.
inline Run run(const HbmParams& p0, const std::vector<Request>& reqs, Cycle until = 0) {
  Run out[2];
  for (int f = 0; f < 2; ++f) {
    HbmParams p = p0;
    p.fast_path = f == 1;
    BankModel m(p);
    m.enable_trace(true);
    Completion c;
    for (const Request& r : reqs) {
      while (m.next_event() <= r.arrival && m.pop_completion(m.next_event(), c)) out[f].done[c.id] = c;
      while (m.pop_completion(r.arrival, c)) out[f].done[c.id] = c;
      m.submit(r);
    }
    for (Cycle t; (t = m.next_event()) != kNever;)
      while (m.pop_completion(t, c)) out[f].done[c.id] = c;
    if (until) m.pop_completion(until, c);
    m.report(out[f].stats, until ? until : m.now());
    out[f].trace = m.trace();
    std::stable_sort(out[f].trace.begin(), out[f].trace.end(),
                     [](const BankModel::TraceCmd& a, const BankModel::TraceCmd& b) { return a.t < b.t; });
  }
  REQUIRE(out[0].done.size() == out[1].done.size());
  for (auto& [id, c] : out[0].done) {
    CHECK(out[1].done[id].done == c.done);
    CHECK(out[1].done[id].first_data == c.first_data);
  }
  REQUIRE(out[0].trace.size() == out[1].trace.size());
  for (size_t i = 0; i < out[0].trace.size(); ++i) {
    CHECK(out[0].trace[i].t == out[1].trace[i].t);
    CHECK(out[0].trace[i].cmd == out[1].trace[i].cmd);
  }
  return std::move(out[1]);
}

inline Request rd(uint64_t id, uint64_t addr, uint64_t bytes, Cycle at, uint32_t pc = 0, uint32_t port = 0) {
  return Request{id, port, pc, addr, bytes, false, at};
}
inline Request wr(uint64_t id, uint64_t addr, uint64_t bytes, Cycle at, uint32_t pc = 0, uint32_t port = 0) {
  return Request{id, port, pc, addr, bytes, true, at};
}

// Time of the n-th command of kind `c` (0-based) on pseudo-channel 0.
inline uint64_t at(const Trace& t, BankModel::Cmd c, int n = 0) {
  for (const auto& e : t)
    if (e.pc == 0 && e.cmd == c && n-- == 0) return e.t;
  FAIL("command not in trace");
  return 0;
}


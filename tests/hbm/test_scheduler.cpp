// Directed tests of the command scheduler (src/hbm/scheduler.hpp), each with cycles computed
// by hand (device cycles; AXI = ceil(device / 2)). U280 timing as in bank_test_util.hpp:
// tRCDRD 13, tRP 13, tRAS 30, tRC 43, tCL 14, tCCD_S 2, tCCD_L 3, tRRD_S/L 4/4, tRTP 4, BL 4,
// no refresh, no pipeline latency. Both paths run and must agree (run()).
#include "bank_test_util.hpp"

namespace {
std::vector<uint64_t> rd_times(const Trace& t) {
  std::vector<uint64_t> v;
  for (const auto& e : t)
    if (e.pc == 0 && e.cmd == detail::RD) v.push_back(e.t);
  return v;
}
}  // namespace

TEST_CASE("scheduler: two rows in different bank groups interleave at tCCD_S") {
  // Column bits lowest (LSB first: column, bg0, bg1, ba0, ba1, row), tCCD_L 4. A: 4 beats in
  // bank 0 (group 0), B: 4 beats in bank 1 (group 1), both at cycle 0 on two ports.
  // ACT A 0, ACT B 4 (tRRD_S). A0 13 (tRCDRD); A1 17 (tCCD_L; B0 ties at 17 = 4 + 13, A1 is
  // older); B0 19 (tCCD_S after A1); A2 21; B1 23; A3 25; B2 27; B3 31 (tCCD_L).
  // A burst-at-a-time scheduler would serve B only after A: 27, 31, 35, 39.
  HbmParams p = base();
  p.timing.tCCD_L = 4;
  p.mapping = {{AddrField::Column, 0}, {AddrField::BG, 0}, {AddrField::BG, 1}, {AddrField::BA, 0},
               {AddrField::BA, 1}, {AddrField::Row, 0}};
  Run r = run(p, {rd(1, 0, 128, 0, 0, 0), rd(2, 32 * 32, 128, 0, 0, 1)});
  CHECK(at(r.trace, detail::ACT, 0) == 0);
  CHECK(at(r.trace, detail::ACT, 1) == 4);
  CHECK(rd_times(r.trace) == std::vector<uint64_t>{13, 17, 19, 21, 23, 25, 27, 31});
  CHECK(r.done[1].done == 21);  // ceil((25 + 14 + 2) / 2)
  CHECK(r.done[2].done == 24);  // ceil((31 + 16) / 2)
}

TEST_CASE("scheduler: a miss is overtaken by younger hits (frfcfs), not under fcfs") {
  // R0 opens row 0 of bank 0 (ACT 0, RD 13). M (row 1, same bank) arrives at device cycle 2,
  // H (row 0) at 4. frfcfs: H hits at 16 (tCCD_L); M's PRE waits for tRAS (30), ACT 43, RD 56.
  const std::vector<Request> reqs = {rd(1, va(0, 0, 0), 32, 0), rd(2, va(0, 0, 1), 32, 1), rd(3, va(0, 0, 0, 1), 32, 2)};
  Run fr = run(base(), reqs);
  CHECK(rd_times(fr.trace) == std::vector<uint64_t>{13, 16, 56});
  CHECK(fr.done[3].done == 16);  // ceil((16 + 16) / 2)
  CHECK(fr.done[2].done == 36);  // ceil((56 + 16) / 2)
  // fcfs: M first (PRE 30, ACT 43, RD 56), then H reopens row 0: PRE 73 (tRAS after 43),
  // ACT 86 (tRP, tRC), RD 99.
  HbmParams p = base();
  p.scheduler = HbmParams::Scheduler::Fcfs;
  Run fc = run(p, reqs);
  CHECK(rd_times(fc.trace) == std::vector<uint64_t>{13, 56, 99});
  CHECK(fc.done[2].done == 36);
  CHECK(fc.done[3].done == 58);  // ceil((99 + 16) / 2)
}

TEST_CASE("scheduler: frfcfs_cap bounds the hits that bypass an older miss") {
  // As above with a second hit H2 (device cycle 6). frfcfs: R0 13, H1 16, H2 19, then M
  // (PRE 30, ACT 43, RD 56). Cap 1: H1 bypasses M (1 hit), H2 may not: PRE 30, ACT 43, M 56,
  // then H2 reopens row 0: PRE 73, ACT 86, RD 99.
  const std::vector<Request> reqs = {rd(1, va(0, 0, 0), 32, 0), rd(2, va(0, 0, 1), 32, 1),
                                     rd(3, va(0, 0, 0, 1), 32, 2), rd(4, va(0, 0, 0, 2), 32, 3)};
  Run fr = run(base(), reqs);
  CHECK(rd_times(fr.trace) == std::vector<uint64_t>{13, 16, 19, 56});
  HbmParams p = base();
  p.scheduler = HbmParams::Scheduler::FrFcfsCap;
  p.row_hit_cap = 1;
  Run cap = run(p, reqs);
  CHECK(rd_times(cap.trace) == std::vector<uint64_t>{13, 16, 56, 99});
  CHECK(cap.done[4].done == 58);
  p.row_hit_cap = 2;  // both hits may pass
  CHECK(rd_times(run(p, reqs).trace) == std::vector<uint64_t>{13, 16, 19, 56});
}

TEST_CASE("scheduler: a row counts as open for column commands only after tRCD") {
  // W0 opens bank 4 (group 1) at row 5 (ACT 0, RD 13); W1 opens bank 0 at row 0 (ACT 4, RD 17).
  // X (bank 4, row 0) needs PRE 30 (tRAS), ACT 43, so its RD can issue at 56 (tRCDRD).
  // Y (bank 0, row 0, a hit) arrives on another port at device cycle 44: it issues at 44,
  // ahead of the older X whose row was activated (43) but is not yet readable.
  Run r = run(base(), {rd(1, va(1, 0, 5), 32, 0), rd(2, va(0, 0, 0), 32, 1), rd(3, va(1, 0, 0), 32, 2),
                       rd(4, va(0, 0, 0, 1), 32, 22, 0, 1)});
  CHECK(at(r.trace, detail::ACT, 2) == 43);
  CHECK(rd_times(r.trace) == std::vector<uint64_t>{13, 17, 44, 56});
  CHECK(r.done[4].done == 30);  // ceil((44 + 16) / 2): 8 AXI cycles after its arrival
  CHECK(r.done[3].done == 36);
}

TEST_CASE("scheduler: per-bank refresh (REFsb every tREFI / banks, tRFCsb, tRREFD)") {
  // tREFI 3510 / 16 banks: bank 0 is due at 219 (closed: REFsb at 219), bank 1 at 438.
  // R0 (bank 0) and R1 (bank 1) arrive at device cycle 220 on two ports. Bank 0 may not
  // activate before 219 + tRFCsb 144 = 363; bank 1 after tRREFD (8): ACT 227, RD 240.
  // Bank 0: ACT 363, RD 376. At 438 bank 1 is due while open: PRE 438, REFsb 451 (tRP).
  HbmParams p = base();
  p.refresh = true;
  p.refresh_mode = HbmParams::RefreshMode::PerBank;
  Run r = run(p, {rd(1, va(0, 0, 0), 32, 110, 0, 0), rd(2, va(0, 1, 0), 32, 110, 0, 1)}, 500);
  CHECK(at(r.trace, detail::REFSB, 0) == 219);
  CHECK(at(r.trace, detail::ACT, 0) == 227);
  CHECK(at(r.trace, detail::ACT, 1) == 363);
  CHECK(rd_times(r.trace) == std::vector<uint64_t>{240, 376});
  CHECK(r.done[2].done == 128);  // ceil((240 + 16) / 2)
  CHECK(r.done[1].done == 196);  // ceil((376 + 16) / 2)
  CHECK(at(r.trace, detail::PRE, 0) == 438);
  CHECK(at(r.trace, detail::REFSB, 1) == 451);
  CHECK(at(r.trace, detail::REFSB, 2) == 657);  // bank 2, closed, due at 3 x 219
}

// The first-ready bound for random single-beat reads to distinct rows of one pseudo-channel
// (every access needs an ACT and a PRE; enough queued requests to always have a candidate in
// another bank): accesses per device cycle <= min(banks / tRC, 1 / tRRD_S, 4 / tFAW,
// 1 / 2 (ACT and PRE share the row-command bus), 1 / max(tCCD_S, BL/2) (column and data bus)).
// With all-bank refresh no ACT issues for about tRP + tRFC of every tREFI.
static double random_bound_per_cycle(const HbmParams& p, bool refresh) {
  const Timing& t = p.timing;
  double b = std::min({double(p.banks()) / t.tRC, 1.0 / t.tRRD_S, 4.0 / t.tFAW, 0.5,
                       1.0 / std::max(t.tCCD_S, t.burst_cycles())});
  if (refresh) b *= 1.0 - double(t.tRP + t.tRFC) / t.tREFI;
  return b;
}

TEST_CASE("scheduler: random 32-B reads reach the first-ready bound (within 5%)") {
  for (const char* name : {"u280", "ramulator2_hbm2_2000"}) {
    for (bool refresh : {false, true}) {
      HbmParams p = load_hbm_preset(kData + "/configs/hbm/" + std::string(name) + ".json");
      p.model = "bank";
      p.refresh = refresh;
      p.id_ordering = HbmParams::IdOrdering::None;  // the controller's bound: responses need not wait for older ones
      BenchSpec s;
      s.pattern = "random";
      s.size = 32;
      s.pcs = s.ports = 1;
      s.outstanding = 64;
      s.requests = 20000;
      const BenchResult r = run_bench(p, s);
      const double per_cycle = double(r.requests) / (double(r.end + 1) * p.dev_num / p.dev_den);
      const double bound = random_bound_per_cycle(p, refresh);
      INFO(name << " refresh " << refresh << ": " << per_cycle << " accesses per device cycle, bound " << bound);
      CHECK(per_cycle <= bound * 1.001);
      CHECK(per_cycle >= 0.95 * bound);
    }
  }
}

TEST_CASE("scheduler: 32-B sequential reads with column bits lowest stream at the refresh limit") {
  // Ramulator 2's HBM2 2000 Mbps preset (its default mapping puts the column bits lowest,
  // tCCD_S/L 2/4): one port, 40 outstanding single-beat reads. A burst-at-a-time scheduler
  // idles the column bus for tCCD_L between the beats of one bank (about 50%); FR-FCFS fills
  // the gaps with the next row's bank in another group. What is left is refresh: all-bank
  // refresh stops the channel for tRFC (260) of every tREFI (3900), so no schedule exceeds
  // 1 - 260/3900 = 93.3%; per-bank refresh keeps the other banks streaming (>= 94%).
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/ramulator2_hbm2_2000.json");
  p.model = "bank";
  REQUIRE(p.mapping.front().field == AddrField::Column);
  REQUIRE(p.refresh);
  BenchSpec s;
  s.size = 32;
  s.pcs = s.ports = 1;
  s.outstanding = 40;
  s.requests = 20000;
  const double limit = 1.0 - double(p.timing.tRFC) / p.timing.tREFI;
  const BenchResult all = run_bench(p, s);
  INFO("all-bank: " << all.bandwidth_gbs << " of " << all.peak_gbs << " GB/s, refresh limit " << limit);
  CHECK(all.bandwidth_gbs <= limit * all.peak_gbs);
  CHECK(all.bandwidth_gbs >= 0.98 * limit * all.peak_gbs);
  p.refresh_mode = HbmParams::RefreshMode::PerBank;
  const BenchResult per = run_bench(p, s);
  INFO("per-bank: " << per.bandwidth_gbs << " GB/s");
  CHECK(per.bandwidth_gbs >= 0.94 * per.peak_gbs);
  p.refresh = false;
  CHECK(run_bench(p, s).bandwidth_gbs >= 0.99 * per.peak_gbs);
}

// Co-simulation of the generated AXI3 write master (skipopu_axi_wr_master.v, verilated with
// --sc) against the simulator's HBM model behind an AXI slave transactor (axi_hbm_slave.hpp),
// in AXI cycles.
//
// usage: tb_axi_wr PRESET SEED CMDS
// Directed commands then CMDS random ones (1..600 beats; every third with random wready and
// in_valid stalls). The slave takes every AW at once, submits it to the HBM model as a write
// request, takes W beats (wready, stalled at random), and answers B in address order at the
// later of the model's done and the cycle after the burst's last W beat. Checked per command:
// every AW is INCR, full beats, at most max_burst_beats, never across 4 KB, contiguous in
// order; no W beat before its burst's address; every W beat's data is the feed's beat for that
// address, wlast exactly on each burst's last beat, full strobes; bursts outstanding never
// exceed max_outstanding_writes (and reach it on long commands); cmd_ready only after the last
// B; err low. Printed: the last B against the same range written as one request.
#include <cstdio>
#include <cstdlib>

#include "Vdut.h"
#include "axi_hbm_slave.hpp"
#include "skipopu/prng.hpp"
#include "skipopu_rtl_params.h"

namespace {
constexpr unsigned kMaxBurst = SKIPOPU_AXI_MAX_BURST;
constexpr unsigned kMaxWr = SKIPOPU_AXI_MAX_WR;
}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tb_axi_wr PRESET SEED CMDS\n");
    return 2;
  }
  skipopu::hbm::HbmParams hp = skipopu::hbm::load_hbm_preset(argv[1]);
  hp.model = "bank";
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  const unsigned ncmd = static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10));
  const unsigned BB = hp.beat_bytes;

  sc_signal<bool> clk, rst, cmd_valid, cmd_ready, in_valid, in_ready, awvalid, awready, wlast, wvalid, wready, bvalid,
      bready, err;
  sc_signal<uint64_t> cmd_addr, awaddr;
  sc_signal<uint32_t> cmd_beats, cmd_id, awburst, awid, awlen, awsize, wstrb, bid, bresp, outstanding;
  sc_signal<sc_bv<256>> in_data, wdata;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.cmd_valid(cmd_valid);
  dut.cmd_ready(cmd_ready);
  dut.cmd_addr(cmd_addr);
  dut.cmd_beats(cmd_beats);
  dut.cmd_id(cmd_id);
  dut.in_valid(in_valid);
  dut.in_ready(in_ready);
  dut.in_data(in_data);
  dut.m_axi_awaddr(awaddr);
  dut.m_axi_awburst(awburst);
  dut.m_axi_awid(awid);
  dut.m_axi_awlen(awlen);
  dut.m_axi_awsize(awsize);
  dut.m_axi_awvalid(awvalid);
  dut.m_axi_awready(awready);
  dut.m_axi_wdata(wdata);
  dut.m_axi_wstrb(wstrb);
  dut.m_axi_wlast(wlast);
  dut.m_axi_wvalid(wvalid);
  dut.m_axi_wready(wready);
  dut.m_axi_bid(bid);
  dut.m_axi_bresp(bresp);
  dut.m_axi_bvalid(bvalid);
  dut.m_axi_bready(bready);
  dut.outstanding(outstanding);
  dut.err(err);
  axi_tb::Clocking ck{clk};
  rst = true;
  ck.cycles(3);
  rst = false;

  skipopu::SplitMix64 rng(seed);
  const std::vector<axi_tb::Cmd> cmds = axi_tb::commands(hp, kMaxBurst, ncmd, rng);

  int failures = 0;
  for (size_t ci = 0; ci < cmds.size(); ++ci) {
    const axi_tb::Cmd& c = cmds[ci];
    axi_tb::HbmSlave slave(hp);
    std::string why;
    auto fail = [&](const std::string& w) {
      if (why.empty()) why = w;
    };
    const uint32_t id = static_cast<uint32_t>(ci % 64);
    cmd_addr = c.addr;
    cmd_beats = static_cast<uint32_t>(c.beats);
    cmd_id = id;
    cmd_valid = true;
    awready = true;
    uint64_t t = 0, next_addr = c.addr, fed = 0, last_b = 0, bs_done = 0;
    size_t w_burst = 0, b_next = 0;  // burst taking W beats; oldest burst without B
    std::vector<uint64_t> w_end;       // per burst: cycle of its last W beat
    unsigned peak = 0, in_flight = 0;
    bool accepted = false, idle_seen = false;
    while (t < 400000) {
      slave.advance(t);
      auto& bs = slave.bursts();
      // Feed: beat `fed` of the command (stalls on every third command).
      const bool feed = fed < c.beats && (!c.stalls || rng.next() % 4 != 0);
      in_valid = feed;
      if (feed) {
        sc_bv<256> d;
        for (unsigned w = 0; w < 8; ++w) d.range(32 * w + 31, 32 * w) = axi_tb::pattern(c.addr + fed * BB, w);
        in_data = d;
      }
      wready = !c.stalls || rng.next() % 3 != 0;
      // B for the oldest burst once the model wrote it and its data is in.
      const bool b_offer = b_next < w_end.size() && bs[b_next].complete && t >= bs[b_next].done && t > w_end[b_next];
      bvalid = b_offer;
      bid = id;
      bresp = 0;
      ck.settle();
      const bool cmd_taken = cmd_valid && cmd_ready;
      if (outstanding.read() != in_flight) fail("the master's outstanding count differs from the slave's");
      if (accepted && cmd_ready) idle_seen = true;
      if (idle_seen) break;
      if (cmd_taken) accepted = true;
      if (awvalid) {
        const unsigned len = awlen.read() + 1;
        const uint64_t a = awaddr.read();
        if (awburst.read() != 1 || (1u << awsize.read()) != BB) fail("AW not INCR of full beats");
        if (len > kMaxBurst) fail("AW longer than max_burst_beats");
        if ((a / 4096) != ((a + uint64_t{len} * BB - 1) / 4096)) fail("AW crosses a 4 KB boundary");
        if (a != next_addr) fail("AW out of order or not contiguous");
        if (awid.read() != id) fail("AW with another ID");
        next_addr = a + uint64_t{len} * BB;
        slave.issue(a, len, true, t, id);
        w_end.push_back(UINT64_MAX);
        ++in_flight;
      }
      if (wvalid && wready) {
        if (w_burst >= w_end.size() || (w_burst + 1 == w_end.size() && awvalid)) fail("W beat before (or with) its address");
        else {
          auto& b = bs[w_burst];
          const uint64_t a = b.addr + uint64_t{b.sent} * BB;
          for (unsigned w = 0; w < 8; ++w)
            if (wdata.read().range(32 * w + 31, 32 * w).to_uint() != axi_tb::pattern(a, w)) fail("W data differs");
          if (wstrb.read() != 0xffffffffu) fail("partial strobes");
          if (wlast.read() != (b.sent + 1 == b.beats)) fail("wlast misplaced");
          if (++b.sent == b.beats) {
            w_end[w_burst] = t;
            ++w_burst;
          }
        }
      }
      if (in_valid && in_ready) ++fed;
      if (b_offer && bready) {
        last_b = t;
        ++b_next;
        ++bs_done;
        --in_flight;
      }
      if (in_flight > kMaxWr) fail("more than max_outstanding_writes bursts outstanding");
      peak = std::max(peak, in_flight);
      ck.edge();
      if (cmd_taken) cmd_valid = false;
      ++t;
    }
    cmd_valid = false;
    in_valid = false;
    bvalid = false;
    if (!idle_seen) fail("the command never finished");
    if (fed != c.beats) fail("not every beat was taken");
    if (next_addr != c.addr + c.beats * BB) fail("the bursts do not cover the command");
    if (bs_done != slave.bursts().size()) fail("cmd_ready before every response");
    if (err) fail("err set");
    const uint64_t bursts = slave.bursts().size();
    // A limit the config sets must be reached by a long enough command.
    if (SKIPOPU_AXI_WR_LIMITED && bursts >= 2 * kMaxWr && peak != kMaxWr && !c.stalls) fail("the outstanding limit was never reached");
    const auto one = axi_tb::HbmSlave::single_request(hp, c.addr, c.beats, true, 1);
    std::printf("%-13s %5llu beats %4llu bursts peak %3u outstanding: last response at %6llu; one request: %6llu: %s%s\n",
                c.name, (unsigned long long)c.beats, (unsigned long long)bursts, peak, (unsigned long long)last_b,
                (unsigned long long)one.second, why.empty() ? "ok" : "FAIL: ", why.c_str());
    failures += !why.empty();
    ck.cycles(4);
  }
  std::printf("%s: %zu commands, %d failed (max_burst_beats %u, max_outstanding_writes %u)\n", failures ? "FAIL" : "PASS",
              cmds.size(), failures, kMaxBurst, kMaxWr);
  return failures ? 1 : 0;
}

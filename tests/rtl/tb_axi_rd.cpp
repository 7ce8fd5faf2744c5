// Co-simulation of the generated AXI3 read master (skipopu_axi_rd_master.v, verilated with
// --sc) against the simulator's HBM model behind an AXI slave transactor (axi_hbm_slave.hpp),
// all in AXI cycles (the core/AXI crossing is not part of the master).
//
// usage: tb_axi_rd PRESET SEED CMDS
// Directed commands (one beat; a full burst; 4 KB boundaries; a long stream) then CMDS random
// ones (1..600 beats anywhere in a pseudo-channel; every third with random out_ready stalls).
// Checked per command: every AR is INCR, full beats, at most max_burst_beats long, never across
// a 4 KB boundary, and the bursts tile the command's range in order; bursts outstanding never
// exceed max_outstanding_reads, and the limit is reached when the command is long enough; every
// beat's data is the slave's pattern for its address, in order, out_last on the last beat only;
// err stays low. Printed: the cycle of the last beat against the same range read as one request
// (how the simulator streams it) on a fresh model. Exit 0 only if every command passed.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "Vdut.h"
#include "axi_hbm_slave.hpp"
#include "skipopu/prng.hpp"
#include "skipopu_rtl_params.h"

namespace {
constexpr unsigned kMaxBurst = SKIPOPU_AXI_MAX_BURST;
constexpr unsigned kMaxRd = SKIPOPU_AXI_MAX_RD;
}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "lanes=2")) {
    std::fprintf(stderr, "usage: tb_axi_rd PRESET SEED CMDS [lanes=2]\n");
    return 2;
  }
  skipopu::hbm::HbmParams hp = skipopu::hbm::load_hbm_preset(argv[1]);
  hp.model = "bank";
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  const unsigned ncmd = static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10));
  const unsigned BB = hp.beat_bytes;

  sc_signal<bool> clk, rst, cmd_valid, cmd_ready, arvalid, arready, rlast, rvalid, rready, out_valid, out_ready, out_last, err;
  sc_signal<uint64_t> cmd_addr, araddr;
  sc_signal<uint32_t> cmd_beats, cmd_id, arburst, arid, arlen, arsize, rid, rresp, outstanding;
  sc_signal<sc_bv<256>> rdata, out_data;
  // The second read-data lane (m_axi_r2*: the beat after m_axi_r*'s, as the clock crossing gives
  // the core two beats a cycle): with lanes=2 the slave offers the next beat there whenever it is
  // due too (of the same burst or the next one's first) and the consumer takes it (at random with
  // stalls); without, it stays idle.
  const bool two = argc == 5;
  sc_signal<bool> r2last, r2valid, r2ready, out2_valid, out2_ready, out2_last;
  sc_signal<uint32_t> r2id, r2resp;
  sc_signal<sc_bv<256>> r2data, out2_data;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.cmd_valid(cmd_valid);
  dut.cmd_ready(cmd_ready);
  dut.cmd_addr(cmd_addr);
  dut.cmd_beats(cmd_beats);
  dut.cmd_id(cmd_id);
  dut.m_axi_araddr(araddr);
  dut.m_axi_arburst(arburst);
  dut.m_axi_arid(arid);
  dut.m_axi_arlen(arlen);
  dut.m_axi_arsize(arsize);
  dut.m_axi_arvalid(arvalid);
  dut.m_axi_arready(arready);
  dut.m_axi_rdata(rdata);
  dut.m_axi_rid(rid);
  dut.m_axi_rlast(rlast);
  dut.m_axi_rresp(rresp);
  dut.m_axi_rvalid(rvalid);
  dut.m_axi_rready(rready);
  dut.m_axi_r2data(r2data);
  dut.m_axi_r2id(r2id);
  dut.m_axi_r2last(r2last);
  dut.m_axi_r2resp(r2resp);
  dut.m_axi_r2valid(r2valid);
  dut.m_axi_r2ready(r2ready);
  dut.out2_valid(out2_valid);
  dut.out2_ready(out2_ready);
  dut.out2_data(out2_data);
  dut.out2_last(out2_last);
  dut.out_valid(out_valid);
  dut.out_ready(out_ready);
  dut.out_data(out_data);
  dut.out_last(out_last);
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
    cmd_addr = c.addr;
    cmd_beats = static_cast<uint32_t>(c.beats);
    cmd_id = static_cast<uint32_t>(ci % 64);
    cmd_valid = true;
    arready = true;
    out_ready = true;
    uint64_t t = 0, next_addr = c.addr, got = 0, last_beat = 0, first_beat = 0, pairs = 0;
    size_t head = 0;      // oldest burst not fully delivered
    unsigned peak = 0, in_flight = 0;
    while (got < c.beats && t < 200000) {
      // Drive this cycle's slave outputs.
      slave.advance(t);
      auto& bs = slave.bursts();
      bool offer = false;
      if (head < bs.size() && bs[head].complete && t >= slave.due(bs[head], bs[head].sent)) {
        const auto& b = bs[head];
        const uint64_t a = b.addr + uint64_t{b.sent} * BB;
        sc_bv<256> d;
        for (unsigned w = 0; w < 8; ++w) d.range(32 * w + 31, 32 * w) = axi_tb::pattern(a, w);
        rdata = d;
        rlast = b.sent + 1 == b.beats;
        rid = static_cast<uint32_t>(ci % 64);
        rresp = 0;
        offer = true;
      }
      rvalid = offer;
      // The second lane: the beat after the offered one (h2, k2), when it is due too.
      size_t h2 = head;
      unsigned k2 = 0;
      bool offer2 = false;
      if (two && offer) {
        k2 = bs[head].sent + 1;
        if (k2 == bs[head].beats) {
          h2 = head + 1;
          k2 = 0;
        }
        if (h2 < bs.size() && bs[h2].complete && t >= slave.due(bs[h2], k2)) {
          const uint64_t a = bs[h2].addr + uint64_t{k2} * BB;
          sc_bv<256> d;
          for (unsigned w = 0; w < 8; ++w) d.range(32 * w + 31, 32 * w) = axi_tb::pattern(a, w);
          r2data = d;
          r2last = k2 + 1 == bs[h2].beats;
          r2id = static_cast<uint32_t>(ci % 64);
          r2resp = 0;
          offer2 = true;
        }
      }
      r2valid = offer2;
      if (c.stalls) out_ready = (rng.next() % 3) != 0;
      if (two) out2_ready = c.stalls ? (rng.next() % 2) != 0 : true;
      ck.settle();
      const bool cmd_taken = cmd_valid && cmd_ready;
      if (outstanding.read() != in_flight) fail("the master's outstanding count differs from the slave's");
      // Sample handshakes at the edge.
      if (arvalid) {
        const unsigned len = arlen.read() + 1;
        const uint64_t a = araddr.read();
        if (arburst.read() != 1 || arsize.read() != 5 || (1u << arsize.read()) != BB) fail("AR not INCR of full beats");
        if (len > kMaxBurst) fail("AR longer than max_burst_beats");
        if ((a / 4096) != ((a + uint64_t{len} * BB - 1) / 4096)) fail("AR crosses a 4 KB boundary");
        if (a != next_addr) fail("AR out of order or not contiguous");
        if (arid.read() != ci % 64) fail("AR with another ID");
        next_addr = a + uint64_t{len} * BB;
        slave.issue(a, len, false, t, arid.read());
        ++in_flight;
      }
      const bool take2 = offer && rready && offer2 && r2ready;
      if (offer2 && !out2_valid && offer && !out_last) fail("a second-lane beat of the command was not passed on");
      if (out2_valid && out_last) fail("the second lane offered after the command's last beat");
      if (offer && rready) {
        auto& b = slave.bursts()[head];
        const uint64_t a = b.addr + uint64_t{b.sent} * BB;
        if (!out_valid) fail("a beat was not passed on");
        for (unsigned w = 0; w < 8; ++w)
          if (out_data.read().range(32 * w + 31, 32 * w).to_uint() != axi_tb::pattern(a, w)) fail("data differs");
        if (a != c.addr + got * BB) fail("beats out of order");
        if (out_last.read() != (got + 1 == c.beats)) fail("out_last misplaced");
        if (got == 0) first_beat = t;
        last_beat = t;
        ++got;
        if (++b.sent == b.beats) {
          ++head;
          --in_flight;
        }
      }
      if (take2) {
        auto& b = slave.bursts()[h2];
        const uint64_t a = b.addr + uint64_t{k2} * BB;
        if (!out2_valid || !out2_ready) fail("a second-lane beat taken from the slave was not passed on");
        for (unsigned w = 0; w < 8; ++w)
          if (out2_data.read().range(32 * w + 31, 32 * w).to_uint() != axi_tb::pattern(a, w)) fail("second-lane data differs");
        if (a != c.addr + got * BB) fail("second-lane beat out of order");
        if (out2_last.read() != (got + 1 == c.beats)) fail("out2_last misplaced");
        last_beat = t;
        ++got;
        ++pairs;
        if (++b.sent == b.beats) {
          ++head;
          --in_flight;
        }
      } else if (two && out2_valid && out2_ready && offer && rready) {
        fail("the consumer took a second-lane beat the master did not take");
      }
      if (in_flight > kMaxRd) fail("more than max_outstanding_reads bursts outstanding");
      peak = std::max(peak, in_flight);
      ck.edge();
      if (cmd_taken) cmd_valid = false;
      ++t;
    }
    cmd_valid = false;
    if (got != c.beats) fail("not every beat arrived");
    if (next_addr != c.addr + c.beats * BB) fail("the bursts do not cover the command");
    if (err) fail("err set");
    if (two && c.beats > 1 && !c.stalls && pairs == 0) fail("no cycle took two beats");
    const uint64_t bursts = slave.bursts().size();
    // A limit the config sets must be reached by a long enough command.
    if (SKIPOPU_AXI_RD_LIMITED && bursts >= 2 * kMaxRd && peak != kMaxRd && !c.stalls) fail("the outstanding limit was never reached");
    const auto one = axi_tb::HbmSlave::single_request(hp, c.addr, c.beats, false, 1);
    std::printf("%-13s %5llu beats %4llu bursts peak %3u outstanding: beats at %6llu..%6llu%s; one request: %6llu..%6llu: %s%s\n",
                c.name, (unsigned long long)c.beats, (unsigned long long)bursts, peak, (unsigned long long)first_beat,
                (unsigned long long)last_beat, two ? (" (" + std::to_string(pairs) + " pairs)").c_str() : "", (unsigned long long)one.first, (unsigned long long)one.second,
                why.empty() ? "ok" : "FAIL: ", why.c_str());
    failures += !why.empty();
    // Let the master return to idle before the next command.
    rvalid = false;
    ck.cycles(4);
  }
  std::printf("%s: %zu commands, %d failed (max_burst_beats %u, max_outstanding_reads %u)\n", failures ? "FAIL" : "PASS",
              cmds.size(), failures, kMaxBurst, kMaxRd);
  return failures ? 1 : 0;
}

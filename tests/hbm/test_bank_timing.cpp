// Directed tests: every timing constraint, refresh, page policy, mapping and the switch,
// each with cycles computed by hand (device cycles, tCK; AXI = ceil(device / 2)).
#include "bank_test_util.hpp"

TEST_CASE("timing: tRCDRD + tCL + burst for a page-closed read") {
  Run r = run(base(), {rd(1, 0, 32, 0)});
  CHECK(at(r.trace, detail::ACT) == 0);
  CHECK(at(r.trace, detail::RD) == 13);          // tRCDRD
  CHECK(r.done[1].done == 15);                      // ceil((13 + 14 + 2) / 2)
}

TEST_CASE("timing: tRCDWR + tCWL for a write") {
  Run r = run(base(), {wr(1, 0, 32, 0)});
  CHECK(at(r.trace, detail::WR) == 9);           // tRCDWR
  CHECK(r.done[1].done == 9);                       // ceil((9 + 7 + 2) / 2)
}

TEST_CASE("timing: U280 page-hit / closed / miss latency 48 / 55 / 61 AXI cycles") {
  HbmParams p = base();
  p.read_latency = 40;
  // closed: bank idle; hit: same row later; miss: other row of the same bank later
  Run r = run(p, {rd(1, va(0, 0, 0), 32, 0), rd(2, va(0, 0, 0, 1), 32, 200), rd(3, va(0, 0, 5), 32, 400)});
  CHECK(r.done[1].done - 0 == 55);
  CHECK(r.done[2].done - 200 == 48);
  CHECK(r.done[3].done - 400 == 61);   // PRE 800, ACT 813 (tRP), RD 826 (tRCDRD): ceil(842 / 2) + 40
}

TEST_CASE("timing: tCCD_S across bank groups, tCCD_L inside one") {
  // Vivado order: consecutive beats alternate BG0. The first 64-B read opens both banks
  // (bank 4's ACT waits tRRD_S, so its RD is at 4 + 13 = 17); the second, at AXI 100
  // (device 200), hits both rows: tCCD_S = max(2, BL/2) = 2.
  Run s = run(base(), {rd(1, 0, 64, 0), rd(2, 64, 64, 100)});
  CHECK(at(s.trace, detail::RD, 0) == 13);
  CHECK(at(s.trace, detail::RD, 1) == 17);
  CHECK(at(s.trace, detail::RD, 2) == 200);
  CHECK(at(s.trace, detail::RD, 3) == 202);
  // Column bits lowest: both beats in one bank -> tCCD_L = 3.
  HbmParams p = base();
  p.mapping = {{AddrField::Column, 0}, {AddrField::BA, 0}, {AddrField::BA, 1}, {AddrField::BG, 0},
               {AddrField::BG, 1}, {AddrField::Row, 0}};
  Run l = run(p, {rd(1, 0, 64, 0)});
  CHECK(at(l.trace, detail::RD, 0) == 13);
  CHECK(at(l.trace, detail::RD, 1) == 16);
}

TEST_CASE("timing: tRRD_S, tRRD_L and tFAW between activates") {
  HbmParams p = base();
  p.timing.tRRD_S = 3;
  p.timing.tRRD_L = 7;
  p.timing.tFAW = 20;
  // Ports 0-3 (same switch) so all arrive at cycle 0; the fifth comes from port 0 again and
  // its address goes out one AXI cycle later (device 2). Banks (bg, ba): (0,0), (0,1) share a
  // group; (1,0), (2,0), (3,0) are in other groups.
  Run r = run(p, {rd(1, va(0, 0, 0), 32, 0, 0, 0), rd(2, va(0, 1, 0), 32, 0, 0, 1), rd(3, va(1, 0, 0), 32, 0, 0, 2),
                  rd(4, va(2, 0, 0), 32, 0, 0, 3), rd(5, va(3, 0, 0), 32, 0, 0, 0)});
  CHECK(at(r.trace, detail::ACT, 0) == 0);    // (0,0)
  CHECK(at(r.trace, detail::ACT, 1) == 3);    // (1,0) after tRRD_S; (0,1) waits tRRD_L = 7
  CHECK(at(r.trace, detail::ACT, 2) == 6);    // (2,0) after tRRD_S
  CHECK(at(r.trace, detail::ACT, 3) == 9);    // (0,1) wins the tie at 9 with (3,0): older
  CHECK(at(r.trace, detail::ACT, 4) == 20);   // (3,0): fifth ACT, tFAW after the ACT at 0
  std::vector<uint32_t> banks;
  for (const auto& e : r.trace)
    if (e.cmd == detail::ACT) banks.push_back(e.bank);
  CHECK(banks == std::vector<uint32_t>{0, 4, 8, 1, 12});
}

TEST_CASE("timing: tRAS, tRP and tRC on a row conflict") {
  HbmParams p = base();
  Run r = run(p, {rd(1, va(0, 0, 0), 32, 0), rd(2, va(0, 0, 1), 32, 0)});
  CHECK(at(r.trace, detail::PRE) == 30);      // tRAS after ACT 0 (RD 13 + tRTP 4 = 17 earlier)
  CHECK(at(r.trace, detail::ACT, 1) == 43);   // PRE + tRP = ACT + tRC = 43
  p.timing.tRC = 50;
  Run c = run(p, {rd(1, va(0, 0, 0), 32, 0), rd(2, va(0, 0, 1), 32, 0)});
  CHECK(at(c.trace, detail::ACT, 1) == 50);   // tRC binds
}

TEST_CASE("timing: tRTP and tWR before a precharge") {
  HbmParams p = base();
  p.timing.tRAS = 5;
  p.timing.tRC = 10;
  Run r = run(p, {rd(1, va(0, 0, 0), 32, 0), rd(2, va(0, 0, 1), 32, 0)});
  CHECK(at(r.trace, detail::PRE) == 17);      // RD 13 + tRTP 4
  CHECK(at(r.trace, detail::ACT, 1) == 30);   // + tRP
  Run w = run(p, {wr(1, va(0, 0, 0), 32, 0), wr(2, va(0, 0, 1), 32, 0)});
  CHECK(at(w.trace, detail::PRE) == 33);      // WR 9 + tCWL 7 + BL/2 2 + tWR 15
}

TEST_CASE("timing: tWTR_L / tWTR_S write-to-read and tRTW read-to-write turnaround") {
  HbmParams p = base();
  p.timing.tWTR_L = 20;
  p.timing.tWTR_S = 12;
  // write at 0 (WR at 9), then a read arriving at AXI 5 (device 10): ACT 10, RD >= 23
  Run l = run(p, {wr(1, va(0, 0, 0), 32, 0), rd(2, va(0, 1, 0), 32, 5)});
  CHECK(at(l.trace, detail::RD) == 38);       // same BG: 9 + 7 + 2 + 20
  Run s = run(p, {wr(1, va(0, 0, 0), 32, 0), rd(2, va(1, 0, 0), 32, 5)});
  CHECK(at(s.trace, detail::RD) == 30);       // other BG: 9 + 7 + 2 + 12
  Run t = run(base(), {rd(1, va(0, 0, 0), 32, 0), wr(2, va(1, 0, 0), 32, 5)});
  CHECK(at(t.trace, detail::WR) == 25);       // RD 13 + tCL 14 + 2 + tRTW 3 - tCWL 7
}

TEST_CASE("refresh: REF every tREFI, tRFC before the next ACT, PREA first when rows are open") {
  HbmParams p = base();
  p.refresh = true;
  // idle at 3510: REF at once; the read arriving at AXI 1800 (device 3600) waits tRFC
  Run a = run(p, {rd(1, 0, 32, 1800)});
  CHECK(at(a.trace, detail::REF) == 3510);
  CHECK(at(a.trace, detail::ACT) == 3744);    // 3510 + 234
  CHECK(a.done[1].done == 1887);                 // ceil((3744 + 13 + 14 + 2) / 2)
  // a row left open at 3510: PREA, then REF tRP later
  Run b = run(p, {rd(1, 0, 32, 0), rd(2, 0, 32, 1800)});
  CHECK(at(b.trace, detail::PREA) == 3510);
  CHECK(at(b.trace, detail::REF) == 3523);
  CHECK(at(b.trace, detail::ACT, 1) == 3757);
  // an idle pseudo-channel refreshes without ticking: 56 REFs in 200000 device cycles
  Run c = run(p, {rd(1, 0, 32, 0)}, 100000);
  CHECK(c.stats.find("pc0.refreshes")->ivalue == 56);
  CHECK(c.stats.find("pc0.refresh_cycles")->ivalue == 56 * 234 + 13);  // one PREA wait (tRP)
  // 32 PCs x 56 refreshes x 2 events (start, REF) plus a handful for the read: no idle ticking
  CHECK(c.stats.find("sim_events")->ivalue >= 32 * 56 * 2);
  CHECK(c.stats.find("sim_events")->ivalue <= 32 * 56 * 2 + 10);
}

TEST_CASE("page policy: open keeps the row, closed precharges at once") {
  HbmParams p = base();
  Run o = run(p, {rd(1, 0, 32, 0), rd(2, 32 * 2, 32, 100)});
  CHECK(o.stats.find("activates")->ivalue == 1);
  CHECK(o.done[2].done == 108);                  // hit: RD at 200, ceil(216 / 2)
  p.open_page = false;
  Run c = run(p, {rd(1, 0, 32, 0), rd(2, 32 * 2, 32, 100)});
  CHECK(at(c.trace, detail::PRE) == 30);      // as soon as tRAS allows
  CHECK(c.stats.find("activates")->ivalue == 2);
  CHECK(c.done[2].done == 115);                  // ACT 200, RD 213, ceil(229 / 2)
}

TEST_CASE("mapping: Vivado default order and a custom order decode to the right banks") {
  Run v = run(base(), {rd(1, 32, 32, 0), rd(2, 2048, 32, 10), rd(3, 8192, 32, 20), rd(4, 16384, 32, 30)});
  CHECK(v.trace[0].bank == 4);    // byte 32: BG0 -> group 1, bank 4
  CHECK(v.trace[2].bank == 1);    // byte 2048: BA0
  CHECK(v.trace[4].bank == 8);    // byte 8192: BG1 -> group 2
  CHECK(v.trace[6].bank == 0);    // byte 16384: row 1 of bank 0
  CHECK(v.trace[6].row == 1);
  Json doc = load_json_file(kData + "/configs/hbm/u280.json");
  doc["controller"]["mapping"] = Json::parse(R"(["row", "column", "ba1", "ba0", "bg1", "bg0"])");
  HbmParams p = parse_hbm_preset(doc, "custom");
  p.model = "bank";
  p.refresh = false;
  Run c = run(p, {rd(1, 32, 32, 0), rd(2, 64, 32, 10), rd(3, 128, 32, 20), rd(4, 32 * 16 * 32, 32, 30)});
  CHECK(c.trace[0].bank == 4);    // bg0
  CHECK(c.trace[2].bank == 8);    // bg1
  CHECK(c.trace[4].bank == 1);    // ba0
  CHECK(c.trace[6].bank == 0);    // first row bit above 16 banks x 32 columns
  CHECK(c.trace[6].row == 1);
}

TEST_CASE("switch: crossing switches adds hop latency both ways; write data shares the lateral link") {
  HbmParams p = base();   // hop_latency 2 per switch, lateral link 1 beat per cycle
  // port 0 (switch 0) to PC 8 (switch 2): 2 hops, +4 AXI cycles each way. A read's one beat
  // crosses the links back in the cycle it transfers (nothing else on them): +8 in all.
  Run near = run(p, {rd(1, 0, 32, 0, 8, 8)});
  Run far = run(p, {rd(1, 0, 32, 0, 8, 0)});
  CHECK(far.done[1].done - near.done[1].done == 8);
  // A write's beat crosses the links on the request path first (1 cycle): +9.
  Run wnear = run(p, {wr(1, 0, 32, 0, 8, 8)});
  Run wfar = run(p, {wr(1, 0, 32, 0, 8, 0)});
  CHECK(wfar.done[1].done - wnear.done[1].done == 9);
  // ports 0 and 1 (masters M0/M1: one lateral connection) write 64 KB each to PCs 4 and 5
  // (one hop): the connection moves one beat a cycle, so the second stream is exactly 2048
  // cycles (its predecessor's beats) + 1 (the dead cycle between masters, PG276) late.
  Run two = run(p, {wr(1, 0, 65536, 0, 4, 0), wr(2, 0, 65536, 0, 5, 1)});
  Run alone = run(p, {wr(2, 0, 65536, 0, 5, 1)});
  CHECK(alone.done[2].done >= 2048 + 2 + 8);   // last beat over the link at 2048, +hop, +WR pipeline
  CHECK(two.done[2].done == alone.done[2].done + 2048 + 1);
  CHECK(two.done[2].first_data == alone.done[2].first_data + 2048 + 1);
  CHECK(two.done[1].done == alone.done[2].done);
}

TEST_CASE("switch: read data returns over the lateral link, first come first served per direction") {
  HbmParams p = base();   // hop_latency 2, lateral link 1 beat per cycle
  // All at cycle 0: port 0 (switch 0) reads 64 KB from PC 4 (switch 1), port 1 reads 2 KB
  // from PC 5 (switch 1), port 4 reads 2 KB from its own switch's PC 6.
  // 2 KB read, alone: its bursts are at the PC at AXI 2 (hop), device 4: ACT (0,0) at 4,
  // ACT (1,0) at 8 (tRRD_S), RD at 17 and 21 (tRCDRD), then one RD every tCCD_S = 2 across
  // the two bank groups: the 64th at 21 + 2 x 62 = 145. First data ceil((17 + 14 + 2) / 2)
  // + 2 = 19, last ceil((145 + 16) / 2) + 2 = 83.
  // Local 2 KB read (no hop): ACT at 0, RDs at 13 ... 141: first ceil(29 / 2) = 15, last 79.
  const Request big = rd(1, 0, 65536, 0, 4, 0), small = rd(2, 0, 2048, 0, 5, 1), local = rd(3, 0, 2048, 0, 6, 4);
  Run both = run(p, {big, small, local});
  Run big_alone = run(p, {big});
  CHECK(both.done[2].first_data == 19);
  CHECK(both.done[2].done == 83);
  CHECK(both.done[3].first_data == 15);
  CHECK(both.done[3].done == 79);
  // The DRAM delivers the small read's last beat first (83 < the big one's), so its data takes
  // the link first: cycles 17 .. 80 (its first beat at the PC's switch at 19 - 2). The big
  // read's 2048 beats follow back to back, 81 .. 2128: first at the port 81 + 2 = 83, last
  // 2128 + 2 = 2130, later than the DRAM alone would have it.
  CHECK(big_alone.done[1].first_data == 19);
  CHECK(big_alone.done[1].done < 2130);
  CHECK(both.done[1].first_data == 83);
  CHECK(both.done[1].done == 2130);
  // Other directions and channels do not share: port 4 (switch 1) reading PC 0 (switch 0)
  // sends its data the other way over the same link, and a 64 KB write from port 0 to PC 4
  // reserves the link's write path; neither moves the small read.
  Run other = run(p, {rd(1, 0, 65536, 0, 0, 4), small});
  CHECK(other.done[2].done == 83);
  CHECK(other.done[1].done == run(p, {rd(1, 0, 65536, 0, 0, 4)}).done[1].done);
  Run wr_read = run(p, {wr(1, 0, 65536, 0, 4, 0), small});
  CHECK(wr_read.done[2].done == 83);
}

TEST_CASE("switch: two lateral connections per boundary, masters M0/M1 on one and M2/M3 on the other (PG276)") {
  HbmParams p = base();   // u280: hop_latency 2, lateral_links 2, 1 beat per cycle each
  REQUIRE(p.lateral_links == 2);
  // As in the test above: port 0 reads 64 KB from PC 4, a 2 KB read from PC 5 (alone: first
  // data 19, last 83) takes the connection first, from 17 to 80. From port 1 (M1) it shares
  // port 0's connection and delays the big read to 83 / 2130; from port 2 (M2) it uses the
  // other connection and the big read is as if alone.
  const Request big = rd(1, 0, 65536, 0, 4, 0);
  const Completion big_alone = run(p, {big}).done[1];
  Run m1 = run(p, {big, rd(2, 0, 2048, 0, 5, 1)});
  CHECK(m1.done[2].done == 83);
  CHECK(m1.done[1].first_data == 83);
  CHECK(m1.done[1].done == 2130);
  Run m2 = run(p, {big, rd(2, 0, 2048, 0, 5, 2)});
  CHECK(m2.done[2].first_data == 19);
  CHECK(m2.done[2].done == 83);
  CHECK(m2.done[1].first_data == big_alone.first_data);
  CHECK(m2.done[1].done == big_alone.done);
  // The 50% limit: ports 0-3 of switch 0 each read 64 KB from PC 4 + port (switch 1), all at
  // cycle 0, the four PCs delivering alike. Per connection, the older read's data crosses first
  // (equal DRAM times; here the lower id too), from 17 (its first beat at the PC side, 19 - hop 2) for 2048 beats to
  // 2064, so it ends as if alone; the other's follows back to back, 2065 .. 4112, +2 hop:
  // done at 4114 on both connections. 4 x 64 KB by cycle 4115 is 28.7 GB/s, half of the
  // 57.6 GB/s of four ports; with one connection (the old model) the last read ends at
  // 17 + 4 x 2048 - 1 + 2 = 8210.
  const std::vector<Request> four = {rd(1, 0, 65536, 0, 4, 0), rd(2, 0, 65536, 0, 5, 1),
                                     rd(3, 0, 65536, 0, 6, 2), rd(4, 0, 65536, 0, 7, 3)};
  Run q = run(p, four);
  CHECK(q.done[1].done == big_alone.done);
  CHECK(q.done[3].done == big_alone.done);
  CHECK(q.done[2].first_data == 2065 + 2);
  CHECK(q.done[2].done == 4114);
  CHECK(q.done[4].done == 4114);
  p.lateral_links = 1;
  CHECK(run(p, four).done[4].done == 8210);
}

TEST_CASE("switch: two reads tying at a lateral link cross oldest first, whatever their ids") {
  HbmParams p = base();   // u280: hop_latency 2, lateral_links 2, 1 beat per cycle each
  // Port 0 reads 2 KB from PC 4 and port 1 (M1: the same connection) 2 KB from PC 5, both at
  // cycle 0, port 0's submitted first. Each alone: first data 19, last 83 (the test "read
  // data returns over the lateral link"); the PCs deliver alike, so both last beats leave the
  // DRAM in the same cycle: a tie at the link. The older (port 0's) crosses first, 17 .. 80:
  // first 19, done 83, as alone; the younger's 64 beats follow, 81 .. 144, +2 hop: first 83,
  // done 146. The ids run against age (the younger has the lower id, as an AXI front end's
  // reused slot index may): a tie broken by id would swap the two.
  const Request older = rd(7, 0, 2048, 0, 4, 0), younger = rd(3, 0, 2048, 0, 5, 1);
  REQUIRE(run(p, {older}).done[7].done == 83);
  REQUIRE(run(p, {younger}).done[3].done == 83);
  Run both = run(p, {older, younger});
  CHECK(both.done[7].first_data == 19);
  CHECK(both.done[7].done == 83);
  CHECK(both.done[3].first_data == 83);
  CHECK(both.done[3].done == 146);
  // Submitted the other way round, the other read is the older one and crosses first.
  Run swapped = run(p, {younger, older});
  CHECK(swapped.done[3].done == 83);
  CHECK(swapped.done[7].first_data == 83);
  CHECK(swapped.done[7].done == 146);
}

TEST_CASE("switch: a dead cycle on a lateral write connection when its master changes (PG276)") {
  HbmParams p = base();   // lateral_write_gap 1
  REQUIRE(p.lateral_write_gap == 1);
  // One 32-B write from port 1 to PC 5 (one hop): alone its beat crosses in cycle 0 and is
  // at the PC at 0 + 1 + hop 2 = 3. Behind port 0's one-beat write to PC 4 on the same
  // connection (its beat in cycle 0): the connection is free at 1, +1 dead cycle, so the
  // beat crosses at 2 and is at the PC at 5: 2 cycles later. From the same master (port 0
  // writing both, the second address one cycle later) there is no dead cycle: it crosses at
  // 1, at the PC at 4, 1 cycle later than alone (whose address leaves at 0).
  const Completion alone = run(p, {wr(2, 0, 32, 0, 5, 1)}).done[2];
  const Completion other = run(p, {wr(1, 0, 32, 0, 4, 0), wr(2, 0, 32, 0, 5, 1)}).done[2];
  const Completion same = run(p, {wr(1, 0, 32, 0, 4, 0), wr(2, 0, 32, 0, 5, 0)}).done[2];
  CHECK(other.done == alone.done + 2);
  CHECK(same.done == alone.done + 1);
  // Reads are not delayed by it (separate data channel), nor writes on the other connection.
  const Completion m2 = run(p, {wr(1, 0, 32, 0, 4, 0), wr(2, 0, 32, 0, 5, 2)}).done[2];
  CHECK(m2.done == alone.done);
  p.lateral_write_gap = 0;
  CHECK(run(p, {wr(1, 0, 32, 0, 4, 0), wr(2, 0, 32, 0, 5, 1)}).done[2].done == alone.done + 1);
}

TEST_CASE("write drain: a starvation limit bounds the read bursts served while a write waits") {
  // One PC, port 0 sends eight 32-B reads to one row of bank (bg 0, ba 0) (one burst each, one
  // address per AXI cycle: device 0, 2, .., 14), port 1 one 64-B write (one burst) at cycle 0
  // to banks (bg 2, ba 0) and (bg 3, ba 0). One write never reaches write_high (24): it waits
  // until the reads are gone. Reads: ACT 0, RD 13 (tRCDRD), then one every tCCD_L = 3: 13, 16,
  // .., 34. Then writes: ACT (2,0) at 34, ACT (3,0) at 38 (tRRD_S), WR at max(34 + tRCDWR 9,
  // 34 + RD->WR 12) = 46 and max(38 + 9, 46 + tCCD_S 2) = 48: ack ceil((48 + 7 + 2) / 2) = 29.
  HbmParams p = base();
  REQUIRE(p.starvation_limit == 0);
  std::vector<Request> reqs;
  for (uint32_t k = 0; k < 8; ++k) reqs.push_back(rd(1 + k, va(0, 0, 0, k), 32, 0, 0, 0));
  reqs.push_back(wr(9, va(2, 0, 0), 64, 0, 0, 1));
  Run r = run(p, reqs);
  CHECK(at(r.trace, detail::WR, 0) == 46);
  CHECK(at(r.trace, detail::WR, 1) == 48);
  CHECK(r.done[9].done == 29);
  CHECK(r.done[8].done == 25);   // RD 34: ceil((34 + 14 + 2) / 2)
  // Limit 4: the 4th read burst is done at RD 22 and the controller serves writes until the
  // write burst is done: ACT (2,0) at 22, ACT (3,0) at 26, WR at max(22 + 9, 22 + 12) = 34 and
  // max(26 + 9, 34 + 2) = 36, ack ceil(45 / 2) = 23. Then reads (no write left): the 5th RD at
  // max(36 + WR->RD tCWL + BL/2 + tWTR_S = 36 + 13, 22 + tCCD_L) = 49, then 52, 55, 58: the
  // last read's data at ceil((58 + 16) / 2) = 37.
  p.starvation_limit = 4;
  Run s = run(p, reqs);
  CHECK(at(s.trace, detail::ACT, 1) == 22);
  CHECK(at(s.trace, detail::ACT, 2) == 26);
  CHECK(at(s.trace, detail::WR, 0) == 34);
  CHECK(at(s.trace, detail::WR, 1) == 36);
  CHECK(s.done[9].done == 23);
  CHECK(at(s.trace, detail::RD, 4) == 49);
  CHECK(s.done[8].done == 37);
  // A limit the reads never reach changes nothing.
  p.starvation_limit = 8;
  Run n = run(p, reqs);
  CHECK(at(n.trace, detail::WR, 0) == 46);
  CHECK(n.done[9].done == 29);
  // Only reads served while the write waits count: arriving at AXI 12 (device 24, after the RDs
  // at 13 .. 22), it sees the RDs at 25, 28, 31, 34, the 4th of which leaves no read anyway:
  // the write goes as without a limit (ACT 34, WR 46, ack 29 - 12 = 17 cycles after arrival).
  p.starvation_limit = 4;
  reqs.back().arrival = 12;
  Run late = run(p, reqs);
  CHECK(at(late.trace, detail::WR, 0) == 46);
  CHECK(late.done[9].done == 29);
  // Two 32-B writes to bank (2,0) instead (device 0 and 2), limit 4: the forced turn ends with
  // the first write burst (WR at max(22 + 9, 22 + 12) = 34); with one write left (<= write_low)
  // and reads waiting, back to reads: RD at 47, 50, 53, 56 (data ceil(72 / 2) = 36); then the
  // second write at max(56 + RD->WR 12, 34 + tCCD_L 3) = 68, ack ceil((68 + 9) / 2) = 39.
  reqs.back() = wr(9, va(2, 0, 0), 32, 0, 0, 1);
  reqs.push_back(wr(10, va(2, 0, 0, 1), 32, 0, 0, 1));
  Run two = run(p, reqs);
  CHECK(at(two.trace, detail::WR, 0) == 34);
  CHECK(at(two.trace, detail::RD, 4) == 47);
  CHECK(two.done[8].done == 36);
  CHECK(at(two.trace, detail::WR, 1) == 68);
  CHECK(two.done[10].done == 39);
}

TEST_CASE("write drain: a starvation limit bounds the write bursts served while a read waits") {
  // write_high 1, write_low 0: once writing, the controller drains every queued write. Port 1
  // sends four 32-B writes to one row of bank (bg 2, ba 0) (device 0, 2, 4, 6), port 0 one
  // 64-B read (one burst: banks (bg 0, ba 0) and (bg 1, ba 0)) at AXI 2 (device 4). Writes:
  // ACT 0, WR 9 (tRCDWR), then one every tCCD_L = 3: 9, 12, 15, 18. The read waits for all
  // four: ACT (0,0) at 18, ACT (1,0) at 22 (tRRD_S), RD at max(18 + tRCDRD 13, 18 + WR->RD
  // tCWL + BL/2 + tWTR_S = 18 + 13) = 31 and max(22 + 13, 31 + tCCD_S 2) = 35, data
  // ceil((35 + 16) / 2) = 26.
  HbmParams p = base();
  p.write_high = 1;
  p.write_low = 0;
  std::vector<Request> reqs;
  for (uint32_t k = 0; k < 4; ++k) reqs.push_back(wr(1 + k, va(2, 0, 0, k), 32, 0, 0, 1));
  reqs.push_back(rd(5, va(0, 0, 0), 64, 2, 0, 0));
  Run r = run(p, reqs);
  CHECK(at(r.trace, detail::WR, 3) == 18);
  CHECK(at(r.trace, detail::RD, 0) == 31);
  CHECK(at(r.trace, detail::RD, 1) == 35);
  CHECK(r.done[5].done == 26);
  CHECK(r.done[4].done == 14);   // WR 18: ceil((18 + 7 + 2) / 2)
  // Limit 2: the 2nd write burst done while the read waits (WR 12) turns the controller to
  // reads until the read burst is done (both beats, though write_high is passed meanwhile):
  // ACT (0,0) at 12, ACT (1,0) at 16, RD at max(12 + 13, 12 + 13) = 25 and max(16 + 13, 25 + 2)
  // = 29, data ceil(45 / 2) = 23. Then the writes again: WR at max(29 + RD->WR 12, 12 + 3) = 41
  // and 44: the last ack ceil((44 + 9) / 2) = 27.
  p.starvation_limit = 2;
  Run s = run(p, reqs);
  CHECK(at(s.trace, detail::ACT, 1) == 12);
  CHECK(at(s.trace, detail::ACT, 2) == 16);
  CHECK(at(s.trace, detail::RD, 0) == 25);
  CHECK(at(s.trace, detail::RD, 1) == 29);
  CHECK(s.done[5].done == 23);
  CHECK(at(s.trace, detail::WR, 2) == 41);
  CHECK(at(s.trace, detail::WR, 3) == 44);
  CHECK(s.done[4].done == 27);
  // Only writes served while the read waits count: arriving at AXI 7 (device 14, after the WRs
  // at 9 and 12), it sees the WRs at 15 and 18, the 2nd of which leaves no write anyway: the
  // read goes as without a limit (RD 31 and 35, data 26).
  Request late_rd = reqs.back();
  late_rd.arrival = 7;
  std::vector<Request> late_reqs = reqs;
  late_reqs.back() = late_rd;
  Run late = run(p, late_reqs);
  CHECK(at(late.trace, detail::RD, 0) == 31);
  CHECK(at(late.trace, detail::RD, 1) == 35);
  CHECK(late.done[5].done == 26);
  // Two 32-B reads to bank (0,0) instead (AXI 2 and 3), limit 2: the forced turn ends with the
  // first read burst (ACT 12, RD 25, data ceil(41 / 2) = 21); write_high is passed, so writes:
  // WR at max(25 + 12, 12 + 3) = 37 and 40; then the second read at max(40 + 13, 25 + tCCD_L)
  // = 53, data ceil((53 + 16) / 2) = 35.
  reqs.back() = rd(5, va(0, 0, 0), 32, 2, 0, 0);
  reqs.push_back(rd(6, va(0, 0, 0, 1), 32, 3, 0, 0));
  Run two = run(p, reqs);
  CHECK(at(two.trace, detail::RD, 0) == 25);
  CHECK(two.done[5].done == 21);
  CHECK(at(two.trace, detail::WR, 2) == 37);
  CHECK(at(two.trace, detail::RD, 1) == 53);
  CHECK(two.done[6].done == 35);
}

TEST_CASE("ingress: a write enters its queue while a read waits for room in the read queue (AR / AW)") {
  // Read queue of one burst, write_high 1 (one queued write starts a drain), write_low 0. Port 0
  // sends two 32-B reads to one row of bank (bg 0, ba 0) at AXI 0 (device 0 and 2), port 1 one
  // 32-B write to bank (bg 2, ba 0) at AXI 2 (device 4). The second read waits for room until
  // the first one's RD; the write has room from device 4 on. It enters then and starts the
  // drain: ACT (2,0) at max(4, 0 + tRRD_S 4) = 4, WR at 4 + tRCDWR 9 = 13, ack
  // ceil((13 + 7 + 2) / 2) = 11. Then reads: the first RD at max(0 + tRCDRD 13, 13 + WR->RD
  // tCWL + BL/2 + tWTR_S = 13 + 13) = 26 (data ceil(42 / 2) = 21), the second read enters then
  // and its RD is at 26 + tCCD_L 3 = 29 (data ceil(45 / 2) = 23).
  // Through one in-order ingress (before), the write entered behind the second read at 13,
  // after the first RD (13): ACT 13, WR at max(13 + 9, 13 + RD->WR 12) = 25, ack 17.
  HbmParams p = base();
  p.read_queue = 1;
  p.write_high = 1;
  p.write_low = 0;
  Run r = run(p, {rd(1, va(0, 0, 0), 32, 0, 0, 0), rd(2, va(0, 0, 0, 1), 32, 0, 0, 0), wr(3, va(2, 0, 0), 32, 2, 0, 1)});
  CHECK(at(r.trace, detail::ACT, 1) == 4);
  CHECK(at(r.trace, detail::WR) == 13);
  CHECK(r.done[3].done == 11);
  CHECK(at(r.trace, detail::RD, 0) == 26);
  CHECK(at(r.trace, detail::RD, 1) == 29);
  CHECK(r.done[1].done == 21);
  CHECK(r.done[2].done == 23);
}

TEST_CASE("ingress: a read enters its queue while a write waits for room in the write queue (AR / AW)") {
  // Write queue of one burst, the preset's watermarks (24 / 8). Port 1 sends two 32-B writes to
  // one row of bank (bg 2, ba 0) at AXI 0 (device 0 and 2), port 0 one 32-B read to bank
  // (bg 0, ba 0) at AXI 2 (device 4). The first write finds no read: drain, ACT (2,0) at 0.
  // The read enters at 4 (the second write waits for room): with one write queued (<= 8) and a
  // read, back to reads: ACT (0,0) at 0 + tRRD_S 4 = 4, RD at 4 + tRCDRD 13 = 17, data
  // ceil((17 + 14 + 2) / 2) = 17. Then the first WR at max(0 + tRCDWR 9, 17 + RD->WR 12) = 29
  // (ack ceil((29 + 9) / 2) = 19), the second write enters and its WR is at 29 + tCCD_L 3 = 32
  // (ack ceil(41 / 2) = 21).
  // Through one in-order ingress (before), the read entered behind the second write at the
  // first WR (9): ACT 9, RD at max(9 + 13, 9 + WR->RD 13) = 22, data 19.
  HbmParams p = base();
  p.write_queue = 1;
  REQUIRE(p.write_high == 24);
  REQUIRE(p.write_low == 8);
  Run r = run(p, {wr(1, va(2, 0, 0), 32, 0, 0, 1), wr(2, va(2, 0, 0, 1), 32, 0, 0, 1), rd(3, va(0, 0, 0), 32, 2, 0, 0)});
  CHECK(at(r.trace, detail::ACT, 1) == 4);
  CHECK(at(r.trace, detail::RD) == 17);
  CHECK(r.done[3].done == 17);
  CHECK(at(r.trace, detail::WR, 0) == 29);
  CHECK(at(r.trace, detail::WR, 1) == 32);
  CHECK(r.done[1].done == 19);
  CHECK(r.done[2].done == 21);
}

TEST_CASE("bandwidth: sequential reads over 32 PCs land at 420-426 GB/s (refresh is the gap)") {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  p.model = "bank";
  BenchSpec s;
  s.size = 65536;
  s.requests = 48;
  s.outstanding = 2;
  const BenchResult r = run_bench(p, s);
  CHECK(r.bandwidth_gbs > 420.0);
  CHECK(r.bandwidth_gbs < 426.0);
  CHECK(r.row_hit_rate > 0.95);
  CHECK(r.refresh_overhead > 0.066);   // >= tRFC / tREFI = 6.67 %
  p.refresh = false;
  const BenchResult n = run_bench(p, s);
  CHECK(n.bandwidth_gbs > 455.0);      // without refresh the data bus is nearly always busy
}

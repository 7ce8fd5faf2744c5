// KvStoreEngine (KV_STORE; docs/rtl.md step 27) against a stub HBM whose writes are answered a
// fixed 40 cycles after their submission: table reads held by the walk, the 3-cycle token without
// an own entry, a port's next write after its previous one's answer, the end state, by hand.
#include <catch2/catch.hpp>
#include <functional>
#include <vector>
#include <systemc>

#include "skipopu/kv_store_engine.hpp"

using namespace skipopu;

namespace {

// Every write is answered kLatency core cycles after its submission; it records (cycle, pc, bytes).
struct StubWrites : sc_core::sc_module, HbmIf {
  static constexpr uint64_t kLatency = 40;
  const CoreClock& clk;
  std::vector<std::vector<uint64_t>> subs;
  StubWrites(sc_core::sc_module_name n, const CoreClock& c) : sc_module(n), clk(c) {}
  void submit(HbmJob& job) override {
    const auto& r = job.reqs.requests();
    REQUIRE(r.size() == 1);
    REQUIRE(r[0].write);
    subs.push_back({clk.now(), r[0].pc, r[0].bytes});
    job.submitted_at = clk.now();
    job.done = clk.now() + kLatency;
    job.outstanding = 1;
  }
  void wait_for(HbmJob& job) override {
    if (job.outstanding == 0) return;
    if (clk.now() < job.done) clk.wait_until(job.done);
    job.outstanding = 0;
  }
};

struct Rig : sc_core::sc_module {
  CoreClock clk{225000000};
  StubWrites hbm{"hbm", clk};
  KvStoreEngine store{"store", clk, 2, 32};
  std::function<void(Rig&)> body;
  explicit Rig(sc_core::sc_module_name n) : sc_module(n) {
    store.hbm.bind(hbm);
    SC_HAS_PROCESS(Rig);
    SC_THREAD(run);
  }
  void run() {
    body(*this);
    sc_core::sc_stop();
  }
};

hbm::Request piece(uint32_t pc, uint64_t addr, uint64_t bytes) {
  hbm::Request r;
  r.pc = r.port = pc;
  r.addr = addr;
  r.bytes = bytes;
  r.write = true;
  return r;
}

}  // namespace

TEST_CASE("KV_STORE engine: table reads after the walk's, one write a port until answered, by hand") {
  Rig rig("rig");
  uint64_t accepted = 0;
  rig.body = [&](Rig& r) {
    r.clk.wait_until(10);
    r.store.accept();  // idle: taken at once
    KvStoreWork& w = r.store.work();
    w.clear();
    // token 0 not this layer's own; tokens 1 and 2 on pseudo-channel 0 (8 beats each); token 3
    // on pseudo-channel 1 (2 beats)
    w.begin.push_back(0);
    w.pieces.push_back(piece(0, 0, 256));
    w.begin.push_back(1);
    w.pieces.push_back(piece(0, 256, 256));
    w.begin.push_back(2);
    w.pieces.push_back(piece(1, 0, 64));
    w.begin.push_back(3);
    r.store.start();
    // The attention issued the cycle after (11) reads the table for 3 tokens: 11, 12, 13.
    r.clk.wait_until(11);
    r.store.walk_reads(11, {{0, 3}}, 1);
    r.store.accept();  // the next KV_STORE
    accepted = r.clk.now();
  };
  sc_core::sc_start();
  // token 0: read asked at 11, held by the walk to 13, granted 14; not own: next read 17.
  // token 1: read 17, handshake 19, write 20 (answered 60), 8 beats 21..28, next read 30.
  // token 2: read 30, handshake at max(32, 60 + 1) = 61 (29 cycles for the port), write 62
  //   (answered 102), beats 63..70, next read 72.
  // token 3: read 72, handshake 74, write 75 (answered 115), beats 76..77, its last state 78.
  // End state from 79 until the last answer + 1 = 116; idle at 117.
  CHECK(rig.hbm.subs == std::vector<std::vector<uint64_t>>{{20, 0, 256}, {62, 0, 256}, {75, 1, 64}});
  CHECK(accepted == 117);
  StatGroup g;
  rig.store.report(g);
  CHECK(g.find("stores")->ivalue == 1);
  CHECK(g.find("writes")->ivalue == 3);
  CHECK(g.find("table_wait_cycles")->ivalue == 3);
  CHECK(g.find("port_wait_cycles")->ivalue == 29);
  CHECK(g.find("busy_cycles")->ivalue == 117 - 10 - 1);
}

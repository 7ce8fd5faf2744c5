// AXI front end (src/hbm/axi_frontend.hpp): hand-computed cycles on tiny cases over the burst
// model (FCFS per PC, first beat `latency` cycles after service start, one beat per cycle),
// byte-identity with the bare models when it imposes nothing, order and switch invariants on
// random traffic, independence from how the engine is polled, and the preset keys.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "../../src/hbm/axi_frontend.hpp"
#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_bench.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

static HbmParams preset(const std::string& model, const std::string& name = "u280") {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/" + name + ".json");
  p.model = model;
  p.pseudo_channels = 4;
  p.ports = 4;
  p.id_ordering = HbmParams::IdOrdering::None;
  p.max_outstanding_reads = p.max_outstanding_writes = 0;
  return p;
}

static std::unique_ptr<Model> front(HbmParams p) {  // the front end over the bare model of p
  HbmParams bare = p;
  bare.id_ordering = HbmParams::IdOrdering::None;
  bare.max_outstanding_reads = bare.max_outstanding_writes = 0;
  return std::make_unique<AxiFrontEnd>(p, make_model(bare));
}

// Drives a model like the SystemC wrapper (wake at next_event or at the next arrival), by
// polling every AXI cycle, or in jumps (pop up to the next arrival only, then to a far cycle
// (the bank model refreshes all the way there), or ahead (requests submitted up to 40 cycles
// before they arrive, like the wrapper's clock crossing):
// the engine must then step its inner model itself); returns the completions in pop order.
enum class Poll { AtEvents, EveryCycle, Jumps, Ahead };
static std::vector<Completion> drive(Model& m, const std::vector<Request>& reqs, Poll poll) {
  std::vector<Completion> out;
  Completion c;
  const bool every_cycle = poll == Poll::EveryCycle;
  auto drain_to = [&](Cycle t) {
    if (poll == Poll::Jumps || poll == Poll::Ahead) {
    } else if (every_cycle) {
      for (Cycle u = m.now() + 1; u <= t; ++u)
        while (m.pop_completion(u, c)) out.push_back(c);
    } else {
      for (Cycle e; (e = m.next_event()) <= t;)
        while (m.pop_completion(e, c)) out.push_back(c);
    }
    while (m.pop_completion(t, c)) out.push_back(c);
  };
  for (size_t i = 0; i < reqs.size(); ++i) {  // requests of one arrival cycle submitted together, like a job
    const Cycle lead = poll == Poll::Ahead ? 40 : 0;
    if (i == 0 || reqs[i].arrival != reqs[i - 1].arrival)
      drain_to(std::max(m.now(), reqs[i].arrival > lead ? reqs[i].arrival - lead : 0));
    m.submit(reqs[i]);
  }
  if (poll == Poll::Jumps && !reqs.empty()) drain_to(reqs.back().arrival + 200000);  // far past the last completion
  for (Cycle t; (t = m.next_event()) != kNever;) drain_to(t);
  return out;
}

static std::vector<Completion> drive(Model& m, const std::vector<Request>& reqs, bool every_cycle) {
  return drive(m, reqs, every_cycle ? Poll::EveryCycle : Poll::AtEvents);
}

static Request req(uint64_t id, uint32_t port, uint32_t pc, uint64_t bytes, uint32_t axi_id, Cycle arrival,
                   bool write = false) {
  Request r;
  r.id = id;
  r.port = port;
  r.pc = pc;
  r.addr = 0;
  r.bytes = bytes;
  r.write = write;
  r.arrival = arrival;
  r.axi_id = axi_id;
  return r;
}

using Times = std::map<uint64_t, std::pair<Cycle, Cycle>>;  // id -> (first_data, done)
static Times times_of(const std::vector<Completion>& v) {
  Times t;
  for (const Completion& c : v) t[c.id] = {c.first_data, c.done};
  return t;
}

TEST_CASE("axi front end: same ID to two PCs, the second waits for the first's response (hand-computed)") {
  HbmParams p = preset("burst");
  p.burst_latency = 10;
  const std::vector<Request> reqs = {req(1, 0, 0, 32, 0, 0), req(2, 0, 1, 32, 0, 0)};
  // single slave per ID: request 1 issues at 0 to PC 0, first = done = 0 + 10. Request 2 (PC 1,
  // same ID) waits; request 1's response at 10 frees the ID for cycle 11 (release_cycles 1):
  // PC 1 serves it at 11, first = done = 21.
  p.id_ordering = HbmParams::IdOrdering::SingleSlavePerId;
  auto m = front(p);
  const auto v = drive(*m, reqs, false);
  REQUIRE(v.size() == 2);
  CHECK(v[0].id == 1);
  CHECK(v[0].first_data == 10);
  CHECK(v[0].done == 10);
  CHECK(v[1].id == 2);
  CHECK(v[1].arrival == 0);
  CHECK(v[1].first_data == 21);
  CHECK(v[1].done == 21);
  // Response order only: both issue at 0 and finish at 10; request 2's beat follows request 1's
  // on the ID's data stream: first = done = 11.
  p.id_ordering = HbmParams::IdOrdering::PerIdInOrder;
  CHECK(times_of(drive(*front(p), reqs, false)) == Times{{1, {10, 10}}, {2, {11, 11}}});
  // No ordering: what the burst model gives.
  p.id_ordering = HbmParams::IdOrdering::None;
  CHECK(times_of(drive(*front(p), reqs, false)) == Times{{1, {10, 10}}, {2, {10, 10}}});
  // Two IDs: no wait even under the switch rule.
  p.id_ordering = HbmParams::IdOrdering::SingleSlavePerId;
  CHECK(times_of(drive(*front(p), {req(1, 0, 0, 32, 0, 0), req(2, 0, 1, 32, 1, 0)}, false)) ==
        Times{{1, {10, 10}}, {2, {10, 10}}});
  // Same ID, same PC: no wait; PC 0 serves them back to back.
  CHECK(times_of(drive(*front(p), {req(1, 0, 0, 32, 0, 0), req(2, 0, 0, 32, 0, 0)}, false)) ==
        Times{{1, {10, 10}}, {2, {11, 11}}});
  // Reads and writes have separate IDs: a write of ID 0 to PC 1 does not wait for a read of ID 0.
  CHECK(times_of(drive(*front(p), {req(1, 0, 0, 32, 0, 0), req(2, 0, 1, 32, 0, 0, true)}, false)) ==
        Times{{1, {10, 10}}, {2, {10, 10}}});
}

TEST_CASE("axi front end: an ID whose responses have all returned may go to another PC at once (hand-computed)") {
  HbmParams p = preset("burst");
  p.burst_latency = 10;
  p.id_ordering = HbmParams::IdOrdering::SingleSlavePerId;
  // Request 1 (ID 0, PC 0) at 0: done 10, the ID free from 11. Request 2 (ID 0, PC 1) arrives at
  // 20 with nothing of its ID outstanding: it issues at once, first = done = 30; request 3 (ID 0,
  // PC 0) at 25 waits for it: freed at 31, done 41. (Without settling the ID's returned
  // responses before the switch check, request 2 would wait for a free already past.)
  const std::vector<Request> reqs = {req(1, 0, 0, 32, 0, 0), req(2, 0, 1, 32, 0, 20), req(3, 0, 0, 32, 0, 25)};
  for (Poll poll : {Poll::AtEvents, Poll::EveryCycle, Poll::Jumps}) {
    auto m = front(p);
    CHECK(times_of(drive(*m, reqs, poll)) == Times{{1, {10, 10}}, {2, {30, 30}}, {3, {41, 41}}});
    StatGroup g("hbm");
    m->report(g, 100);
    CHECK(g.find("axi_id_stalls")->ivalue == 1);
  }
}

TEST_CASE("axi front end: responses of one ID return in order, other IDs pass (hand-computed)") {
  HbmParams p = preset("burst");
  p.burst_latency = 10;
  p.id_ordering = HbmParams::IdOrdering::PerIdInOrder;
  // r1: 4 beats to PC 0, ID 0: first 10, done 13. r2: 1 beat to PC 1, ID 0: the burst model gives
  // 10/10, but it must follow r1: first = 13 + 1, done = max(10, 13 + 1) = 14. r3: 1 beat to
  // PC 1 behind r2, ID 1: 11/11, not held.
  const std::vector<Request> reqs = {req(1, 0, 0, 128, 0, 0), req(2, 0, 1, 32, 0, 0), req(3, 0, 1, 32, 1, 0)};
  const auto v = drive(*front(p), reqs, false);
  REQUIRE(v.size() == 3);
  CHECK(v[0].id == 3);  // popped in order of done
  CHECK(v[1].id == 1);
  CHECK(v[2].id == 2);
  CHECK(times_of(v) == Times{{1, {10, 13}}, {2, {14, 14}}, {3, {11, 11}}});
  // A held read of 2 beats takes its beats after the previous response: done = 13 + 2.
  CHECK(times_of(drive(*front(p), {req(1, 0, 0, 128, 0, 0), req(2, 0, 1, 64, 0, 0)}, false)) ==
        Times{{1, {10, 13}}, {2, {14, 15}}});
  // Writes: the response of a held write comes one cycle after the previous one of its ID.
  CHECK(times_of(drive(*front(p), {req(1, 0, 0, 128, 0, 0, true), req(2, 0, 1, 32, 0, 0, true)}, false)) ==
        Times{{1, {10, 13}}, {2, {10, 14}}});
}

TEST_CASE("axi front end: outstanding limit per port and direction (hand-computed)") {
  HbmParams p = preset("burst");
  p.burst_latency = 10;
  p.max_outstanding_reads = 2;
  p.max_outstanding_writes = 1;
  // Three reads to PC 0 at 0: r1 10/10, r2 11/11; r3 waits for r1's response (10), issues at 11,
  // PC 0 is free: 21/21. A read on another port is not limited by port 0: 12/12 (PC 0 FCFS).
  auto v = times_of(drive(*front(p), {req(1, 0, 0, 32, 0, 0), req(2, 0, 0, 32, 1, 0), req(3, 0, 0, 32, 2, 0),
                                       req(4, 1, 0, 32, 0, 0)}, false));
  CHECK(v == Times{{1, {10, 10}}, {2, {11, 11}}, {3, {21, 21}}, {4, {12, 12}}});
  // Writes have their own limit (1): w2 waits for w1's response at 10 and issues at 11 -> 21.
  // The reads on the same port are not held by it.
  v = times_of(drive(*front(p), {req(1, 0, 0, 32, 0, 0, true), req(2, 0, 1, 32, 1, 0, true), req(3, 0, 2, 32, 0, 0)}, false));
  CHECK(v == Times{{1, {10, 10}}, {2, {21, 21}}, {3, {10, 10}}});
  // Head of line: r2 (blocked by the limit) holds r3 behind it, although r3 targets an idle PC.
  p.max_outstanding_reads = 1;
  v = times_of(drive(*front(p), {req(1, 0, 0, 32, 0, 0), req(2, 0, 1, 32, 1, 0), req(3, 0, 2, 32, 2, 0)}, false));
  CHECK(v == Times{{1, {10, 10}}, {2, {21, 21}}, {3, {32, 32}}});
}

static std::vector<Request> random_requests(uint64_t seed, const HbmParams& p, uint32_t n, uint32_t ids,
                                            bool unique_ids) {
  SplitMix64 rng(seed);
  std::vector<Request> v;
  Cycle t = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Request r;
    r.id = 1000 + i;
    t += rng.below(5) == 0 ? rng.below(60) : rng.below(3);
    r.arrival = t;
    r.port = uint32_t(rng.below(p.ports));
    r.pc = uint32_t(rng.below(p.pseudo_channels));
    r.bytes = rng.below(6) == 0 ? 32 * (1 + rng.below(64)) : 32 * (1 + rng.below(4));
    r.addr = (rng.below(1 << 14) * 32) % (p.pc_bytes - r.bytes);
    r.write = rng.below(10) < 3;
    r.axi_id = unique_ids ? i : uint32_t(rng.below(ids));
    v.push_back(r);
  }
  return v;
}

static void check_same(const std::vector<Completion>& a, const std::vector<Completion>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("completion " << i);
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].arrival == b[i].arrival);
    CHECK(a[i].first_data == b[i].first_data);
    CHECK(a[i].done == b[i].done);
  }
}

TEST_CASE("axi front end: imposing nothing, it is byte-identical to the bare burst and bank models") {
  for (const char* model : {"burst", "bank"})
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      INFO(model << " seed " << seed);
      HbmParams p = preset(model, seed % 4 == 3 ? "ramulator2_hbm2_2000" : "u280");
      p.ids_per_port = 1024;  // every request its own ID (600 per run)
      const auto reqs = random_requests(seed, p, 600, 4, seed % 2 == 0);
      const bool every = seed % 3 == 0;
      const auto bare = drive(*make_model(p), reqs, every);
      REQUIRE(bare.size() == reqs.size());
      // none, unlimited
      check_same(drive(*front(p), reqs, every), bare);
      check_same(drive(*front(p), reqs, Poll::Jumps), bare);
      check_same(drive(*front(p), reqs, Poll::Ahead), bare);
      // ordering on, but nothing to order (every request its own ID); limits that never bind
      HbmParams q = p;
      q.max_outstanding_reads = q.max_outstanding_writes = 1000;
      const auto uniq = random_requests(seed, p, 600, 4, true);
      const auto bare_u = drive(*make_model(p), uniq, every);
      q.id_ordering = HbmParams::IdOrdering::PerIdInOrder;
      check_same(drive(*front(q), uniq, every), bare_u);
      q.id_ordering = HbmParams::IdOrdering::SingleSlavePerId;
      check_same(drive(*front(q), uniq, every), bare_u);
    }
}

TEST_CASE("axi front end: random traffic keeps AXI order, the switch rule and the limits; polling does not matter") {
  for (const char* model : {"burst", "bank"})
    for (uint64_t seed = 11; seed <= 16; ++seed) {
      INFO(model << " seed " << seed);
      HbmParams p = preset(model);
      p.burst_latency = 7;
      p.id_ordering = seed % 2 ? HbmParams::IdOrdering::SingleSlavePerId : HbmParams::IdOrdering::PerIdInOrder;
      p.max_outstanding_reads = seed % 3 == 0 ? 0 : 3;
      p.max_outstanding_writes = 2;
      const auto reqs = random_requests(seed, p, 500, 3, false);
      const auto v = drive(*front(p), reqs, false);
      REQUIRE(v.size() == reqs.size());
      check_same(drive(*front(p), reqs, true), v);  // polled every cycle: the same
      check_same(drive(*front(p), reqs, Poll::Jumps), v);  // or only at arrivals
      check_same(drive(*front(p), reqs, Poll::Ahead), v);  // or with requests submitted ahead
      std::map<uint64_t, Completion> by_id;
      for (const Completion& c : v) by_id[c.id] = c;
      for (size_t i = 1; i < v.size(); ++i) {  // pop order: by done, ties by id
        CHECK(v[i - 1].done <= v[i].done);
        if (v[i - 1].done == v[i].done) CHECK(v[i - 1].id < v[i].id);
      }
      // Per (port, direction, ID), in submit order: responses strictly in order, a read's first
      // beat after the previous response; under the switch rule a transaction to another PC
      // starts only after the previous one's response (+1 release cycle, + the burst model's
      // latency when that is the model).
      std::map<std::tuple<uint32_t, bool, uint32_t>, const Request*> last;
      for (const Request& r : reqs) {
        const auto key = std::make_tuple(r.port, r.write, r.axi_id);
        const Completion& c = by_id.at(r.id);
        CHECK(c.arrival == r.arrival);
        CHECK(c.first_data <= c.done);
        if (last.count(key)) {
          const Request& q = *last[key];
          const Completion& cq = by_id.at(q.id);
          CHECK(c.done > cq.done);
          if (!r.write) CHECK(c.first_data > cq.done);
          if (p.id_ordering == HbmParams::IdOrdering::SingleSlavePerId && q.pc != r.pc) {
            const Cycle lat = std::string(model) == "burst" ? p.burst_latency : 0;
            CHECK(c.first_data >= cq.done + p.release_cycles + lat);
          }
        }
        last[key] = &r;
      }
    }
}

TEST_CASE("axi front end: preset keys are required and checked") {
  Json doc = load_json_file(kData + "/configs/hbm/u280.json");
  CHECK(parse_hbm_preset(doc, "u280.json").id_ordering == HbmParams::IdOrdering::SingleSlavePerId);
  CHECK(parse_hbm_preset(doc, "u280.json").axi_front_end());
  Json bad = doc;
  bad["axi"]["id_ordering"] = "fifo";
  CHECK_THROWS_WITH(parse_hbm_preset(bad, "x.json"), Catch::Contains("x.json") && Catch::Contains("/axi/id_ordering"));
  bad = doc;
  bad["axi"].erase("max_outstanding_reads");
  CHECK_THROWS_WITH(parse_hbm_preset(bad, "x.json"), Catch::Contains("/axi/max_outstanding_reads"));
  bad = doc;
  bad["axi"]["release_cycles"] = 0;
  CHECK_THROWS_WITH(parse_hbm_preset(bad, "x.json"), Catch::Contains("/axi/release_cycles"));
  // Off in the public simulators' presets: make_model gives the bare model.
  HbmParams g = load_hbm_preset(kData + "/configs/hbm/ramulator2_hbm2_2000.json");
  CHECK_FALSE(g.axi_front_end());
  CHECK(dynamic_cast<AxiFrontEnd*>(make_model(g).get()) == nullptr);
  HbmParams u = load_hbm_preset(kData + "/configs/hbm/u280.json");
  CHECK(dynamic_cast<AxiFrontEnd*>(make_model(u).get()) != nullptr);
  // A request with an ID beyond ids_per_port is a caller bug.
  auto m = make_model(u);
  CHECK_THROWS_AS(m->submit(req(1, 0, 0, 32, u.ids_per_port, 0)), std::logic_error);
}

TEST_CASE("hbm-bench: streams (a vector add in one PC), AXI IDs and PCs drawn per request") {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  p.model = "bank";
  BenchSpec s;
  s.size = 64;
  s.requests = 500;
  s.outstanding = 8;
  s.streams = {parse_bench_stream("port=0,pc=3,base=0,dir=read", "t"), parse_bench_stream("port=1,pc=3,base=64M,dir=read", "t"),
               parse_bench_stream("port=2,pc=3,base=128M,dir=write", "t")};
  CHECK(s.streams[1].base == (64ull << 20));
  StatGroup g("hbm");
  const BenchResult r = run_bench(p, s, false, &g);
  CHECK(r.requests == 1500);
  CHECK(r.peak_gbs == Approx(14.4));
  const StatGroup* pc3 = nullptr;
  for (const StatGroup& c : g.groups())
    if (c.name() == "pc3") pc3 = &c;
  REQUIRE(pc3 != nullptr);
  CHECK(pc3->find("bytes_read")->ivalue == 2 * 500 * 64);
  CHECK(pc3->find("bytes_written")->ivalue == 500 * 64);
  CHECK(g.find("bytes_read")->ivalue == 2 * 500 * 64);  // nothing elsewhere
  // Bad streams: one line naming the field.
  CHECK_THROWS_WITH(parse_bench_stream("port=0,pc=3,dir=up", "command line"), Catch::Contains("dir"));
  CHECK_THROWS_WITH(parse_bench_stream("port=0", "command line"), Catch::Contains("needs port=P and pc="));
  CHECK_THROWS_WITH(parse_bench_stream("port=0,pc=3-1", "command line"), Catch::Contains("A <= B"));
  BenchSpec dup = s;
  dup.streams[1].port = 0;
  CHECK_THROWS_WITH(validate_bench(p, dup, "command line"), Catch::Contains("two streams on one port"));
  dup = s;
  dup.streams[2].base = 255ull << 20;
  dup.range = 2ull << 20;
  CHECK_THROWS_WITH(validate_bench(p, dup, "command line"), Catch::Contains("base + range"));
  dup = s;
  dup.axi_ids = 65;
  CHECK_THROWS_WITH(validate_bench(p, dup, "command line"), Catch::Contains("axi-ids"));

  // One port over 4 PCs, random pattern: a PC drawn per request (all used, unevenly), or in turn.
  BenchSpec one;
  one.pattern = "random";
  one.size = 32;
  one.pcs = 4;
  one.ports = 1;
  one.requests = 400;
  for (int rr = 0; rr < 2; ++rr) {
    one.pc_round_robin = rr == 1;
    StatGroup h("hbm");
    run_bench(p, one, false, &h);
    uint64_t counts[4];
    for (int i = 0; i < 4; ++i) {
      for (const StatGroup& c : h.groups())
        if (c.name() == "pc" + std::to_string(i)) counts[i] = c.find("requests")->ivalue;
      CHECK(counts[i] > 0);
    }
    const bool all_equal = counts[0] == 100 && counts[1] == 100 && counts[2] == 100 && counts[3] == 100;
    CHECK(all_equal == (rr == 1));
  }
  // Under the switch rule one ID over 4 PCs is far slower than many IDs (the vendor's case for RAMA).
  one.requests = 2000;
  one.pc_round_robin = false;
  one.axi_ids = 1;
  const double single = run_bench(p, one).bandwidth_gbs;
  one.axi_ids = 32;
  const double many = run_bench(p, one).bandwidth_gbs;
  CHECK(many > 5 * single);
}

// Model::known (early data, for blocks.top=rtl's AXI slave transactor): with keep_known() the
// completions are the same as without; a request the model says is known before it is popped
// is known with the times it is popped with (the front end's ID ordering applied); and the bank
// model knows reads before their first data (its read latency after the last column command).
TEST_CASE("hbm-bench: a request arrives at its nominal cycle floor(j * beats / rate) when a slot is free") {
  // Outstanding above the request count: every request is submitted at its nominal cycle,
  // j * beats at full rate (the integer path), floor(j * beats / rate) below it.
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  p.model = "bank";
  BenchSpec s;
  s.size = 96;  // 3 beats
  s.pcs = 2;
  s.requests = 40;
  s.outstanding = 64;
  for (double rate : {1.0, 0.4}) {
    s.rate = rate;
    const BenchResult r = run_bench(p, s, true);
    REQUIRE(r.completions.size() == 80);
    for (const Completion& c : r.completions) {
      const uint64_t j = c.id & ((uint64_t(1) << 40) - 1);
      const Cycle want = rate == 1.0 ? Cycle(3 * j) : Cycle(std::floor(double(j) * (3.0 / 0.4)));
      CHECK(c.arrival == want);
    }
  }
}

TEST_CASE("hbm models: known() gives a completion before it is popped, exactly as popped") {
  for (const char* model : {"burst", "bank"})
    for (uint64_t seed = 21; seed <= 26; ++seed) {
      INFO(model << " seed " << seed);
      HbmParams p = preset(model);
      p.id_ordering = seed % 3 == 0   ? HbmParams::IdOrdering::None
                      : seed % 2 == 1 ? HbmParams::IdOrdering::SingleSlavePerId
                                      : HbmParams::IdOrdering::PerIdInOrder;
      const auto reqs = random_requests(seed, p, 400, 3, false);
      const auto plain = drive(*front(p), reqs, true);
      auto m = front(p);
      m->keep_known();
      std::vector<Completion> out;
      std::map<uint64_t, Completion> early;  // id -> what known() said, before it was popped
      std::map<uint64_t, Cycle> when;        // id -> the cycle it was first known
      std::map<uint64_t, bool> open;         // submitted, not popped
      Completion c;
      size_t next = 0;
      for (Cycle t = 0; next < reqs.size() || !open.empty(); ++t) {
        while (m->pop_completion(t, c)) {
          out.push_back(c);
          open.erase(c.id);
        }
        for (const auto& [id, unused] : open) {
          (void)unused;
          if (early.count(id) || !m->known(id, c)) continue;
          early[id] = c;
          when[id] = t;
        }
        for (; next < reqs.size() && reqs[next].arrival == t; ++next) {
          m->submit(reqs[next]);
          open[reqs[next].id] = true;
        }
        REQUIRE(t < 10000000);
      }
      check_same(out, plain);
      size_t before_first = 0, reads = 0;
      for (const Completion& x : out) {
        const bool write = reqs[x.id - 1000].write;
        reads += !write;
        const auto it = early.find(x.id);
        if (it == early.end()) continue;
        INFO("request " << x.id);
        CHECK(it->second.first_data == x.first_data);
        CHECK(it->second.done == x.done);
        CHECK(it->second.arrival == x.arrival);
        before_first += !write && when[x.id] < x.first_data;
      }
      // every read of the burst model (fixed at submit), most of the bank model's
      CHECK(before_first * 10 >= reads * (std::string(model) == "burst" ? 10 : 8));
    }
}

TEST_CASE("axi front end: completions handed straight from the bank model equal those popped from it") {
  // Two switches (ports 0-3 and PCs 0-3 on switch 0, 4-7 on switch 1), so reads cross the
  // lateral links and tie there; few IDs, ordered, with and without limits. Handed early, a
  // completion frees its front-end slot sooner, so later requests get other slot indices
  // (the bank model's request ids): the results must not depend on them (the lateral-link
  // stage breaks ties by age, docs/hbm.md).
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    INFO("seed " << seed);
    HbmParams p = preset("bank", seed % 4 == 3 ? "ramulator2_hbm2_2000" : "u280");
    p.pseudo_channels = 8;
    p.ports = 8;
    p.id_ordering = seed % 2 ? HbmParams::IdOrdering::SingleSlavePerId : HbmParams::IdOrdering::PerIdInOrder;
    p.max_outstanding_reads = seed % 3 == 0 ? 3 : 0;
    p.max_outstanding_writes = seed % 3 == 0 ? 2 : 0;
    const auto reqs = random_requests(seed, p, 600, 3, false);
    HbmParams bare = p;
    bare.id_ordering = HbmParams::IdOrdering::None;
    bare.max_outstanding_reads = bare.max_outstanding_writes = 0;
    for (Poll poll : {Poll::AtEvents, Poll::EveryCycle, Poll::Jumps, Poll::Ahead}) {
      INFO("poll " << int(poll));
      AxiFrontEnd popped(p, make_model(bare), false), handed(p, make_model(bare), true);
      REQUIRE(!popped.direct());
      REQUIRE(handed.direct());
      const auto v = drive(popped, reqs, poll);
      REQUIRE(v.size() == reqs.size());
      check_same(drive(handed, reqs, poll), v);
    }
  }
}

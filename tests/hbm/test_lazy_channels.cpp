// Lazy pseudo-channels: pop_completion advances only the PCs that may complete something by
// the time popped; the others lag and catch up later (or in report()). The result must not
// depend on it, nor on how often the engine is polled: the same requests, with the same
// arrivals, popped at every AXI cycle or only at next_event(), lazy or eager (every PC with an
// event before the time popped advances, the behaviour before lazy channels), give identical
// completions and identical reports except the count of advance calls, on both paths, with
// refresh, writes, several ports and idle channels.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>

#include "../../src/hbm/bank_model.hpp"
#include "skipopu/hbm/hbm_bench.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

struct Outcome {
  std::map<uint64_t, Completion> done;
  std::string report;
  uint64_t advances = 0;
};

static std::string flat(const StatGroup& g) {  // every stat except the advance counter, as text
  std::string out;
  for (const Stat& s : g.stats())
    if (s.name != "sim_advances") {
      char v[64];
      if (s.is_int) std::snprintf(v, sizeof v, "%llu", static_cast<unsigned long long>(s.ivalue));
      else std::snprintf(v, sizeof v, "%.17g", s.dvalue);
      out += g.name() + "." + s.name + "=" + v + "\n";
    }
  for (const StatGroup& c : g.groups()) out += flat(c);
  return out;
}

// Requests with arrivals drawn up front; `every_cycle` polls at each AXI cycle in between.
static Outcome drive(const HbmParams& p, const std::vector<Request>& reqs, bool every_cycle, bool lazy) {
  BankModel m(p);
  m.set_lazy(lazy);
  Outcome o;
  Completion c;
  auto drain_to = [&](Cycle t) {
    if (every_cycle) {
      for (Cycle u = m.now() + 1; u <= t; ++u)
        while (m.pop_completion(u, c)) o.done[c.id] = c;
    } else {
      for (Cycle e; (e = m.next_event()) <= t;)
        while (m.pop_completion(e, c)) o.done[c.id] = c;
      while (m.pop_completion(t, c)) o.done[c.id] = c;
    }
  };
  for (const Request& r : reqs) {
    drain_to(r.arrival);
    m.submit(r);
  }
  for (Cycle t; (t = m.next_event()) != kNever;) drain_to(t);
  drain_to(m.now() + 3000);  // idle channels keep refreshing until here
  StatGroup g("hbm");
  m.report(g, m.now());
  o.report = flat(g);
  o.advances = uint64_t(g.find("sim_advances")->ivalue);
  return o;
}

// A random request of these tests: port 0-7, PC 0-5, 32 B << below(sizes), aligned to its size,
// one in four a write.
static Request random_request(SplitMix64& rng, uint64_t id, Cycle arrival, uint32_t sizes) {
  Request r;
  r.id = id;
  r.port = uint32_t(rng.below(8));
  r.pc = uint32_t(rng.below(6));
  r.bytes = 32u << rng.below(sizes);
  r.addr = (rng.below(1u << 20) * 32) & ~uint64_t(r.bytes - 1);
  r.write = rng.below(4) == 0;
  r.arrival = arrival;
  return r;
}

TEST_CASE("lazy channels: polling every cycle or only at next_event gives the same result") {
  for (int fast = 0; fast < 2; ++fast)
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      HbmParams p = load_hbm_preset(kData + "/configs/hbm/" + (seed % 3 ? "u280" : "dramsim3_hbm2_8gb_x128") + ".json");
      p.model = "bank";
      p.fast_path = fast == 1;
      p.pseudo_channels = 8;  // PCs 6 and 7 stay idle: they only refresh
      p.ports = 8;
      SplitMix64 rng(seed);
      std::vector<Request> reqs;
      Cycle t = 0;
      for (uint64_t i = 0; i < 400; ++i) {
        t += rng.below(seed % 2 ? 3 : 12);
        reqs.push_back(random_request(rng, i, t, 6));
      }
      INFO("seed " << seed << (fast ? " fast" : " detailed"));
      const Outcome eager = drive(p, reqs, true, false);
      REQUIRE(eager.done.size() == reqs.size());
      for (int mode = 0; mode < 3; ++mode) {  // lazy every cycle, lazy at next_event, eager at next_event
        const Outcome o = drive(p, reqs, mode == 0, mode < 2);
        INFO("mode " << mode);
        REQUIRE(o.done.size() == reqs.size());
        for (const auto& [id, c] : eager.done) {
          REQUIRE(o.done.at(id).first_data == c.first_data);
          REQUIRE(o.done.at(id).done == c.done);
        }
        CHECK(o.report == eager.report);
        if (mode < 2) CHECK(o.advances < eager.advances);  // the lazy engine really did lag
      }
    }
}

// pop_completion advances a PC only when its completion bound b (device cycles) may complete by
// `until`: b <= last_dev_by(until, lat) must mean exactly to_axi(b) + lat <= until.
TEST_CASE("lazy channels: last_dev_by is the last device cycle whose AXI time plus latency is by until") {
  const uint32_t ratios[][2] = {{2, 1}, {1, 1}, {3, 1}, {5, 2}, {7, 3}, {4, 3}};
  for (const auto& q : ratios) {
    HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
    p.model = "bank";
    p.dev_num = q[0];
    p.dev_den = q[1];
    BankModel m(p);
    for (Cycle lat = 0; lat <= 3; ++lat)
      for (Cycle until = 0; until <= 120; ++until) {
        INFO("ratio " << q[0] << "/" << q[1] << " lat " << lat << " until " << until);
        const detail::T d = m.last_dev_by(until, lat);
        if (d >= 0) REQUIRE(m.to_axi(uint64_t(d)) + lat <= until);
        REQUIRE(m.to_axi(uint64_t(d + 1)) + lat > until);
      }
  }
}

// The lazy engine advances exactly the PCs that may complete by the time popped: polled at every
// AXI cycle, each completion is popped at its own done (not one cycle late), with an integer and
// a rational clock ratio.
TEST_CASE("lazy channels: polled every cycle, each completion pops at its done") {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    HbmParams p = load_hbm_preset(kData + "/configs/hbm/" + (seed % 2 ? "u280" : "dramsim3_hbm2_8gb_x128") + ".json");
    p.model = "bank";
    p.fast_path = seed <= 2;
    p.pseudo_channels = 8;
    p.ports = 8;
    if (seed % 2 == 0) {
      p.dev_num = 5;
      p.dev_den = 2;
      p.read_latency = p.write_latency = 7;
    }
    SplitMix64 rng(seed);
    BankModel m(p);
    Completion c;
    uint64_t popped = 0;
    Cycle t = 0;
    auto poll_to = [&](Cycle end) {
      for (Cycle u = m.now() + 1; u <= end; ++u)
        while (m.pop_completion(u, c)) {
          INFO("seed " << seed << " id " << c.id);
          REQUIRE(c.done == u);
          ++popped;
        }
    };
    for (uint64_t i = 0; i < 300; ++i) {
      t += rng.below(seed % 2 ? 3 : 9);
      const Request r = random_request(rng, i, t, 4);
      poll_to(t);
      m.submit(r);
    }
    poll_to(m.now() + 4000);
    REQUIRE(popped == 300);
  }
}

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
        Request r;
        r.id = i;
        r.port = uint32_t(rng.below(8));
        r.pc = uint32_t(rng.below(6));
        r.bytes = 32u << rng.below(6);
        r.addr = (rng.below(1u << 20) * 32) & ~uint64_t(r.bytes - 1);
        r.write = rng.below(4) == 0;
        r.arrival = t;
        reqs.push_back(r);
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

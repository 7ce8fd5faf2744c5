// Stream extrapolation (controller.stream_extrapolation) must not change anything: the
// fast path with it, the fast path without it (one closed-form burst at a time) and the
// detailed path give identical first_data and done for every request, and the two fast
// runs give identical reports (including the simulator-work counters) when driven the same
// way. Workloads: long sequential requests (the weight / K-V streams of the top level)
// with small reads and writes arriving mid-stream at random times, on the same and on
// other pseudo-channels, from the same and other ports.
#include <catch2/catch.hpp>

#include <array>
#include <map>

#include "../../src/hbm/bank_model.hpp"
#include "skipopu/hbm/hbm_bench.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

static HbmParams preset(const std::string& name) {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/" + name + ".json");
  p.model = "bank";
  return p;
}

struct Outcome {
  std::map<uint64_t, std::pair<Cycle, Cycle>> done;  // id -> (first_data, done)
  std::string report;
  uint64_t jumps = 0, bursts = 0, advances = 0, refreshes = 0, virtual_landings = 0, completions = 0;
  uint64_t late = 0, skips = 0, drains = 0, restarts = 0, kept = 0, vdrains = 0, idle_refs = 0, to_last = 0, to_drain = 0, drain_completions = 0, past_lanes = 0, clamped = 0, ref_drains = 0, followed = 0, arrival_walks = 0, crossings = 0, cross_early = 0;  // completions popped after their cycle (the next_event bound was wrong)
};

// Drives the engine like the SystemC wrapper: wake at next_event (or at the next arrival,
// whichever is first), pop everything due, submit what arrives.
static Outcome drive(HbmParams p, const std::vector<Request>& reqs, size_t memo_capacity = 0) {
  if (memo_capacity) p.memo_nodes = memo_capacity;  // the preset's simulator.memo_nodes
  BankModel m(p);
  Outcome o;
  Completion c;
  size_t i = 0;
  for (;;) {
    const Cycle ne = m.next_event();
    const Cycle na = i < reqs.size() ? reqs[i].arrival : kNever;
    if (ne == kNever && na == kNever) break;
    const Cycle until = std::min(ne, na);
    while (m.pop_completion(until, c)) {
      o.done[c.id] = {c.first_data, c.done};
      o.late += c.done != until;  // a completion must be seen at the poll at its own cycle
    }
    while (i < reqs.size() && reqs[i].arrival <= m.now()) m.submit(reqs[i++]);
  }
  StatGroup g("hbm");
  m.report(g, m.now());
  // sim_advances counts the engine's advance calls: a stream standing at a memo node between
  // advances (a virtual landing) is advanced on other polls than one simulated beat by beat.
  nlohmann::json j = g.to_json();
  o.advances = j["stats"]["sim_advances"]["value"].get<uint64_t>();
  j["stats"].erase("sim_advances");
  o.report = j.dump(1);
  o.jumps = m.extrapolated_jumps();
  o.bursts = m.extrapolated_bursts();
  o.refreshes = m.extrapolated_refreshes();
  o.completions = m.extrapolated_completions();
  o.skips = m.extrapolated_skips();
  o.drains = m.extrapolated_drains();
  o.vdrains = m.virtual_drains();
  o.idle_refs = m.idle_refreshes_replayed();
  o.to_last = m.walks_to_last_burst();
  o.to_drain = m.walks_to_drain();
  o.drain_completions = m.drain_completions();
  o.past_lanes = m.walks_past_lanes();
  o.clamped = m.walks_clamped();
  o.ref_drains = m.extrapolated_refresh_drains();
  o.followed = m.followed_drains();
  o.arrival_walks = m.arrival_walks();
  o.crossings = m.extrapolated_crossings();
  o.cross_early = m.crossings_before_arrival();
  o.restarts = m.extrapolation_restarts();
  o.kept = m.extrapolation_kept();
  o.virtual_landings = m.virtual_landings();
  return o;
}

struct Mix {
  uint32_t pcs = 2, ports = 2;
  uint32_t streams = 2;          // long requests per PC
  uint64_t stream_bytes = 96 << 10;
  uint32_t smalls = 12;          // small requests over the run
  double write_fraction = 0.3;
  bool stream_writes = false;
  Cycle span = 60000;            // small requests arrive in [0, span)
};

static std::vector<Request> workload(const HbmParams& p, const Mix& x, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<Request> r;
  uint64_t id = 1;
  const uint64_t beat = p.beat_bytes;
  for (uint32_t pc = 0; pc < x.pcs; ++pc) {
    uint64_t addr = (rng.next() % (p.pc_bytes / 4 / beat)) * beat;  // any beat: partial first burst
    Cycle at = rng.next() % 2000;
    for (uint32_t k = 0; k < x.streams; ++k) {
      Request q;
      q.id = id++;
      q.pc = pc;
      q.port = pc % x.ports;
      q.addr = addr;
      q.bytes = x.stream_bytes / 2 + (rng.next() % (x.stream_bytes / beat)) * beat + (rng.next() % 2 ? 0 : 40);
      q.write = x.stream_writes && rng.next() % 2;
      q.arrival = at;
      addr += q.bytes;  // the next one continues the stream (like a weight head and tail)
      at += rng.next() % 30000;
      r.push_back(q);
    }
  }
  for (uint32_t k = 0; k < x.smalls; ++k) {
    Request q;
    q.id = id++;
    q.pc = uint32_t(rng.next() % x.pcs);
    q.port = uint32_t(rng.next() % x.ports);
    q.bytes = 32 << (rng.next() % 8);
    q.addr = (rng.next() % (p.pc_bytes / 2 / q.bytes)) * q.bytes + p.pc_bytes / 2;
    q.write = double(rng.next() % 1000) < x.write_fraction * 1000;
    q.arrival = rng.next() % x.span;
    r.push_back(q);
  }
  std::stable_sort(r.begin(), r.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
  return r;
}

// Returns the extrapolated run (for extra checks).
static Outcome check(HbmParams p, const std::vector<Request>& reqs, uint64_t seed, bool detailed = true) {
  p.fast_path = true;
  p.stream_extrapolation = true;
  const Outcome x = drive(p, reqs);
  p.stream_extrapolation = false;
  const Outcome f = drive(p, reqs);
  INFO("seed " << seed);
  REQUIRE(x.done.size() == reqs.size());
  REQUIRE(x.done == f.done);
  REQUIRE(x.report == f.report);
  REQUIRE(f.jumps == 0);
  REQUIRE(x.late == 0);
  REQUIRE(f.late == 0);
  if (detailed) {
    p.fast_path = false;
    const Outcome d = drive(p, reqs);
    REQUIRE(x.done == d.done);
  }
  return x;
}

TEST_CASE("stream extrapolation: a long stream alone jumps and is exact") {
  HbmParams p = preset("u280");
  for (int refresh = 0; refresh < 2; ++refresh) {
    p.refresh = refresh;
    Request q;
    q.id = 1;
    q.bytes = 1 << 20;
    q.addr = 4096 * 7 + 64;
    const Outcome x = check(p, {q}, 0);
    // Most of the 32768 bursts of 32 B come from the memo: fails if extrapolation is off
    // or silently inapplicable.
    CHECK(x.jumps > 0);
    CHECK(x.bursts > 1500);  // AXI bursts of 512 B: 2049 in all
    // the walk goes up to the last burst's ingress (that burst may be partial: not on the edge)
    CHECK(x.to_last == 1);
  }
}

// A refresh edge is keyed on the node and the refresh's distance from it, so it recurs only
// on long streams: 16 MiB on one PC (~540k device cycles, ~150 refreshes).
TEST_CASE("stream extrapolation: refreshes replayed on refresh edges") {
  HbmParams p = preset("u280");
  Request q;
  q.id = 1;
  q.bytes = 16 << 20;
  q.addr = 4096 * 5 + 32;
  for (int refresh = 0; refresh < 2; ++refresh) {
    p.refresh = refresh;
    const Outcome x = check(p, {q}, 0, false);
    if (refresh) CHECK(x.refreshes > 50);  // fails if refresh edges are not taken
    else CHECK(x.refreshes == 0);
    CHECK(x.skips > 100);  // composed edges (kXSkip bursts per step) taken
  }
}

// A stream whose bursts reach the PC more slowly than the PC serves them (32-B AXI bursts,
// one address per AXI cycle, AXI at 2/5 of the device clock): its queue fills during each
// refresh and drains after it while the ingresses wait for the port, not for room. Stretches
// recorded then must not be replayed elsewhere (fails if the walk ignores when bursts arrive).
TEST_CASE("stream extrapolation: a port-limited stream, exact") {
  HbmParams p = preset("u280");
  p.max_burst_beats = 1;
  p.dev_num = 5;
  p.dev_den = 2;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Request q;
    q.id = 1;
    q.bytes = (128 << 10) * seed;
    q.addr = 4096 * seed + 32 * seed;
    check(p, {q}, seed);
  }
}

// The same at the masters' AR pace (docs/rtl.md step 18: burst k at base + k x pace): the
// arrivals the memo's arrival nodes record come every pace AXI cycles; at pace 2 and 3 with
// the preset's 16-beat bursts too (arrival-limited at a stream's start only).
TEST_CASE("stream extrapolation: a port-limited stream at the masters' AR pace, exact") {
  for (uint32_t pace : {2u, 3u}) {
    for (uint32_t beats : {1u, 16u}) {
      HbmParams p = preset("u280");
      p.max_burst_beats = beats;
      p.dev_num = 5;
      p.dev_den = 2;
      p.master_ar_cycles = pace;
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        Request q;
        q.id = 1;
        q.bytes = (128 << 10) * seed;
        q.addr = 4096 * seed + 32 * seed;
        INFO("pace " << pace << ", " << beats << "-beat bursts");
        const Outcome x = check(p, {q}, seed);
        if (beats == 16) CHECK(x.jumps > 0);  // the memo replays the DRAM-limited stream (a port-limited one: none)
      }
    }
  }
}

// One layout of requests on PC `pc`, read once per "token" like the weights of a decode step:
// four tokens 60000-80000 cycles apart, each request `gap()` after the previous one.
struct Item {
  uint64_t addr, bytes;
  uint32_t port;
  bool write;
};
template <class Gap>
static void per_token(const std::vector<Item>& layout, uint32_t pc, SplitMix64& rng, Gap gap, uint64_t& id,
                      std::vector<Request>& out) {
  Cycle at = rng.next() % 1000;
  for (int token = 0; token < 4; ++token) {
    for (const Item& it : layout) {
      Request q;
      q.id = id++;
      q.pc = pc;
      q.port = it.port;
      q.addr = it.addr;
      q.bytes = it.bytes;
      q.write = it.write;
      q.arrival = at;
      at += gap();
      out.push_back(q);
    }
    at += 60000 + rng.next() % 20000;
  }
}

// Runs of address-contiguous requests from one port, like the weight DMA's stream head and
// tail and the next matrix's head: the earlier requests drain while the next one's bursts
// enter, and complete on replayed edges. Sizes not multiples of a burst (partial bursts at
// the boundaries), some requests arriving mid-run, others only after the run has drained.
TEST_CASE("stream extrapolation: contiguous runs complete requests on replayed edges") {
  uint64_t replayed = 0, drains = 0, vdrains = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed % 3 != 0;
    if (seed % 2) p.read_latency = p.write_latency = 0;  // completions due soon after their last column
    SplitMix64 rng(seed * 77);
    std::vector<Request> reqs;
    uint64_t id = 1;
    for (uint32_t pc = 0; pc < 2; ++pc) {
      std::vector<Item> layout;
      uint64_t addr = 32 * (rng.next() % 4096);
      for (int k = 0; k < 6; ++k) {
        const uint64_t bytes = k % 2 ? (64 << 10) + 32 * (rng.next() % 4096) : (16 << 10) - 32 * (rng.next() % 3);
        layout.push_back({addr, bytes, pc, seed == 5 && pc == 1});
        addr += bytes;
      }
      per_token(layout, pc, rng, [&] { return Cycle(rng.next() % 3000); }, id, reqs);
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 2);
    replayed += x.completions;
    drains += x.drains;
    vdrains += x.vdrains;
  }
  INFO("drains " << drains << ", stood before " << vdrains);
  CHECK(replayed > 10);  // fails if runs are not followed past a request boundary
  CHECK(drains > 0);     // fails if no run's drain is replayed in one step
  // a PC stands before a known drain that crosses the limit (its completions delivered on the
  // way); the drains counted are those replayed, after standing or at once
  CHECK(vdrains > 0);
}

// Runs of requests that are not address-contiguous: a weight stream followed by a K/V read
// elsewhere, a K/V write and the read of the same rows (the prefill), requests of another port
// entering while the previous one drains. The draining requests are keyed with their queued
// bursts, so the stretches where one drains while the next enters are replayed too.
TEST_CASE("stream extrapolation: runs of unrelated requests (other addresses, ports, directions)") {
  uint64_t replayed = 0, on_drains = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed % 3 != 0;
    if (seed % 2) p.read_latency = p.write_latency = 0;
    SplitMix64 rng(seed * 131);
    std::vector<Request> reqs;
    uint64_t id = 1;
    for (uint32_t pc = 0; pc < 2; ++pc) {
      std::vector<Item> layout;
      for (int k = 0; k < 6; ++k) {
        Item it;
        it.bytes = (48 << 10) + 32 * (rng.next() % 2048);
        it.addr = 32 * (rng.next() % ((p.pc_bytes - it.bytes) / 32));  // anywhere: not contiguous
        it.port = uint32_t(rng.next() % 2);
        it.write = (seed == 4 || seed == 5) && k % 3 == 1;
        layout.push_back(it);
        if (seed == 5 && it.write) {  // then the read of the rows just written
          it.write = false;
          layout.push_back(it);
        }
      }
      // each behind the previous one, entering as it drains
      per_token(layout, pc, rng, [&] { return Cycle(200 + rng.next() % 400); }, id, reqs);
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 2);
    replayed += x.completions;
    on_drains += x.drain_completions;
  }
  // completions on edges where the next request was entering (fails if runs stop at a request
  // not contiguous with the next: then only drains complete requests)
  INFO("replayed " << replayed << ", on drains " << on_drains);
  CHECK(replayed - on_drains > 40);
}

// A long request streaming while a request of another lane (the other direction, or another
// port) waits for it: the PC admits the earliest-ready burst of all lanes' heads, so when the
// waiting one's first burst reaches the PC only after the streaming one's last, it cannot
// enter before that and the stream is followed as if it were alone. Gaps between the requests
// swept so that the waiting request's first burst is sometimes ready before the streaming
// one's last burst (then it may enter mid-stream and the walk must not be taken).
TEST_CASE("stream extrapolation: a stream followed while another lane's request waits") {
  uint64_t past = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed % 3 != 0;
    if (seed % 2) p.read_latency = p.write_latency = 0;
    SplitMix64 rng(seed * 53);
    std::vector<Request> reqs;
    uint64_t id = 1;
    for (uint32_t pc = 0; pc < 2; ++pc) {
      std::vector<Item> layout;
      for (int k = 0; k < 4; ++k) {
        Item it;
        it.bytes = (k % 2 ? (32 << 10) : (160 << 10)) + 32 * (rng.next() % 512);
        it.addr = 32 * (rng.next() % ((p.pc_bytes - it.bytes) / 32));
        // a read stream, then a write (seeds 1-4) or a read from the other port (5, 6)
        it.write = k % 2 == 1 && seed <= 4;
        it.port = k % 2 == 1 && seed > 4 ? 1 - pc : pc;
        layout.push_back(it);
      }
      // 320 bursts reach the PC in 320 AXI cycles: the next request arrives before or after
      per_token(layout, pc, rng, [&] { return Cycle(rng.next() % 700); }, id, reqs);
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 2);
    past += x.past_lanes;
  }
  INFO("walks past a waiting lane " << past);
  CHECK(past > 20);  // fails if a request waiting in another lane stops the memo
}

// A long request streaming while a request of the other direction (or a read from another
// port, ready before the stream's last burst) waits in its own lane with its first burst not
// yet at the PC: until that burst reaches the PC the PC evolves as if the request were not
// there, so walks are taken, but each stops before the edge that would end at or after that
// time (the clamp), even where the engine's limit comes first (standing past it would miss
// the request's completion). Arrivals swept over the whole stream, the same layout per token.
TEST_CASE("stream extrapolation: walks stop where another lane's waiting request reaches the PC") {
  uint64_t clamped = 0, past = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed % 4 != 0;
    if (seed % 2) p.read_latency = p.write_latency = 0;
    SplitMix64 rng(seed * 71);
    std::vector<Request> reqs;
    uint64_t id = 1;
    for (uint32_t pc = 0; pc < 2; ++pc) {
      std::vector<Item> layout;
      for (int k = 0; k < 4; ++k) {
        Item it;
        it.bytes = k % 2 ? (seed % 3 ? (8 << 10) + 32 * (rng.next() % 64) : 64) : (160 << 10) + 32 * (rng.next() % 512);
        it.addr = 32 * (rng.next() % ((p.pc_bytes - it.bytes) / 32));
        // a read stream, then a write (seeds 1-6) or a read from the other port (7, 8)
        it.write = k % 2 == 1 && seed <= 6;
        it.port = k % 2 == 1 && seed > 6 ? 1 - pc : pc;
        layout.push_back(it);
      }
      // the stream takes about 5000 AXI cycles at the PC: the next request arrives anywhere in it
      per_token(layout, pc, rng, [&] { return Cycle(rng.next() % 6000); }, id, reqs);
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 2);
    clamped += x.clamped;
    past += x.past_lanes;
  }
  INFO("walks clamped " << clamped << ", walks past a waiting lane " << past);
  CHECK(clamped > 20);  // fails if a waiting request of the other direction stops the memo
  CHECK(past > 40);
}

// The workload of the drains-across-a-refresh tests: four PCs, each one stream a token, tokens
// 16 refresh intervals apart (u280: tREFI 1755 AXI cycles), the streams starting at different
// points of the interval; a small read after the stream every fourth token; with `writes`, PCs
// 1 and 3 stream writes. Sorted by arrival.
static std::vector<Request> refresh_drain_workload(uint64_t seed, Cycle tokens, bool writes) {
  SplitMix64 rng(seed * 97);
  std::vector<Request> reqs;
  uint64_t id = 1;
  const Cycle period = 1755 * 16;
  for (uint32_t pc = 0; pc < 4; ++pc) {
    const uint64_t addr = 32 * (rng.next() % 8192);
    const uint64_t bytes = (24 << 10) + 32 * (rng.next() % 256);
    const bool write = writes && pc % 2;
    const Cycle at0 = 440 * pc + rng.next() % 100;
    for (Cycle token = 0; token < tokens; ++token) {
      Request q;
      q.id = id++;
      q.pc = pc;
      q.port = pc;
      q.addr = addr;
      q.bytes = bytes;
      q.write = write;
      q.arrival = at0 + token * period;
      reqs.push_back(q);
      if (token % 4 == 3) {  // a small read after the stream, somewhere in the token
        Request r = q;
        r.id = id++;
        r.addr = (64 << 20) + 4096 * token;
        r.bytes = 64;
        r.write = false;
        r.arrival = q.arrival + 2000 + rng.next() % 8000;
        reqs.push_back(r);
      }
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
  return reqs;
}

// Drains with an all-bank refresh inside: the drain from a run's last ingress is a function of
// that state and of the refresh's distance from it, so it is recorded under (node, distance)
// and replayed when both come back. Tokens a whole number of refresh intervals apart (u280:
// tREFI 3510 device cycles, 1755 AXI cycles), so every token meets the refresh at the same
// point of its streams; four PCs start their stream at different points of the interval, so
// the refresh falls in some PCs' drains; small requests on other tokens move things about.
TEST_CASE("stream extrapolation: drains across a refresh replayed, exact") {
  uint64_t ref_drains = 0, vdrains = 0, restarts = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("u280");
    REQUIRE(p.timing.tREFI == 3510);
    REQUIRE(p.dev_num == 2 * p.dev_den);
    if (seed % 2) p.read_latency = p.write_latency = 0;
    if (seed == 6) p.memo_nodes = 40;  // the memo starts over: drains across a refresh kept with their nodes
    const std::vector<Request> reqs = refresh_drain_workload(seed, 12, seed == 4);
    const Outcome x = check(p, reqs, seed, seed <= 2);
    ref_drains += x.ref_drains;
    vdrains += x.vdrains;
    restarts += x.restarts;
  }
  INFO("drains across a refresh " << ref_drains << ", drains stood before " << vdrains << ", restarts " << restarts);
  CHECK(ref_drains > 30);  // fails if a drain with a refresh inside is never replayed
  CHECK(restarts > 0);
}

// PCs in lock step (the same stream on each, at the same or slightly later times, like a
// weight matrix spread over all PCs): they meet each drain together, before it is known; the
// lowest-numbered one records it and the others stand before it, their completions those of
// the leader shifted by their delay, as far as the leader has been advanced. Some tokens send a
// small read to the leader or to a follower during the drain (the leader's recording is cut:
// its followers land and record; a follower lands).
TEST_CASE("stream extrapolation: PCs in lock step follow the one recording a drain, exact") {
  uint64_t followed = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("u280");
    // with refresh only PCs at the same distance to it may follow (PCs 0 and 1, 2 and 3 in step)
    p.refresh = seed % 3 == 0;
    if (seed % 2) p.read_latency = p.write_latency = 0;
    SplitMix64 rng(seed * 131);
    std::vector<Request> reqs;
    uint64_t id = 1;
    const uint64_t addr = 32 * (rng.next() % 8192);
    const uint64_t bytes = (24 << 10) + 32 * (rng.next() % 256);
    const bool write = seed == 4;
    for (Cycle token = 0; token < 10; ++token) {
      const Cycle at = 1000 + token * 30000 + rng.next() % 5000;
      for (uint32_t pc = 0; pc < 4; ++pc) {
        // three contiguous requests, the last two short: all three complete during the drain
        uint64_t a = addr;
        for (int part = 0; part < 3; ++part) {
          Request q;
          q.id = id++;
          q.pc = pc;
          q.port = pc;
          q.addr = a;
          q.bytes = part ? (4 << 10) + 32 * (seed + part) : bytes + 1056 * (token % 5);  // five drains, each new once
          q.write = write;
          q.arrival = at + Cycle((p.refresh ? pc / 2 : pc) * (seed % 2 ? 3 : 11));
          a += q.bytes;
          reqs.push_back(q);
        }
      }
      if (token % 3 == 2) {  // a small read to the leader or a follower while the stream drains
        Request r;
        r.id = id++;
        r.pc = token % 2 ? 0 : 2;
        r.port = r.pc;
        r.addr = (64 << 20) + 4096 * token;
        r.bytes = 64;
        r.arrival = at + 900 + rng.next() % 600;
        reqs.push_back(r);
      }
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 2);
    followed += x.followed;
  }
  INFO("drains followed " << followed);
  CHECK(followed > 60);  // fails if PCs in lock step each simulate the drain
}

// Short requests queued deep, like hbm-bench's sequential 4 KiB with 8 outstanding: each
// request is 8 AXI bursts (some 7 or 9: unaligned starts), several have entered and drain while
// the next one's bursts enter, and more wait behind in the lane. The memo follows each one up
// to its last burst's ingress (a node of its own, though requests wait behind it); a
// stretch's run holds up to four draining requests.
TEST_CASE("stream extrapolation: runs of 8-burst requests with more waiting behind") {
  uint64_t bursts = 0, to_last = 0, replayed = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed % 3 != 0;
    if (seed % 2) p.read_latency = p.write_latency = 0;
    SplitMix64 rng(seed * 313);
    std::vector<Request> reqs;
    uint64_t id = 1;
    for (uint32_t pc = 0; pc < 2; ++pc) {
      uint64_t addr = 4096 * (rng.next() % 1024) + (seed == 3 ? 96 * pc : 0);
      Cycle at = rng.next() % 500;
      for (int k = 0; k < 120; ++k) {
        Request q;
        q.id = id++;
        q.pc = pc;
        q.port = pc;
        q.addr = addr;
        q.bytes = 4096;
        q.write = seed == 4 && pc == 1;
        q.arrival = at;
        addr += 4096;
        // faster than the PC serves them (about 150 AXI cycles each): the lane fills up
        at += seed == 5 ? 0 : Cycle(60 + rng.next() % 60);
        reqs.push_back(q);
      }
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 2);
    bursts += x.bursts;
    to_last += x.to_last;
    replayed += x.completions;
  }
  INFO("bursts " << bursts << ", walks to a last burst " << to_last << ", completions " << replayed);
  // 6 x 240 requests of about 8 bursts: most bursts from the memo (fails with requests of fewer
  // than 32 bursts left out, or runs of at most three draining requests)
  CHECK(bursts > 6000);
  // walks reach the last burst with requests waiting behind (fails if that burst's ingress is
  // no node)
  CHECK(to_last > 400);
  CHECK(replayed > 400);  // requests complete on replayed edges
}

// A PC standing before a known drain (past the limit of its advance) must land when a request
// arrives before the drain ends: the new request's bursts enter among the drain's. One stream
// per "token", the same each time; a small read arrives at a time swept across the stream's
// end (before, during and after its drain) in every other token.
TEST_CASE("stream extrapolation: a request arriving while a PC stands before a drain") {
  for (int refresh = 0; refresh < 2; ++refresh) {
    HbmParams p = preset("u280");
    p.refresh = refresh;
    p.read_latency = p.write_latency = 0;
    Request q;
    q.id = 1;
    q.bytes = 64 << 10;
    q.addr = 4096 * 9 + 32;
    const Cycle done = check(p, {q}, 0).done.at(1).second;  // the stream alone: when it completes
    std::vector<Request> reqs;
    uint64_t id = 1;
    const Cycle period = 40000;
    for (Cycle token = 0; token < 48; ++token) {
      q.id = id++;
      q.arrival = token * period;
      reqs.push_back(q);
      Request r;
      r.id = id++;
      r.addr = (64 << 20) + 512 * token;
      r.bytes = 64;
      r.port = uint32_t(token % 2);
      // odd tokens: from before the stream's last burst enters to after its drain; even ones:
      // well after it (the drain is recorded and replayed undisturbed)
      r.arrival = token * period + (token % 2 ? done - 700 + 30 * (token / 2) : done + 3000);
      reqs.push_back(r);
    }
    const Outcome x = check(p, reqs, uint64_t(refresh), false);
    INFO("refresh " << refresh << ": drains " << x.drains << ", stood before " << x.vdrains << ", walked into "
                    << x.to_drain);
    CHECK(x.vdrains > 5);
    // the walk over the stream goes on into its known drain without rebuilding the queue
    CHECK(x.to_drain > 10);
  }
}

// Refreshes of an idle PC (queue empty, rows closed) in closed form: requests far apart (the
// PC catches up on many refreshes when the next one arrives), on two PCs and two ports, some
// with a slow AXI clock. Same completions and reports, including the event count, as the
// per-event path.
TEST_CASE("stream extrapolation: refreshes of an idle PC in closed form") {
  uint64_t idle = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset(seed % 3 == 0 ? "ramulator2_hbm2_2000" : "u280");
    if (seed % 2) {  // a slow AXI clock: bursts become ready well after the arrival
      p.dev_num = 5;
      p.dev_den = 2;
    }
    SplitMix64 rng(seed * 991);
    std::vector<Request> reqs;
    Cycle at = 0;
    for (uint64_t id = 1; id <= 40; ++id) {
      Request q;
      q.id = id;
      q.pc = uint32_t(rng.next() % 2);
      q.port = uint32_t(rng.next() % 2);
      q.bytes = 32 << (rng.next() % 12);
      q.addr = (rng.next() % (p.pc_bytes / 2 / q.bytes)) * q.bytes;
      q.write = rng.next() % 4 == 0;
      at += rng.next() % 4 == 0 ? rng.next() % 500 : 2000 + rng.next() % 60000;  // often idle for many tREFI
      q.arrival = at;
      reqs.push_back(q);
    }
    const Outcome x = check(p, reqs, seed, seed <= 3);
    idle += x.idle_refs;
  }
  CHECK(idle > 100);  // fails if idle refreshes are simulated one by one
}

// An idle PC's refresh due exactly when the next burst may enter: the per-event path lets the
// ingress go first (ties go to the ingress), so the closed form batches only the refreshes due
// before it. Two requests on one PC, the second arriving after many idle tREFI at every AXI
// cycle of a window around a refresh's due time (device time = arrival x dev_num / dev_den plus
// the port's delay), on ports near and far from the PC, with a fast and a slow AXI clock: the
// window holds arrivals whose first burst is ready at a refresh's due cycle. Same completions
// and reports as the per-event path and the detailed path.
TEST_CASE("stream extrapolation: an idle PC's refresh due at the ingress, exact") {
  uint64_t idle = 0;
  for (int clock = 0; clock < 2; ++clock) {
    HbmParams p = preset("u280");
    if (clock) {
      p.dev_num = 5;
      p.dev_den = 2;
    }
    for (uint32_t port : {0u, 5u}) {
      const Cycle due = Cycle(12 * p.timing.tREFI) * p.dev_den / p.dev_num;  // AXI time of the 12th refresh
      for (Cycle at = due - 120; at < due + 8; ++at) {
        Request a;
        a.id = 1;
        a.port = port;
        a.bytes = 64;
        a.addr = 4096 * 7;
        Request b = a;
        b.id = 2;
        b.addr = 4096 * 40 + 64;
        b.bytes = 512;
        b.arrival = at;
        const Outcome x = check(p, {a, b}, uint64_t(at), true);
        idle += x.idle_refs;
      }
    }
  }
  CHECK(idle > 1000);
}

// A drain being recorded while a slot of its run is reused: the run's first request completes
// during the drain, its slot is free, another PC's request is submitted into it and completes
// too before the drain ends (slots are shared by all PCs). The snapshot's slots no longer
// describe the run: no drain edge may be recorded (x_drain_end). PC 0 takes a 64-KiB read and
// a 2-KiB read behind it every "token"; on the first token a 32-B read for PC 1 arrives at
// every AXI cycle of a window around PC 0's drain; later tokens replay PC 0's edges. Same
// completions and reports as the per-event path and the detailed path.
TEST_CASE("stream extrapolation: a run's slot reused by another PC during its drain, exact") {
  HbmParams p = preset("u280");
  p.refresh = false;
  p.read_latency = p.write_latency = 0;
  Request a;
  a.id = 1;
  a.bytes = 64 << 10;
  a.addr = 4096 * 9;
  Request b = a;
  b.id = 2;
  b.bytes = 2 << 10;
  b.addr = a.addr + a.bytes;
  const Outcome alone = check(p, {a, b}, 0);
  const Cycle done_a = alone.done.at(1).second, done_b = alone.done.at(2).second;
  INFO("alone: A done " << done_a << ", B done " << done_b);
  REQUIRE(done_a < done_b);
  uint64_t drains = 0;
  for (Cycle at = done_a - 40; at < done_b; ++at) {
    std::vector<Request> reqs;
    uint64_t id = 1;
    for (Cycle token = 0; token < 4; ++token) {
      for (Request q : {a, b}) {
        q.id = id++;
        q.arrival = token * 40000;
        reqs.push_back(q);
      }
      if (token == 0) {
        Request r;
        r.id = id++;
        r.pc = 1;
        r.port = 1;
        r.bytes = 32;
        r.addr = 4096 * 3;
        r.arrival = at;
        reqs.push_back(r);
      }
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& x, const Request& y) { return x.arrival < y.arrival; });
    drains += check(p, reqs, uint64_t(at)).drains;
  }
  CHECK(drains > 0);
}

// The engine polled often (every few AXI cycles, like a busy SystemC wrapper): each poll
// stops the walk at its limit, and the stream stands at a memo node without rebuilding its
// queue (a virtual landing) until the next poll or the report. Every completion must be
// popped at the same poll as without extrapolation (a request completing on the edge ahead of
// a standing PC is due before that edge ends).
// A head / tail run per "token", three tokens, the tails arriving later: the next head waits
// behind the tail (prefetched), as in the weight DMA.
static std::vector<Request> head_tail_tokens() {
  std::vector<Request> reqs;
  uint64_t id = 1;
  for (Cycle token = 0; token < 3; ++token)
    for (int k = 0; k < 4; ++k) {
      Request q;
      q.id = id++;
      q.addr = 8192 + uint64_t(k / 2) * (200 << 10) + (k % 2 ? (16 << 10) : 0);
      q.bytes = k % 2 ? (184 << 10) : (16 << 10);
      q.arrival = token * 40000 + std::array<Cycle, 4>{0, 2100, 2200, 9000}[size_t(k)];
      reqs.push_back(q);
    }
  std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
  return reqs;
}

// Polls the engine every P AXI cycles, advancing every PC at each poll, and submits each
// request at the first poll at or after its arrival: id -> (first_data, done, poll). Returns
// the report without sim_advances.
static std::string poll_every(BankModel& m, const std::vector<Request>& reqs, Cycle P,
                              std::map<uint64_t, std::array<Cycle, 3>>& seen) {
  m.set_lazy(false);  // advance at every poll
  Completion c;
  size_t i = 0;
  for (Cycle t = 0; seen.size() < reqs.size(); t += P) {
    while (m.pop_completion(t, c)) seen[c.id] = {c.first_data, c.done, t};
    for (; i < reqs.size() && reqs[i].arrival <= t; ++i) {
      Request q = reqs[i];
      q.arrival = t;
      m.submit(q);
    }
  }
  StatGroup g("hbm");
  m.report(g, m.now());
  nlohmann::json j = g.to_json();
  j["stats"].erase("sim_advances");
  return j.dump(1);
}

TEST_CASE("stream extrapolation: frequent polls stop walks at their limit, exactly") {
  HbmParams p = preset("u280");
  for (int scenario = 0; scenario < 4; ++scenario) {
    p.refresh = scenario % 2;
    const Cycle P = scenario < 2 ? 50 : 7;  // poll period
    // no controller pipeline: a completion is due soon after its last column command, before
    // the end of the edge it is on
    p.read_latency = p.write_latency = scenario < 2 ? 40 : 0;
    std::vector<Request> reqs;
    if (scenario < 2) {  // one long stream
      Request q;
      q.id = 1;
      q.bytes = 1 << 20;
      q.addr = 4096 * 3 + 96;
      reqs.push_back(q);
    } else {
      reqs = head_tail_tokens();
    }
    std::map<uint64_t, std::array<Cycle, 3>> seen[2];  // id -> first_data, done, poll
    std::string report[2];
    uint64_t virt[2] = {0, 0}, jumps[2] = {0, 0}, vdrains[2] = {0, 0};
    for (int x = 0; x < 2; ++x) {
      p.stream_extrapolation = x;
      BankModel m(p);
      report[x] = poll_every(m, reqs, P, seen[x]);
      virt[x] = m.virtual_landings();
      jumps[x] = m.extrapolated_jumps();
      vdrains[x] = m.virtual_drains();
    }
    INFO("scenario " << scenario);
    REQUIRE(seen[1] == seen[0]);
    REQUIRE(report[1] == report[0]);
    CHECK(virt[1] > 5);  // (12: port-limited stretches are seldom met again)
    CHECK(jumps[1] > 10);
    CHECK(virt[0] == 0);
    if (scenario >= 2) CHECK(vdrains[1] > 0);  // the drain of each token's run, stood before
  }
}

TEST_CASE("stream extrapolation: streams with small requests mid-stream, U280, many seeds") {
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed % 4 != 0;
    p.open_page = seed % 3 != 0;
    Mix x;
    x.pcs = 1 + uint32_t(seed % 3);
    x.ports = 1 + uint32_t(seed % 4);
    x.smalls = uint32_t(seed % 5) * 6;
    x.stream_writes = seed % 5 == 0;
    x.write_fraction = double(seed % 4) / 3.0;
    check(p, workload(p, x, seed), seed);
  }
}

TEST_CASE("stream extrapolation: ports on other switches, tiny queues, rational clocks") {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    HbmParams p = preset("u280");
    Mix x;
    x.pcs = 2;
    x.ports = 8;  // requests from ports of other switches: hops and lateral links
    x.smalls = 10;
    if (seed % 2) {
      p.read_queue = 2 + uint32_t(seed % 5);
      p.write_queue = 3;
      p.write_high = 3;
      p.write_low = 1;
    }
    if (seed % 4 == 3) {
      p.dev_num = 5;
      p.dev_den = 2;
    }
    check(p, workload(p, x, seed + 100), seed + 100);
  }
}

TEST_CASE("stream extrapolation: other presets and mappings") {
  const char* names[] = {"dramsim3_hbm2_8gb_x128", "dramsys_hbm2", "ramulator2_hbm2_2000"};
  for (uint64_t seed = 1; seed <= 9; ++seed) {
    HbmParams p = preset(names[seed % 3]);
    p.refresh = seed % 2 == 1;
    if (seed > 6) {  // row on top, then bank bits above the column, or row not on top (off)
      const AddrField R = AddrField::Row, C = AddrField::Column, G = AddrField::BG, A = AddrField::BA;
      if (seed == 7) p.mapping = {{G, 0}, {A, 0}, {C, 0}, {A, 1}, {G, 1}, {R, 0}};
      if (seed == 8) p.mapping = {{C, 0}, {G, 0}, {G, 1}, {A, 0}, {A, 1}, {R, 0}};
      if (seed == 9) p.mapping = {{C, 0}, {G, 0}, {G, 1}, {A, 0}, {R, 0}, {A, 1}};
    }
    Mix x;
    x.pcs = 2;
    x.ports = 3;
    x.smalls = 8;
    x.stream_writes = seed % 3 == 1;
    check(p, workload(p, x, seed + 200), seed + 200);
  }
}

TEST_CASE("stream extrapolation: long streams, fast paths only, many seeds") {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    HbmParams p = preset("u280");
    Mix x;
    x.pcs = 4;
    x.ports = 4;
    x.streams = 3;
    x.stream_bytes = 512 << 10;
    x.smalls = 30;
    x.span = 400000;
    const Outcome o = check(p, workload(p, x, seed + 300), seed + 300, seed <= 2);
    CHECK(o.jumps > 0);
  }
}

// The fast path with small memos of each capacity in `caps` against the fast path without
// extrapolation: same completions and report, none late, the memo started over. Returns the
// memo runs, in the order of `caps`.
static std::vector<Outcome> small_memos(HbmParams p, const std::vector<Request>& reqs, std::vector<size_t> caps) {
  p.fast_path = true;
  p.stream_extrapolation = false;
  const Outcome f = drive(p, reqs);
  REQUIRE(f.done.size() == reqs.size());
  p.stream_extrapolation = true;
  std::vector<Outcome> r;
  for (size_t cap : caps) {
    r.push_back(drive(p, reqs, cap));
    const Outcome& o = r.back();
    INFO("capacity " << cap);
    REQUIRE(o.done == f.done);
    REQUIRE(o.report == f.report);
    REQUIRE(o.late == 0);
    CHECK(o.restarts > 0);
  }
  return r;
}

// A memo that starts over every few nodes (PCs standing at its nodes land first): results
// unchanged, on the run workload with several PCs.
TEST_CASE("stream extrapolation: a small memo starting over, exact") {
  HbmParams p = preset("u280");
  Mix x;
  x.pcs = 3;
  x.ports = 3;
  x.streams = 3;
  x.stream_bytes = 256 << 10;
  x.smalls = 6;
  x.span = 200000;
  const std::vector<Outcome> o = small_memos(p, workload(p, x, 4242), {4, 37});
  CHECK(o[1].jumps > 0);  // (4 nodes: restarts before any edge is known twice)
}

// Decode-like: the same weight streams every "token", with K/V-like reads whose length grows
// by one entry a token between them, in a memo small enough to start over within a token.
// A start keeps the nodes in use (x_evict: renumbered, edges between kept nodes kept, the
// rest dropped): results unchanged, and nodes are kept (fails if a start clears everything or
// an edge keeps the number of a node from before the start; with 32-burst requests memoised,
// capacity 48 popped 2 completions late while a start left a landed PC's bound as it was).
TEST_CASE("stream extrapolation: a memo starting over keeps the nodes in use, exact") {
  HbmParams p = preset("u280");
  std::vector<Request> reqs;
  uint64_t id = 1;
  Cycle at = 0;
  for (uint32_t tok = 0; tok < 6; ++tok) {
    for (uint32_t pc = 0; pc < 2; ++pc) {
      Request w;  // a weight stream: same addresses every token
      w.pc = pc;
      w.port = pc;
      w.addr = 4096 * (3 + pc) + 64 * pc;
      w.bytes = 160 << 10;
      w.arrival = at;
      w.id = id++;
      reqs.push_back(w);
      Request kv;  // a K/V read, one 512-B entry longer every token
      kv.pc = pc;
      kv.port = pc;
      kv.addr = (p.pc_bytes / 2) + 8192 * pc;
      kv.bytes = (40 + tok) * 512;
      kv.arrival = at + 3000;
      kv.id = id++;
      reqs.push_back(kv);
      Request w2 = w;  // the next matrix
      w2.addr = w.addr + (1 << 20);
      w2.arrival = at + 6000;
      w2.id = id++;
      reqs.push_back(w2);
    }
    at += 40000;
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
  for (const Outcome& o : small_memos(p, reqs, {48, 150, 400})) {
    CHECK(o.kept > 0);
    CHECK(o.jumps > 0);
  }
}

// The same with refresh edges: a long stream every "token" (refresh edges recur on long
// streams only), a K/V-like read between; refresh edges are replayed with starts in between.
TEST_CASE("stream extrapolation: a memo starting over keeps refresh edges, exact") {
  HbmParams p = preset("u280");
  std::vector<Request> reqs;
  uint64_t id = 1;
  Cycle at = 0;
  for (uint32_t tok = 0; tok < 4; ++tok) {
    Request w;
    w.pc = 0;
    w.port = 0;
    w.addr = 4096 * 3 + 64;
    w.bytes = 4 << 20;
    w.arrival = at;
    w.id = id++;
    reqs.push_back(w);
    Request kv = w;
    kv.addr = p.pc_bytes / 2;
    kv.bytes = (40 + tok) * 512;
    kv.id = id++;
    reqs.push_back(kv);
    at += 200000;
  }
  for (const Outcome& o : small_memos(p, reqs, {100, 160})) {
    CHECK(o.kept > 0);
    CHECK(o.refreshes > 0);
  }
}

// Refresh edges kept at a start are filed under the kept nodes' new numbers: a kept edge left
// under its old number is missed or, worse, found by the node that has that number now. Two
// PCs, each with three 256-KiB weight streams and a K/V read one entry longer every token, six
// tokens 150,037 AXI cycles apart (the refresh phase moves every token); memos of 418-697 nodes
// start over 1-4 times in the run and replay 6-15 refresh edges. With the old number kept, each
// of these capacities lands off the stream's address period (exception).
TEST_CASE("stream extrapolation: refresh edges kept at a start under their new node numbers, exact") {
  HbmParams p = preset("u280");
  std::vector<Request> reqs;
  uint64_t id = 1;
  Cycle at = 0;
  for (uint32_t tok = 0; tok < 6; ++tok) {
    for (uint32_t pc = 0; pc < 2; ++pc) {
      for (uint32_t m = 0; m < 3; ++m) {
        Request w;
        w.pc = pc;
        w.port = pc;
        w.addr = 4096 * (3 + m) + (uint64_t(m) << 20) + 64 * pc;
        w.bytes = 256 << 10;
        w.arrival = at + 100 * m;
        w.id = id++;
        reqs.push_back(w);
      }
      Request kv;
      kv.pc = pc;
      kv.port = pc;
      kv.addr = p.pc_bytes / 2 + 8192 * pc;
      kv.bytes = (40 + tok) * 512;
      kv.arrival = at + 500;
      kv.id = id++;
      reqs.push_back(kv);
    }
    at += 150037;
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
  for (const Outcome& o : small_memos(p, reqs, {418, 598, 697})) {
    CHECK(o.kept > 0);
    CHECK(o.refreshes > 0);
  }
}

// A starvation limit makes the counts of bursts served while the other direction waits part of
// a PC's state; the memo does not key on it, so it is off with a limit (docs/hbm.md): the same
// results with extrapolation on and off, and on the detailed path. Workload: a 1-MiB read
// stream on PC 0 keeps the read queue full; another port's 32-B write enters the write queue
// with the stream's first bursts, and a second stream follows.
TEST_CASE("stream extrapolation: off with a starvation limit, exact") {
  HbmParams p = preset("u280");
  std::vector<Request> reqs;
  Request q;
  q.id = 1;
  q.bytes = 1 << 20;
  q.addr = 4096 * 5;
  reqs.push_back(q);
  Request w;
  w.id = 2;
  w.port = 1;
  w.write = true;
  w.bytes = 32;
  w.addr = p.pc_bytes / 2;
  reqs.push_back(w);
  q.id = 3;
  q.addr += 1 << 20;
  q.arrival = 40000;
  reqs.push_back(q);
  const Outcome none = check(p, reqs, 0);
  CHECK(none.jumps > 0);  // without a limit the memo serves these streams
  for (uint32_t limit : {1u, 7u, 64u}) {
    p.starvation_limit = limit;
    const Outcome x = check(p, reqs, limit);
    CHECK(x.jumps == 0);
    // the write no longer waits for the first stream's end
    CHECK(x.done.at(2).second < none.done.at(2).second);
    CHECK(x.done.at(2).second < 100 + 16 * limit);
  }
}

// Drains across a refresh are filed under (node number, refresh distance), and a memo that
// starts over renumbers its nodes (x_evict): kept ones get lower numbers, new ones the numbers
// after them, so an entry from before the start would name another state, and its index into
// the drain edges (rebuilt at the start) another edge or none. The table is cleared at each
// start. Workload: the one of "drains across a refresh replayed" (four PCs, each the same
// stream every token, tokens 16 tREFI apart, small reads every fourth token) over 24 tokens,
// in memos of 40, 48 and 64 nodes that start over up to 62 times in the run (599 in all); in 9
// of the 18 runs a (node, distance) key recorded before a start is looked up again after it,
// 3-43 times (counted with a temporary counter, not in the tree). With the table kept across
// starts (the clear in x_evict removed), seed 1 at 48 nodes reads past the drain edges (a
// crash); with that read refused as well, seed 1 at 64 nodes, 4 at 40 and 48, 5 and 6 at 48
// replay another state's drain (completions differ).
TEST_CASE("stream extrapolation: drains across a refresh forgotten when the memo starts over, exact") {
  uint64_t restarts = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    for (const uint64_t cap : {40, 48, 64}) {
      HbmParams p = preset("u280");
      REQUIRE(p.timing.tREFI == 3510);
      REQUIRE(p.dev_num == 2 * p.dev_den);
      if (seed % 2) p.read_latency = p.write_latency = 0;
      p.memo_nodes = cap;
      const std::vector<Request> reqs = refresh_drain_workload(seed, 24, false);
      INFO("capacity " << cap);
      const Outcome x = check(p, reqs, seed, seed == 1);
      restarts += x.restarts;
    }
  }
  INFO("restarts " << restarts);
  CHECK(restarts > 300);
}

// Polls a few bursts apart (the engine's limit moves by 4 to 15 edges an advance, as on the
// whole decode runs, where one advance a completion bound walks about 10 edges): the walks
// take the short composed edges (kXSkipLen[0] edges a step) where the long one would pass the
// limit. One long stream, or a head / tail run per "token" whose requests complete inside the
// windows (no composed edge over a completion), refresh on and off, a memo small enough to
// start over (short edges renumbered or dropped with the nodes). Memo on = memo off = the
// detailed path, poll by poll. Fails if a short step ignores the limit, the entering request's
// last burst or the refresh due (a walk stopped early: the pinned count), if a short edge is
// composed over a completion, or if a memo start keeps a short edge's old successor (each
// mutation checked, docs/hbm-speed.md).
TEST_CASE("stream extrapolation: walks to a near limit take short composed edges, exact") {
  uint64_t short_steps = 0, long_steps = 0, restarts = 0, replayed = 0, clamped = 0;
  for (int scenario = 0; scenario < 12; ++scenario) {
    HbmParams p = preset("u280");
    p.refresh = scenario % 2;
    const Cycle P = std::array<Cycle, 3>{70, 130, 400}[size_t(scenario / 2 % 3)];  // poll period, AXI cycles
    p.read_latency = p.write_latency = scenario % 3 ? 40 : 0;
    if (scenario >= 6) p.memo_nodes = 96 + 32 * uint32_t(scenario % 3);
    std::vector<Request> reqs;
    if (scenario % 4 < 2) {  // one long stream, small reads and writes of another port in it
      Request q;
      q.id = 1;
      q.bytes = (1 << 20) + 4096 * uint64_t(scenario);
      q.addr = 4096 * 3 + 96;
      reqs.push_back(q);
      for (uint64_t k = 0; k < 16; ++k) {  // each one's first burst a clamp for the walks
        Request r;
        r.id = 2 + k;
        r.port = 1;
        r.write = k % 2;  // a write enters its own queue: walks stop short of its first burst
        r.bytes = 256;
        r.addr = p.pc_bytes / 2 + 4096 * k;
        r.arrival = 3000 + 1000 * Cycle(scenario) + 2300 * Cycle(k);
        reqs.push_back(r);
      }
      std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    } else {
      reqs = head_tail_tokens();
    }
    std::map<uint64_t, std::array<Cycle, 3>> seen[3];  // id -> first_data, done, poll
    std::string report[2];
    uint64_t shorts[2] = {0, 0};
    for (int x = 0; x < 3; ++x) {  // memo off, memo on, detailed path
      p.stream_extrapolation = x == 1;
      p.fast_path = x < 2;
      BankModel m(p);
      const std::string r = poll_every(m, reqs, P, seen[x]);
      if (x < 2) {
        report[x] = r;
        shorts[x] = m.extrapolated_short_skips();
        if (x == 1) {
          replayed += m.extrapolated_bursts();
          clamped += m.walks_clamped();
          long_steps += m.extrapolated_skips();
          restarts += m.extrapolation_restarts();
        }
      }
    }
    INFO("scenario " << scenario);
    REQUIRE(seen[1] == seen[0]);
    REQUIRE(seen[2] == seen[0]);
    REQUIRE(report[1] == report[0]);
    CHECK(shorts[0] == 0);
    CHECK(shorts[1] > 20);  // fails if the short edges are never taken
    short_steps += shorts[1];
  }
  CHECK(restarts > 0);
  CHECK(long_steps > 0);
  CHECK(clamped > 0);
  // Bursts replayed over all scenarios, pinned (deterministic): a short step that crossed the
  // refresh due would be replaced by the refresh edge from its start node, which is not there,
  // and the walk would stop early (14,911 with `tk < ref` dropped for the short level; 14,878
  // before the arrival nodes, which replay more; 14,961 before the crossings into a lane's next
  // request, x_cross_step, which replay a few more; 14,968 while the memo's restarts kept them).
  CHECK(replayed == 14967);
}

// Arrival nodes (x_visit's `arrival`): a long request's first burst enters an idle PC as it
// reaches it, and its later bursts reach the PC one an AXI cycle while the queue fills: no
// burst waits for room, so no ordinary node is met until the queue is full. The state at that
// first ingress, with the schedule's phase (the AXI cycle's position in the device clock), is
// a node, and the stretch to the first ingress that waits for room its edge. Tokens replay the
// same stream on four PCs, each token's start moved by 0-3 AXI cycles. With AXI at 2/5 of the
// device clock (odd seeds) consecutive bursts reach the PC 2 or 3 device cycles apart as the
// phase says, so the same state comes back with another schedule (fails if the key
// leaves the phase out). Bursts of 2 or 4 beats on most seeds (the arrivals decide when the
// queue fills), queues of 4 on some, refresh on seeds 7-12 (refresh edges from arrival nodes),
// writes on some, a small read of another port mid-stream on some tokens. Seeds 13-16: write
// streams crossing a switch from ports 4 and 6 while port 5, on port 4's lateral connection,
// writes at a varying time: their bursts reach the PC when the link has carried their data,
// not on the port's schedule, so they make no arrival node (fails if they do).
static std::vector<Request> arrival_workload(const HbmParams& p, uint64_t seed, Cycle tokens) {
  SplitMix64 rng(seed * 7919);
  std::vector<Request> reqs;
  uint64_t id = 1;
  const uint64_t addr = p.beat_bytes * (rng.next() % 4096);
  const uint64_t bytes = (seed % 4 == 0 ? 48 << 10 : 12 << 10) + p.beat_bytes * (rng.next() % 128);
  const bool cross = seed > 12;
  for (Cycle token = 0; token < tokens; ++token) {
    const Cycle at = 500 + token * 20000 + rng.next() % 4;
    for (uint32_t pc = 0; pc < 4; ++pc) {
      Request q;
      q.id = id++;
      q.pc = pc;
      q.port = cross && pc % 2 == 0 ? 4 + pc : pc;  // PCs 0 and 2: from ports 4 and 6 (switch 1)
      q.addr = addr;
      q.bytes = bytes;
      q.write = cross || (seed % 4 == 3 && pc % 2);
      q.arrival = at + Cycle(pc * (seed % 2 ? 5 : 2));
      reqs.push_back(q);
    }
    if (cross) {  // port 5 shares port 4's lateral connection: a write of its to PC 1 or 3
      Request w;
      w.id = id++;
      w.pc = 1 + 2 * uint32_t(rng.next() % 2);
      w.port = 5;
      w.write = true;
      w.addr = (64 << 20) + 4096 * token;
      w.bytes = 32 << (rng.next() % 6);
      w.arrival = at + rng.next() % 60;
      reqs.push_back(w);
    }
    if (token % 3 == 1) {
      Request r;
      r.id = id++;
      r.pc = uint32_t(rng.next() % 4);
      r.port = 16 + r.pc;
      r.addr = (96 << 20) + 4096 * token;
      r.bytes = 64;
      r.arrival = at + 5 + rng.next() % 200;
      reqs.push_back(r);
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
  return reqs;
}

TEST_CASE("stream extrapolation: arrival nodes at a long request's first burst, exact") {
  uint64_t walks = 0;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    HbmParams p = preset("u280");
    p.refresh = seed > 6 && seed <= 12;
    if (seed % 2) {
      p.dev_num = 5;
      p.dev_den = 2;
    }
    p.max_burst_beats = std::array<uint32_t, 4>{16, 2, 4, 2}[seed % 4];
    if (seed % 8 >= 4 && seed <= 12) {
      p.read_queue = p.write_queue = p.write_high = 4;
      p.write_low = 1;
    }
    if (seed > 12) {  // write data crossing the link decides when bursts reach the PC
      p.max_burst_beats = seed == 13 ? 8 : 4;
      p.lateral_beats = seed == 13 ? 2 : 1;
    }
    const Outcome x = check(p, arrival_workload(p, seed, 16), seed, seed <= 4 || seed > 12);
    INFO("seed " << seed << ": walks from arrival nodes " << x.arrival_walks);
    walks += x.arrival_walks;
  }
  INFO("walks from arrival nodes " << walks);
  CHECK(walks == 661);  // pinned (deterministic)
}

// A small request of another lane that enters and completes between two nodes leaves the run
// unchanged, so the stretch looked like an edge of the node before it, whose key does not hold
// that request (it waits in its lane, outside the run: walks stop short of the time its first
// burst reaches the PC, the clamp). Here: write_high 1, write_low 0, so a small write reaching
// a PC that streams reads enters its queue, is served at once and completes while the read
// queue stays full, before the stream's next burst enters. Edges are recorded only if they
// end before the clamp at their start (fails without that: 9 of these 72 runs, 10 with the
// arrival nodes off, memo on != memo off = detailed). The arrival-node test's crossing-write
// workload fails the same way with the preset's write_high 24 and write_low 8 kept above
// queues of 2-8 (which the config parser rejects): a small read preempts a write stream.
TEST_CASE("stream extrapolation: a small request of another lane served between two nodes, exact") {
  uint64_t jumps = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    for (uint32_t q : {4u, 8u, 32u}) {
      HbmParams p = preset("u280");
      p.refresh = seed % 4 != 0;
      p.open_page = seed % 3 != 0;
      p.read_queue = p.write_queue = q;
      p.write_high = 1;
      p.write_low = 0;
      Mix x;
      x.pcs = 1 + uint32_t(seed % 3);
      x.ports = 1 + uint32_t(seed % 4);
      x.smalls = 6 + uint32_t(seed % 5) * 6;
      x.stream_writes = seed % 5 == 0;
      x.write_fraction = double(seed % 4) / 3.0;
      INFO("queues " << q);
      const Outcome o = check(p, workload(p, x, seed), seed);
      jumps += o.jumps;
    }
  }
  INFO("jumps " << jumps);
  CHECK(jumps == 912);  // pinned (deterministic; 2109 before x_horizon: fewer advances, fewer and longer walks)
}

// x_horizon: a PC standing at a memo node is not advanced before the first edge ahead that
// completes a request (or where a walk would stop). Polled at every AXI cycle by the lazy
// engine, each completion must still pop at its own done (a horizon past a completion pops it
// late), memo on equal to memo off. Contiguous runs (the earlier requests complete on edges
// while the next one enters), with and without refresh and controller latency; the same runs
// port-limited (1-beat AXI bursts, AXI at 2/5 of the device clock: the queue does not fill,
// an edge that completes a request ends after that column, bursts wait for the port); the
// arrival-node workload (a long request's bursts entering as they reach the PC).
static uint64_t every_cycle(HbmParams p, const std::vector<Request>& reqs, bool memo,
                            std::map<uint64_t, std::pair<Cycle, Cycle>>& done, uint64_t& virt) {
  p.stream_extrapolation = memo;
  BankModel m(p);
  Completion c;
  uint64_t late = 0;
  size_t i = 0;
  for (Cycle t = 1; done.size() < reqs.size(); ++t) {
    while (m.pop_completion(t, c)) {
      done[c.id] = {c.first_data, c.done};
      late += c.done != t;
    }
    while (i < reqs.size() && reqs[i].arrival <= t) {
      Request q = reqs[i++];
      q.arrival = t;
      m.submit(q);
    }
  }
  virt += m.virtual_landings();
  return late;
}

TEST_CASE("stream extrapolation: polled every cycle, a standing PC's completions pop at their done") {
  uint64_t virt[3] = {0, 0, 0};
  for (int kind = 0; kind < 3; ++kind)
    for (uint64_t seed = 1; seed <= (kind == 2 ? 8u : 6u); ++seed) {
      HbmParams p = preset("u280");
      p.refresh = seed % 3 != 0;
      if (seed % 2) p.read_latency = p.write_latency = 0;
      if (kind == 1) {
        p.max_burst_beats = 1;
        p.dev_num = 5;
        p.dev_den = 2;
      }
      std::vector<Request> reqs;
      if (kind == 2) {
        reqs = arrival_workload(p, seed, 4);
      } else {
        SplitMix64 rng(seed * 91);
        uint64_t id = 1;
        for (uint32_t pc = 0; pc < 3; ++pc) {
          std::vector<Item> layout;
          uint64_t addr = 32 * (rng.next() % 4096);
          for (int k = 0; k < (kind ? 4 : 6); ++k) {
            const uint64_t bytes = k % 2 ? (kind ? 12 << 10 : 48 << 10) + 32 * (rng.next() % 256)
                                         : (8 << 10) - 32 * (rng.next() % 3);
            layout.push_back({addr, bytes, pc, seed == 4 && pc == 1});
            addr += bytes;
          }
          per_token(layout, pc, rng, [&] { return Cycle(rng.next() % 2000); }, id, reqs);
        }
        std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
      }
      std::map<uint64_t, std::pair<Cycle, Cycle>> done[2];
      uint64_t unused = 0;
      INFO("kind " << kind << " seed " << seed);
      REQUIRE(every_cycle(p, reqs, false, done[0], unused) == 0);
      REQUIRE(every_cycle(p, reqs, true, done[1], virt[kind]) == 0);
      REQUIRE(done[1] == done[0]);
    }
  CHECK(virt[0] > 100);  // the PCs stood at nodes between polls
  CHECK(virt[1] > 5);  // (12: port-limited stretches are seldom met again)
  INFO("virtual landings " << virt[0] << " " << virt[1] << " " << virt[2]);
  CHECK(virt[2] > 10);
}

// Workloads for x_horizon's stops (issue 13, spd13m): a PC standing at memo nodes while an
// older request of its run completes on an edge ahead. Per token, from one port:
//   - `older_then_stream` (a): a request C, a small read A to another row of the bank where C
//     ends (1 MiB + 2 KiB k further), and B continuing C (24 KiB): A is bypassed by C's and
//     B's row hits (FR-FCFS) and completes while B's bursts enter; `short_c` makes C 2 KiB,
//     `late_a` moves A (and B) up to 100 cycles later;
//   - (b) a short request A (1 or 4 KiB) and B continuing it (16 KiB) 20-80 cycles later, B's
//     first burst entering as it reaches the PC (arrival nodes), one or two PCs, and a 64-B
//     read of another port every fourth token; (`shared_port`, family 5) a 256 B-2 KiB read
//     of the same port to PC 4 + pc after B's first burst.
static std::vector<Request> older_then_stream(uint64_t seed, int family) {
  SplitMix64 rng(seed * 7919 + uint64_t(family));
  std::vector<Request> r;
  uint64_t id = 1;
  const bool short_c = family == 1, late_a = family == 2;
  if (family <= 2) {
    for (uint32_t pc = 0; pc < 2; ++pc) {
      const uint64_t base = 32 * (rng.next() % 4096);
      const uint64_t c = (short_c ? 2048 : 8192) + 32 * (rng.next() % 64), b = (24 << 10) + 32 * (rng.next() % 64);
      const uint64_t aoff = (1 << 20) + 2048 * (rng.next() % 8);
      for (int t = 0; t < 12; ++t) {
        const Cycle at = 300 + t * 12000 + rng.next() % 8;
        Request q;
        q.id = id++;
        q.pc = pc;
        q.port = pc;
        q.addr = base;
        q.bytes = c;
        q.arrival = at;
        r.push_back(q);
        Request a = q;
        a.id = id++;
        a.addr = base + aoff + c;
        a.bytes = 32u << (rng.next() % 3);
        a.arrival = at + 1 + (late_a ? rng.next() % 100 : 0);
        r.push_back(a);
        Request w = q;
        w.id = id++;
        w.addr = base + c;
        w.bytes = b;
        w.arrival = a.arrival + 1;
        r.push_back(w);
      }
    }
  } else {
    const uint32_t pcs = family == 3 ? 1 : 2;
    const bool shared_port = family == 5;
    for (uint32_t pc = 0; pc < pcs; ++pc) {
      uint64_t addr = 32 * (rng.next() % 4096);
      const uint64_t a = (family == 4 ? 4096 : 1024) + 32 * (rng.next() % 64);
      const uint64_t b = (16 << 10) + 32 * (rng.next() % 64);
      const Cycle d = 20 + rng.next() % 60;
      for (int t = 0; t < 24; ++t) {
        const Cycle at = 300 + t * 9000 + rng.next() % 8;
        Request q;
        q.id = id++;
        q.pc = pc;
        q.port = pc;
        q.addr = addr;
        q.bytes = a;
        q.arrival = at;
        r.push_back(q);
        Request w = q;
        w.id = id++;
        w.addr = addr + a;
        w.bytes = b;
        w.arrival = at + d;
        r.push_back(w);
        if (shared_port) {  // a read of the same port to PC 4 + pc, after B's first burst
          Request o = q;
          o.id = id++;
          o.pc = 4 + pc;
          o.addr = (32 << 20) + 8192 * t;
          o.bytes = 256u << (rng.next() % 4);
          o.arrival = at + d + 100 + rng.next() % 200;
          r.push_back(o);
        }
        if (t % 4 == 3) {
          Request s = q;
          s.id = id++;
          s.port = 8 + pc;
          s.addr = (64 << 20) + 4096 * t;
          s.bytes = 64;
          s.arrival = at + rng.next() % 400;
          r.push_back(s);
        }
      }
    }
  }
  std::stable_sort(r.begin(), r.end(), [](const Request& x, const Request& y) { return x.arrival < y.arrival; });
  return r;
}

// Parameters drawn per seed: refresh, controller latency, AXI burst length, AXI clock, queue
// depth (write watermarks inside it), page policy.
static HbmParams drawn(uint64_t seed) {
  HbmParams p = preset("u280");
  SplitMix64 g(seed * 31 + 7);
  p.refresh = g.next() % 3 != 0;
  if (g.next() % 2) p.read_latency = p.write_latency = 0;
  p.max_burst_beats = std::array<uint32_t, 4>{1, 2, 4, 16}[g.next() % 4];
  const uint64_t clock = g.next() % 3;
  if (clock) {
    p.dev_num = 5;
    p.dev_den = clock == 1 ? 2 : 3;
  }
  const uint32_t q = std::array<uint32_t, 4>{4, 8, 16, 32}[g.next() % 4];
  p.read_queue = p.write_queue = q;
  p.write_high = std::min<uint32_t>(p.write_high, q);
  p.write_low = std::min<uint32_t>(p.write_low, q / 2);
  p.open_page = g.next() % 2 == 0;
  return p;
}

// x_horizon's stops, polled every cycle and at next_event: memo on = memo off = detailed
// for every completion, none popped late. Mutations of x_horizon this does not catch (the
// docs/hbm-speed.md section spd13m): `nocomplete` (equivalent: a completing edge followed
// ends at its request's last column) and `noready`.
TEST_CASE("stream extrapolation: polled every cycle, older requests complete ahead of a standing PC") {
  uint64_t virt = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const HbmParams p = drawn(seed);
    const int family = int(seed % 5);
    const std::vector<Request> reqs = older_then_stream(seed, family);
    std::map<uint64_t, std::pair<Cycle, Cycle>> done[2];
    uint64_t unused = 0;
    INFO("seed " << seed << " family " << family);
    REQUIRE(every_cycle(p, reqs, false, done[0], unused) == 0);
    REQUIRE(every_cycle(p, reqs, true, done[1], virt) == 0);
    REQUIRE(done[1] == done[0]);
    check(p, reqs, seed, seed <= 20);
  }
  INFO("virtual landings " << virt);
  CHECK(virt > 1000);
}

// Family 5 (B's port also sends a read to another PC, PC 4 + pc: 256 B-2 KiB, 8-64 bursts,
// crossing a switch): found by spd13m, fixed by memo13n. Such a read's first burst is an
// arrival node whose key (state and arrival phase, no burst count) equals a node of a longer
// request (B of another token), whose edge admits more bursts than the read has. x_walk
// stood the PC at that edge when it crossed the limit (bound: the edge's end) before testing
// that the request has the bursts; the read completed before that end, popped late, and a
// crossing read's data entered the read-data links after a later one's (wrong first_data and
// done). Polled every cycle: memo on = off, none late, 300 seeds; at next_event on = off =
// detailed for the seeds that failed (19, 57, 69, 95, 197, 253).
TEST_CASE("stream extrapolation: a port shared with another PC, short reads on a longer request's arrival edges") {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    const HbmParams p = drawn(seed);
    const std::vector<Request> reqs = older_then_stream(seed, 5);
    std::map<uint64_t, std::pair<Cycle, Cycle>> done[2];
    uint64_t unused = 0;
    INFO("seed " << seed);
    REQUIRE(every_cycle(p, reqs, false, done[0], unused) == 0);
    REQUIRE(every_cycle(p, reqs, true, done[1], unused) == 0);
    REQUIRE(done[1] == done[0]);
    if (seed == 19 || seed == 57 || seed == 69 || seed == 95 || seed == 197 || seed == 253) check(p, reqs, seed);
  }
}

// Composed edges (x_compose) carry each request's largest chain term across their constituent
// edges, each term measured in its request's units (chain_scale: S = max_burst_beats for a
// write, 1 for a read; XEdge::writes). A term moved to the composed edge's end in read units is
// too high by (T - t) x den x (S - 1), t its constituent's end, T the composed edge's: harmless
// while a write's last burst's term dominates (a beat at the DRAM takes no less than an AXI
// cycle, as in the presets: one AXI cycle per beat), not where the DRAM serves a write's beats
// faster than the port's one response per burst per AXI cycle returns them (here the device
// clock at 5x and 8x the AXI clock, 4- and 8-beat AXI bursts): an earlier burst's term is the
// request's done there. Address-contiguous writes per token (a write drains while the next one
// enters), with and without refresh: memo on = memo off = detailed (spd13p: fails with the
// mask cleared, `writes |= bit` dropped in x_record, or with x_compose's terms in read units).
TEST_CASE("stream extrapolation: writes served faster than the AXI clock, on composed edges, exact") {
  uint64_t skips = 0;
  for (uint32_t S : {4u, 8u})
    for (uint32_t num : {5u, 8u})
      for (int refresh = 0; refresh < 2; ++refresh) {
        HbmParams p = preset("u280");
        p.max_burst_beats = S;
        p.dev_num = num;
        p.dev_den = 1;
        p.refresh = refresh;
        SplitMix64 rng(S * 100 + num);
        std::vector<Request> reqs;
        uint64_t id = 1;
        std::vector<Item> layout;
        uint64_t addr = 32 * (rng.next() % 4096);
        for (int k = 0; k < 4; ++k) {
          const uint64_t bytes = k % 2 ? (48 << 10) + 32 * (rng.next() % 256) : (8 << 10) - 32 * (rng.next() % 3);
          layout.push_back({addr, bytes, 0, true});
          addr += bytes;
        }
        per_token(layout, 0, rng, [&] { return Cycle(rng.next() % 200); }, id, reqs);
        std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
        INFO(S << "-beat bursts, device clock " << num << "x AXI, refresh " << refresh);
        skips += check(p, reqs, S * 100 + num * 10 + uint64_t(refresh)).skips;
      }
  CHECK(skips > 100);  // composed edges taken (fails if the memo never composes here)
}

// Crossings (x_cross_step): a walk at the ingress of a request's last burst goes on into the
// next request of its lane on a recorded stretch keyed on the node, the last burst's beats and
// where the next request starts. Per token and PC, on one port: a stream C; a request A of two
// bursts at a fixed address one beat before a burst boundary, its length drawn per token (the
// same start and next request, another last-burst size: the node a walk reaches there may hold
// another size, so the key must); B at a fixed address elsewhere; D continuing B. Per token, B
// and D are submitted with A (at the PC before A's last burst enters: crossings), much later
// (none), or at a random time over C's stream (B's first burst reaching the PC before, at or
// after A's last ingress: a crossing is taken where B's first burst comes only after its end,
// and the walk must land there); and now and
// then a small read or write of another port (another lane: none may be taken while it is
// busy). Parameters drawn per seed (refresh, latencies, burst length, clocks, queue depth, page
// policy, the masters' pace and command gap; 8 more with a memo of 64 nodes, so that it starts
// over with crossings in it). memo on = memo off (= detailed for the first
// seeds), and crossings taken.
TEST_CASE("stream extrapolation: crossings into the next request of a lane, exact") {
  uint64_t crossings = 0, early = 0, restarts = 0;
  for (uint64_t seed = 1; seed <= 32; ++seed) {
    HbmParams p = drawn(seed + 100);
    // the masters' pace and command gap: B's first burst reaches the PC that much after A's
    // last (the same port), so at A's last ingress it may not be there yet
    p.master_command_gap = std::array<uint32_t, 4>{0, 6, 20, 60}[seed % 4];
    p.master_ar_cycles = seed % 3 == 0 ? 2 : 1;
    if (seed > 24) p.memo_nodes = 64;  // the memo starts over often, its crossings dropped
    SplitMix64 rng(seed * 613);
    std::vector<Request> reqs;
    uint64_t id = 1;
    const uint64_t burst = uint64_t(p.max_burst_beats) * p.beat_bytes;
    for (uint32_t pc = 0; pc < 2; ++pc) {
      const uint64_t c0 = 32 * (rng.next() % 4096), a0 = (4 << 20) + burst * (rng.next() % 64) + burst - 32;
      const uint64_t b0 = (8 << 20) + 32 * (rng.next() % 4096);
      const uint64_t cb = (8 << 10) + 32 * (rng.next() % 256), bb = (24 << 10) + 32 * (rng.next() % 256);
      for (int t = 0; t < 12; ++t) {
        const Cycle at = 300 + Cycle(t) * 30000 + rng.next() % 8;
        auto add = [&](uint32_t port, bool write, uint64_t addr, uint64_t bytes, Cycle arrival) {
          Request q;
          q.id = id++;
          q.pc = pc;
          q.port = port;
          q.write = write;
          q.addr = addr;
          q.bytes = bytes;
          q.arrival = arrival;
          reqs.push_back(q);
        };
        add(pc, false, c0, cb, at);
        add(pc, false, a0, 32 + 32 * (1 + rng.next() % std::max<uint64_t>(1, p.max_burst_beats)), at + 1);
        const uint64_t mode = rng.next() % 3;
        const Cycle bt = at + 2 + (mode == 1 ? 4000 + rng.next() % 2000 : mode == 2 ? rng.next() % 1200 : 0);
        add(pc, false, b0, bb, bt);
        add(pc, false, b0 + bb, bb / 2 + 32 * (rng.next() % 8), bt + 1);
        if (rng.next() % 3 == 0)
          add(8 + pc, rng.next() % 2, (16 << 20) + 4096 * uint64_t(t), 64u << (rng.next() % 4), at + rng.next() % 1200);
      }
    }
    std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) { return a.arrival < b.arrival; });
    const Outcome x = check(p, reqs, seed, seed <= 8);
    crossings += x.crossings;
    early += x.cross_early;
    restarts += x.restarts;
  }
  INFO("crossings " << crossings << ", before the next request's first burst came " << early);
  CHECK(crossings > 100);  // fails if no crossing is taken
  CHECK(early > 0);  // fails if a crossing waits for that burst
  CHECK(restarts > 10);
}

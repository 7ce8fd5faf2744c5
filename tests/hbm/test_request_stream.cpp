// Streamed submissions (hbm::Model::submit_stream, include/skipopu/hbm/hbm_model.hpp): every
// model, bare or behind the AXI front end, returns exactly what submit() of each request in
// order returns (completions in pop order, the report), with other requests submitted while
// the stream is still being taken, and takes the requests lazily where it may (a few made when
// it is submitted, not all of them).
#include <catch2/catch.hpp>

#include "../../src/hbm/axi_frontend.hpp"
#include "../../src/hbm/bank_model.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

namespace {

struct VectorSource final : RequestSource {
  std::vector<Request> v;
  size_t at = 0, made = 0;  // made: requests handed out since the last rewind
  void rewind() override { at = made = 0; }
  bool next(Request& r) override {
    if (at == v.size()) return false;
    r = v[at++];
    ++made;
    return true;
  }
};

// One submission: a streamed job (all at `at`) or single requests (each at `at`).
struct Batch {
  Cycle at;
  bool stream;
  std::vector<Request> reqs;
};

struct Result {
  std::vector<Completion> out;
  std::string report;
  size_t made_at_submit = 0;  // requests the source had made when the first stream was submitted
};

Result drive(Model& m, const std::vector<Batch>& batches, bool streamed) {
  Result res;
  std::vector<VectorSource> sources(batches.size());
  std::vector<RequestStream> streams(batches.size());
  uint64_t id = 0;
  Completion c;
  bool first = true;
  for (size_t b = 0; b < batches.size(); ++b) {
    const Batch& x = batches[b];
    for (Cycle e; (e = m.next_event()) < x.at;)
      while (m.pop_completion(e, c)) res.out.push_back(c);
    if (x.stream && streamed) {
      sources[b].v = x.reqs;
      streams[b].reset(sources[b], id, x.at);
      sources[b].made = 0;
      m.submit_stream(streams[b]);
      if (first) res.made_at_submit = sources[b].made;
      first = false;
      id += x.reqs.size();
    } else {
      for (Request r : x.reqs) {
        r.id = id++;
        r.arrival = x.at;
        m.submit(r);
      }
    }
  }
  for (Cycle e; (e = m.next_event()) != kNever;)
    while (m.pop_completion(e, c)) res.out.push_back(c);
  StatGroup g("hbm");
  m.report(g, m.now());
  g.print(res.report, 0, true);
  return res;
}

HbmParams params(const std::string& model, HbmParams::IdOrdering ord) {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
  p.model = model;
  p.id_ordering = ord;
  return p;
}

// A prefill-like workload on `pcs` channels (port = pc): a weight stream on every PC, then a
// long streamed job of short requests (rows striped over half the channels, like the
// embedding lookup), then more weight requests while it is being taken, then a second stream.
// short_pieces: the rows' pieces are single beats at consecutive addresses (row hits on
// alternating bank groups), which the PC serves faster than a port at pace 2 sends them.
std::vector<Batch> workload(uint32_t pcs, uint64_t seed, bool mixed_ports, bool long_pieces = false,
                            bool writes = true, bool short_pieces = false) {
  SplitMix64 rng(seed);
  std::vector<Batch> bs;
  Batch w{0, false, {}};
  for (uint32_t pc = 0; pc < pcs; ++pc) {
    Request r;
    r.pc = r.port = pc;
    r.addr = 1 << 20;
    r.bytes = 64 << 10;
    w.reqs.push_back(r);
  }
  bs.push_back(w);
  for (int job = 0; job < 2; ++job) {
    Batch s{Cycle(100 + job * 20000), true, {}};
    for (uint32_t row = 0; row < 600; ++row) {
      const uint32_t half = uint32_t(rng.next() % 2) * (pcs / 2);
      const uint64_t base = (rng.next() % 4096) * 512;
      for (uint32_t k = 0; k < pcs / 2; ++k) {
        Request r;
        r.pc = half + k;
        r.port = mixed_ports && k == 1 ? half : r.pc;  // one port feeding two PCs: all at once
        r.addr = base;
        r.bytes = 512;
        if (short_pieces) {
          r.addr = (8 << 20) + uint64_t(job * 600 + row) * 32;
          r.bytes = 32;
        }
        if (long_pieces && row % 37 == 0) {  // a long request now and then (the memo follows those)
          r.addr = (4 << 20) + uint64_t(row) * (64 << 10);
          r.bytes = 64 << 10;
        }
        const bool write = (rng.next() % 16) == 0;
        r.write = writes && write;
        s.reqs.push_back(r);
      }
    }
    bs.push_back(s);
    for (int k = 1; k <= 3; ++k) {  // weight requests arriving while the stream is taken
      Batch more{s.at + Cycle(k * 500), false, {}};
      for (uint32_t pc = 0; pc < pcs; pc += 3) {
        Request r;
        r.pc = r.port = pc;
        r.addr = (2 << 20) + uint64_t(k) * (8 << 10);
        r.bytes = 8 << 10;
        more.reqs.push_back(r);
      }
      bs.push_back(more);
    }
  }
  return bs;
}

void check_same(HbmParams p, bool front, bool mixed_ports, bool expect_lazy, bool long_pieces = false,
                bool writes = true, bool short_pieces = false) {
  p.pseudo_channels = 8;
  p.ports = 8;
  const auto bs = workload(p.pseudo_channels, 7, mixed_ports, long_pieces, writes, short_pieces);
  auto make = [&]() -> std::unique_ptr<Model> {
    HbmParams bare = p;
    bare.id_ordering = HbmParams::IdOrdering::None;
    bare.max_outstanding_reads = bare.max_outstanding_writes = 0;
    if (!front) return make_model(bare);
    return std::make_unique<AxiFrontEnd>(p, make_model(bare));
  };
  auto a = make(), b = make();
  const Result eager = drive(*a, bs, false), lazy = drive(*b, bs, true);
  REQUIRE(eager.out.size() == lazy.out.size());
  for (size_t i = 0; i < eager.out.size(); ++i) {
    INFO("completion " << i);
    REQUIRE(eager.out[i].id == lazy.out[i].id);
    REQUIRE(eager.out[i].arrival == lazy.out[i].arrival);
    REQUIRE(eager.out[i].first_data == lazy.out[i].first_data);
    REQUIRE(eager.out[i].done == lazy.out[i].done);
  }
  CHECK(eager.report == lazy.report);
  const size_t n = bs[1].reqs.size();
  if (expect_lazy) CHECK(lazy.made_at_submit < n / 10);
  else CHECK(lazy.made_at_submit == n);
}

}  // namespace

TEST_CASE("request stream: burst model, bare and behind the AXI front end, same as submit()") {
  const auto ord = GENERATE(HbmParams::IdOrdering::None, HbmParams::IdOrdering::SingleSlavePerId,
                            HbmParams::IdOrdering::PerIdInOrder);
  const bool front = GENERATE(false, true);
  check_same(params("burst", ord), front, false, true);
}

TEST_CASE("request stream: bank model (fast path, extrapolation on and off), same as submit()") {
  const auto ord = GENERATE(HbmParams::IdOrdering::None, HbmParams::IdOrdering::SingleSlavePerId);
  const bool front = GENERATE(false, true);
  HbmParams p = params("bank", ord);
  p.stream_extrapolation = GENERATE(true, false);
  p.master_ar_cycles = GENERATE(1u, 2u);  // the masters' AR pace: a feed's bursts at base + k x pace (step 18)
  const bool long_pieces = GENERATE(false, true);  // long requests in the stream: the memo runs while it is taken
  // reads only: the bank model keeps a lane per port and direction, so a port's stream of both
  // is taken whole (next test case)
  check_same(p, front, false, true, long_pieces, false);
}

// The masters' AR pace (docs/rtl.md step 18): a lazily taken stream's requests leave the port
// at base + k x pace as submit()'s do; single-beat pieces make the port the bottleneck. With
// the read masters' command gap (step 22) each next request's base is the one before + its
// bursts x pace + gap, in the feeds (reserve, take) as in submit().
TEST_CASE("request stream: bank model at the masters' AR pace, port-limited pieces, same as submit()") {
  HbmParams p = params("bank", HbmParams::IdOrdering::None);
  p.stream_extrapolation = GENERATE(true, false);
  p.master_ar_cycles = GENERATE(2u, 3u);
  p.master_command_gap = GENERATE(0u, 2u);
  check_same(p, false, false, true, false, false, true);
}

TEST_CASE("request stream: taken whole where it may not be lazy, same as submit()") {
  SECTION("a port feeding two PCs") {
    check_same(params("burst", HbmParams::IdOrdering::None), false, true, false);
    check_same(params("bank", HbmParams::IdOrdering::None), false, true, false);
  }
  SECTION("bank model, a port streaming reads and writes (a lane per port and direction)") {
    check_same(params("bank", HbmParams::IdOrdering::None), false, false, false);
  }
  SECTION("bank model, detailed path") {
    HbmParams p = params("bank", HbmParams::IdOrdering::None);
    p.fast_path = false;
    check_same(p, false, false, false);
  }
  SECTION("front end with an outstanding limit") {
    HbmParams p = params("burst", HbmParams::IdOrdering::SingleSlavePerId);
    p.max_outstanding_reads = p.max_outstanding_writes = 16;
    check_same(p, true, false, false);
  }
}

// Crossings of the stream memo (x_cross_step) into requests of a feed: per token and PC, one
// streamed job of long reads on the PC's port (a stream, a two-burst read one beat before a
// burst boundary with its length drawn per token, a stream elsewhere and its continuation),
// taken lazily. A walk at a request's last burst takes the next one from its feed (early, at
// that ingress's place in the feed's order) to find its crossing. Same completions and report
// as the requests submitted one by one, and crossings taken on both.
TEST_CASE("request stream: bank model, long requests crossed into from a feed, same as submit()") {
  HbmParams p = params("bank", HbmParams::IdOrdering::None);
  p.pseudo_channels = 8;
  p.ports = 8;
  p.master_ar_cycles = GENERATE(1u, 2u);
  SplitMix64 rng(29);
  std::vector<Batch> bs;
  const uint64_t burst = uint64_t(p.max_burst_beats) * p.beat_bytes;
  for (int t = 0; t < 6; ++t) {
    Batch s{Cycle(100 + t * 40000), true, {}};
    for (uint32_t pc = 0; pc < p.pseudo_channels; ++pc) {
      auto add = [&](uint64_t addr, uint64_t bytes) {
        Request r;
        r.pc = r.port = pc;
        r.addr = addr;
        r.bytes = bytes;
        s.reqs.push_back(r);
      };
      add(uint64_t(pc) << 16, 24 << 10);
      add((4 << 20) + burst * pc + burst - 32, 64 + 32 * (rng.next() % 15));
      add((8 << 20) + (uint64_t(pc) << 16), 20 << 10);
      add((8 << 20) + (uint64_t(pc) << 16) + (20 << 10), 12 << 10);
    }
    bs.push_back(s);
  }
  uint64_t crossings[2] = {0, 0};
  Result res[2];
  for (int streamed = 0; streamed < 2; ++streamed) {
    BankModel m(p);
    res[streamed] = drive(m, bs, streamed == 1);
    crossings[streamed] = m.extrapolated_crossings();
  }
  REQUIRE(res[0].out.size() == res[1].out.size());
  for (size_t i = 0; i < res[0].out.size(); ++i) {
    INFO("completion " << i);
    REQUIRE(res[0].out[i].id == res[1].out[i].id);
    REQUIRE(res[0].out[i].first_data == res[1].out[i].first_data);
    REQUIRE(res[0].out[i].done == res[1].out[i].done);
  }
  CHECK(res[0].report == res[1].report);
  INFO("crossings " << crossings[0] << " submitted, " << crossings[1] << " streamed");
  CHECK(crossings[0] > 20);  // fails if no crossing is taken
  CHECK(crossings[1] > 20);  // ... from a feed's requests
}

// The fast path (closed-form bursts from timing registers) and the detailed path (one
// command per event, earliest times from the declarative table) must give identical
// completion cycles for every request.
#include <catch2/catch.hpp>

#include "skipopu/hbm/hbm_bench.hpp"

using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

static HbmParams preset(const std::string& name) {
  HbmParams p = load_hbm_preset(kData + "/configs/hbm/" + name + ".json");
  p.model = "bank";
  return p;
}

static void check_same(HbmParams p, const BenchSpec& s) {
  p.fast_path = true;
  const BenchResult f = run_bench(p, s, true);
  p.fast_path = false;
  const BenchResult d = run_bench(p, s, true);
  REQUIRE(f.completions.size() == d.completions.size());
  REQUIRE(f.completions.size() == s.requests * (s.ports ? s.ports : s.pcs));
  for (size_t i = 0; i < f.completions.size(); ++i) {
    INFO("completion " << i << " seed " << s.seed << " pattern " << s.pattern);
    REQUIRE(f.completions[i].id == d.completions[i].id);
    REQUIRE(f.completions[i].first_data == d.completions[i].first_data);
    REQUIRE(f.completions[i].done == d.completions[i].done);
  }
}

static BenchSpec spec(const char* pattern, uint64_t size, uint32_t pcs, uint32_t ports, uint64_t seed) {
  BenchSpec s;
  s.pattern = pattern;
  s.size = size;
  s.pcs = pcs;
  s.ports = ports;
  s.seed = seed;
  s.requests = 300;
  s.outstanding = 8;
  s.range = 1 << 22;
  return s;
}

TEST_CASE("fast == detailed: sequential streams, many seeds and sizes") {
  const uint64_t sizes[] = {32, 64, 96, 512, 4096, 16384};
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    BenchSpec s = spec("seq", sizes[seed - 1], 2, 2, seed);
    s.outstanding = uint32_t(1 + seed * 3);
    check_same(preset("u280"), s);
  }
}

TEST_CASE("fast == detailed: random reads and writes, mixed, several ports") {
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    BenchSpec s = spec("random", seed % 2 ? 32 : 256, 4, 4, seed);
    s.write_fraction = double(seed % 4) / 4.0;
    s.outstanding = uint32_t(4 + seed * 4);
    check_same(preset("u280"), s);
  }
}

TEST_CASE("fast == detailed: strided, closed page, switch crossing and rate") {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    BenchSpec s = spec("strided", 128, 8, 8, seed);
    s.stride = 128ull << (seed % 8);
    s.pc_offset = uint32_t(seed);  // crosses switches: lateral links and hop latency
    s.write_fraction = 0.3;
    s.rate = seed % 2 ? 1.0 : 0.4;
    HbmParams p = preset("u280");
    p.open_page = seed % 2 == 0;
    check_same(p, s);
  }
}

TEST_CASE("fast == detailed: public-simulator presets, ports sharing pseudo-channels") {
  for (const char* name : {"ramulator2_hbm2_1600", "dramsim3_hbm2_8gb_x128", "dramsys_hbm2"}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      BenchSpec s = spec(seed % 2 ? "random" : "seq", 64 * seed, 4, 2, seed);
      s.write_fraction = 0.5;
      s.outstanding = 16;
      check_same(preset(name), s);
    }
  }
}

TEST_CASE("fast == detailed: long sequential streams cross refreshes") {
  BenchSpec s = spec("seq", 65536, 2, 2, 7);
  s.requests = 40;
  s.range = 1 << 24;
  s.outstanding = 2;
  s.write_fraction = 0.25;
  check_same(preset("u280"), s);
}

TEST_CASE("fast == detailed: tiny queues, write drain, closed page, many ports per PC") {
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    HbmParams p = preset("u280");
    p.read_queue = 1 + uint32_t(seed % 4);
    p.write_queue = 2 + uint32_t(seed % 3);
    p.write_high = p.write_queue;
    p.write_low = uint32_t(seed % 2);
    p.open_page = seed % 3 != 0;
    BenchSpec s = spec(seed % 2 ? "random" : "seq", 32 << (seed % 5), 2, 8, seed);  // 4 ports per PC
    s.pc_offset = uint32_t(seed % 3);
    s.write_fraction = double(seed % 5) / 4.0 > 1 ? 1.0 : double(seed % 5) / 4.0;
    s.outstanding = uint32_t(1 + seed % 7);
    s.range = 1 << 20;
    check_same(p, s);
  }
}

TEST_CASE("fast == detailed: starvation limit, reads and writes sharing PCs") {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    HbmParams p = preset("u280");
    p.starvation_limit = uint32_t(1 + seed % 6) * uint32_t(seed % 3 ? 1 : 16);
    p.open_page = seed % 4 != 0;
    p.write_low = uint32_t(seed % 3);  // low: write drains that outlast the reads' patience
    BenchSpec s = spec(seed % 2 ? "random" : "seq", 32 << (seed % 4), 2, 8, seed);  // 4 ports per PC
    s.write_fraction = 0.125 * double(1 + seed % 4);
    s.outstanding = uint32_t(2 + seed % 9);
    s.pc_offset = uint32_t(seed % 2);
    check_same(p, s);
  }
}

TEST_CASE("fast == detailed: rational clock ratio and another mapping") {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    HbmParams p = preset("dramsim3_hbm2_8gb_x128");
    p.dev_num = 5;  // 5 device cycles per 2 AXI cycles
    p.dev_den = 2;
    p.read_latency = p.write_latency = 7;
    BenchSpec s = spec(seed % 2 ? "random" : "strided", 96, 4, 4, seed);
    s.stride = 96 * 43;
    s.write_fraction = 0.4;
    s.outstanding = 12;
    check_same(p, s);
  }
}

// Every scheduling policy, per-bank refresh and mappings that put the column bits lowest
// (the case where a burst-at-a-time scheduler loses half the bandwidth).
TEST_CASE("fast == detailed: fcfs, frfcfs_cap, per-bank refresh, column-lowest mappings") {
  const std::vector<std::vector<AddrBit>> maps = {
      {{AddrField::Column, 0}, {AddrField::BG, 0}, {AddrField::BG, 1}, {AddrField::BA, 0}, {AddrField::BA, 1}, {AddrField::Row, 0}},
      {{AddrField::BG, 0}, {AddrField::Column, 0}, {AddrField::BA, 0}, {AddrField::BA, 1}, {AddrField::BG, 1}, {AddrField::Row, 0}},
  };
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    HbmParams p = preset("u280");
    p.scheduler = seed % 3 == 0 ? HbmParams::Scheduler::Fcfs
                  : seed % 3 == 1 ? HbmParams::Scheduler::FrFcfs : HbmParams::Scheduler::FrFcfsCap;
    if (p.scheduler == HbmParams::Scheduler::FrFcfsCap) p.row_hit_cap = uint32_t(1 + seed % 5);
    p.refresh_mode = seed % 2 ? HbmParams::RefreshMode::PerBank : HbmParams::RefreshMode::AllBank;
    p.mapping = maps[(seed / 2) % 2];
    p.timing.tCCD_L = 4;
    p.timing.tREFI = seed % 4 == 0 ? 400 : p.timing.tREFI;  // frequent refreshes
    p.open_page = seed % 5 != 0;
    const char* pat = seed % 4 == 0 ? "seq" : seed % 4 == 1 ? "random" : seed % 4 == 2 ? "strided" : "seq";
    BenchSpec s = spec(pat, seed % 4 == 3 ? 4096 : 32 << (seed % 4), 2, 2 + uint32_t(seed % 3) * 2, seed);
    s.stride = s.size * (3 + seed % 7);
    s.write_fraction = double(seed % 3) / 4.0;
    s.outstanding = uint32_t(4 + seed * 2);
    check_same(p, s);
  }
}

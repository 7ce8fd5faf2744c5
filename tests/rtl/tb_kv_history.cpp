// Co-simulation of the generated KV history buffer (skipopu_kv_history.v + skipopu_kv_store.v,
// verilated with --sc) against the SystemC model (KvHistoryBuffer, src/sim/kv_history_buffer.cpp)
// driven with the same operations, in the order SkipOpuTop issues them.
//
// usage: tb_kv_history SEED PROMPT DECODE SOURCE_DIR [TRACE]
// With TRACE (a .trace file), the attention masks, layer count and prompt are the trace's and
// DECODE its first decode tokens; the rest is as below.
// The model is models/tiny.json with 8 layers and one KV head (entries of 256 bytes = 8
// beats); the config is configs/u280.json with the --set options the generated design used
// (kv_buffer.urams=1: 36864 bytes, 144 entries; kv_buffer.prefetch as generated) and
// kv.reserve=dense. Token t's attention
// runs at layer l with a per-token probability (0.1 .. 0.7: long skip streaks, so entries are
// kept across layers, captured, fetched, and the two sets overflow the 144 entries). A prefill
// of PROMPT tokens then DECODE steps; per step and layer: KV_PREFETCH l+1 (src(t, l+1) of every
// context token), then, if any token of the step ran layer l's attention, its lookups (every
// context entry whose source is another layer: resident + count) and its K/V stream on the
// capture port (every entry not served on chip). Fetch requests are answered with random
// stalls while everything else runs. Checked, exactly:
//   - after every prefetch: each token's decision (resident or not) = KvHistoryBuffer::resident,
//     its duration (pf_start to idle) = 3 * context + 5 cycles + the src stream's stalls,
//     the fetch requests (expanded by MemoryMap::kv_entry) = the SystemC fetch job's requests,
//     and kept / captured / fetched / overflow / peak = the model's counters;
//   - every lookup: hit or miss as the model answers, and a hit's beats = the entry's data
//     (each (token, source layer) entry has its own pseudo-random content);
//   - at the end: hits and misses, the capacity (entries) of both.
// Exit 0 only if everything matched.
#include <systemc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "Vdut.h"
#include "skipopu/config.hpp"
#include "skipopu/kv_history_buffer.hpp"
#include "skipopu/kv_state.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/program.hpp"
#include "skipopu/stats.hpp"
#include "skipopu/trace.hpp"
#include "skipopu_rtl_params.h"

namespace {

using namespace skipopu;

// The HBM as the SystemC buffer sees it: records each submitted job's requests.
class StubHbm : public sc_core::sc_module, public HbmIf {
 public:
  explicit StubHbm(sc_core::sc_module_name n) : sc_module(n) {}
  void submit(HbmJob& job) override { last = job.reqs.requests(); }
  void wait_for(HbmJob&) override {}
  std::vector<hbm::Request> last;
};

// Beat b of entry (t, s): 256 bits of pseudo-random data.
sc_bv<256> entry_beat(uint32_t t, uint32_t s, uint32_t b) {
  SplitMix64 r((uint64_t(t) << 40) ^ (uint64_t(s) << 24) ^ b ^ 0x5ca1ab1eull);
  sc_bv<256> v;
  for (int w = 0; w < 4; ++w) {
    const uint64_t x = r.next();
    v.range(w * 64 + 31, w * 64) = static_cast<uint32_t>(x);
    v.range(w * 64 + 63, w * 64 + 32) = static_cast<uint32_t>(x >> 32);
  }
  return v;
}

uint64_t stat(const StatGroup& g, const char* name) {
  for (const auto& s : g.stats())
    if (s.name == name) return s.ivalue;
  std::fprintf(stderr, "tb_kv_history: no statistic %s\n", name);
  std::exit(2);
}

bool same_requests(const std::vector<hbm::Request>& a, const std::vector<hbm::Request>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].pc != b[i].pc || a[i].addr != b[i].addr || a[i].bytes != b[i].bytes || a[i].write != b[i].write)
      return false;
  return true;
}

}  // namespace

// main, not sc_main: libskipopu_sim defines sc_main (sim_clock.cpp) for the CLI's own main.
int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: tb_kv_history SEED PROMPT DECODE SOURCE_DIR [TRACE]\n");
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  uint32_t prompt = static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10));
  uint32_t decode = static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10));
  const std::string root = argv[4];
  // With a trace: its layers, its prompt, its first DECODE decode tokens and their masks.
  std::vector<std::vector<uint64_t>> trace_masks;
  uint32_t layers = 8;
  if (argc == 6) {
    TraceReader tr(argv[5]);
    layers = tr.header().layers;
    prompt = tr.header().prompt;
    decode = std::min(decode, tr.header().decode);
    TokenRecord rec;
    while (trace_masks.size() < prompt + decode && tr.next(rec)) trace_masks.push_back(rec.attn);
  }

  HardwareConfig cfg = load_hardware_config(
      root + "/configs/u280.json",
      {"kv_buffer.urams=1", "kv.reserve=dense", SKIPOPU_KV_PREFETCH ? "kv_buffer.prefetch=true" : "kv_buffer.prefetch=false",
       SKIPOPU_KV_CAPTURE ? "kv_buffer.capture=true" : "kv_buffer.capture=false"},
      root);
  ModelCard model = load_model_card(root + "/models/tiny.json");
  model.layers = layers;
  model.kv_heads = 1;
  const uint32_t tokens = prompt + decode;
  const Program prog = compile_program(model, cfg);
  const MemoryMap map(model, cfg, prog, tokens);
  const uint32_t eb = static_cast<uint32_t>(map.kv_entry_bytes() / 32);
  if (cfg.kv_buffer_bytes() / 32 != SKIPOPU_KV_ROWS || tokens > SKIPOPU_KV_MAX_TOKENS ||
      map.kv_entry_bytes() % 32 != 0 || cfg.kv_buffer.prefetch != (SKIPOPU_KV_PREFETCH != 0) || cfg.kv_buffer.capture != (SKIPOPU_KV_CAPTURE != 0)) {
    std::fprintf(stderr, "tb_kv_history: the generated design does not match the testbench's config\n");
    return 2;
  }
  KvState kv(KvPolicy::Reuse, model.layers);
  StubHbm stub("hbm");
  KvHistoryBuffer model_buf("kv_history", cfg, map, kv, stub, tokens);

  sc_clock clk("clk", 10, SC_NS, 0.5, 5, SC_NS, true);
  sc_signal<bool> rst, cfg_valid, idle, pf_start, pf_stream_prev, src_valid, src_ready, src_none, dec_valid;
  sc_signal<bool> fq_valid, fq_ready, fill_valid, fill_ready, cap_valid, lk_valid, lk_ready, rsp_valid, rsp_ready;
  sc_signal<bool> rsp_hit, rsp_last;
  sc_signal<uint32_t> cfg_entry_beats, pf_layer, pf_context, pf_step_first, src_layer, dec_token, dec_action, fq_token, fq_layer,
      fq_base, fetch_pending, cap_token, cap_layer, lk_token, lk_layer;
  sc_signal<uint32_t> st_capacity, st_hits, st_misses, st_kept, st_captured, st_fetched, st_overflow, st_peak;
  sc_signal<sc_bv<256>> fill_data, cap_data, rsp_data;
  Vdut dut("dut");
  dut.clk(clk);
  dut.rst(rst);
  dut.cfg_valid(cfg_valid);
  dut.cfg_entry_beats(cfg_entry_beats);
  dut.idle(idle);
  dut.pf_start(pf_start);
  dut.pf_layer(pf_layer);
  dut.pf_context(pf_context);
  dut.pf_step_first(pf_step_first);
  dut.pf_stream_prev(pf_stream_prev);
  dut.src_valid(src_valid);
  dut.src_ready(src_ready);
  dut.src_none(src_none);
  dut.src_layer(src_layer);
  dut.dec_valid(dec_valid);
  dut.dec_token(dec_token);
  dut.dec_action(dec_action);
  dut.fq_valid(fq_valid);
  dut.fq_ready(fq_ready);
  dut.fq_token(fq_token);
  dut.fq_layer(fq_layer);
  dut.fq_base(fq_base);
  dut.fill_valid(fill_valid);
  dut.fill_ready(fill_ready);
  dut.fill_data(fill_data);
  dut.fetch_pending(fetch_pending);
  dut.cap_valid(cap_valid);
  dut.cap_token(cap_token);
  dut.cap_layer(cap_layer);
  dut.cap_data(cap_data);
  dut.lk_valid(lk_valid);
  dut.lk_ready(lk_ready);
  dut.lk_token(lk_token);
  dut.lk_layer(lk_layer);
  dut.rsp_valid(rsp_valid);
  dut.rsp_ready(rsp_ready);
  dut.rsp_hit(rsp_hit);
  dut.rsp_last(rsp_last);
  dut.rsp_data(rsp_data);
  dut.st_capacity(st_capacity);
  dut.st_hits(st_hits);
  dut.st_misses(st_misses);
  dut.st_kept(st_kept);
  dut.st_captured(st_captured);
  dut.st_fetched(st_fetched);
  dut.st_overflow(st_overflow);
  dut.st_peak(st_peak);

  SplitMix64 rng(seed);
  // The DMA side, serviced on every edge: takes fetch requests (random stalls) and returns
  // their entries in order (random gaps).
  struct Fetch {
    uint32_t t, s;
  };
  std::deque<Fetch> queued;     // requests taken, entries not yet returned
  std::vector<Fetch> requested;  // requests taken since the last prefetch check
  uint32_t fill_beat = 0;
  uint64_t edges = 0, fill_stalls = 0;
  struct Dec {
    uint32_t t, action;
  };
  std::vector<Dec> decs;
  auto tick = [&] {
    const bool take = (rng.next() & 3) != 0;
    fq_ready = take;
    const bool offer = !queued.empty() && (rng.next() & 7) != 0;
    fill_valid = offer;
    if (offer) fill_data = entry_beat(queued.front().t, queued.front().s, fill_beat);
    sc_start(SC_ZERO_TIME);  // the inputs settle before the edge; readies come from registers
    const bool fq_fire = fq_valid.read() && take;
    const Fetch f{fq_token.read(), fq_layer.read()};
    const bool fill_fire = offer && fill_ready.read();
    if (offer && !fill_fire) ++fill_stalls;
    sc_start(10, SC_NS);
    ++edges;
    if (fq_fire) {
      queued.push_back(f);
      requested.push_back(f);
    }
    if (fill_fire && ++fill_beat == eb) {
      fill_beat = 0;
      queued.pop_front();
    }
    if (dec_valid.read()) decs.push_back({dec_token.read(), dec_action.read()});
  };
  auto wait_idle = [&] {
    for (int k = 0; !idle.read(); ++k) {
      if (k > 10000000) {
        std::printf("FAIL: the buffer never became idle\n");
        std::exit(1);
      }
      tick();
    }
  };

  rst = true;
  tick();
  tick();
  rst = false;
  cfg_entry_beats = eb;
  cfg_valid = true;
  tick();
  cfg_valid = false;
  wait_idle();

  // Attention masks: the trace's, or per token a probability that its attention runs at a layer.
  const uint32_t L = model.layers;
  std::vector<std::vector<uint64_t>> masks(tokens, std::vector<uint64_t>((L + 63) / 64, 0));
  if (!trace_masks.empty()) masks = trace_masks;
  for (uint32_t t = 0; t < tokens && trace_masks.empty(); ++t) {
    const uint64_t p = 1 + rng.next() % 7;  // tenths: 0.1 .. 0.7
    for (uint32_t l = 0; l < L; ++l)
      if (rng.next() % 10 < p) masks[t][0] |= uint64_t(1) << l;
  }

  int failures = 0;
  uint64_t lookups = 0, hits = 0, beats_checked = 0, prefetches = 0, decisions = 0, fetch_reqs = 0, plan_cycles = 0;
  auto fail = [&](const std::string& what) {
    if (failures++ < 10) std::printf("  MISMATCH %s\n", what.c_str());
  };
  const uint32_t steps = (prompt > 0 ? 1 : 0) + decode;
  for (uint32_t step = 0; step < steps; ++step) {
    const bool prefill = prompt > 0 && step == 0;
    const uint32_t first = prefill ? 0 : prompt + step - (prompt > 0 ? 1 : 0);
    const uint32_t count = prefill ? prompt : 1;
    for (uint32_t i = 0; i < count; ++i) kv.record(masks[first + i]);
    const uint32_t context = prefill ? first + count : first;
    for (uint32_t l = 0; l < L; ++l) {
      bool m_attn = false;
      uint32_t last_query = first;
      for (uint32_t i = 0; i < count; ++i)
        if ((masks[first + i][l / 64] >> (l % 64)) & 1) {
          m_attn = true;
          last_query = first + i;
        }
      if (l + 1 < L) {  // KV_PREFETCH l+1
        const uint32_t pl = l + 1;
        model_buf.prefetch(pl, context, m_attn, first);
        wait_idle();
        while ((fetch_pending.read() >> (pl & 1)) & 1) tick();  // the layer pl-2 fetch (the model waited)
        decs.clear();
        requested.clear();
        const uint64_t e0 = edges;
        uint64_t src_stalls = 0;
        pf_layer = pl;
        pf_context = context;
        pf_stream_prev = m_attn;
        pf_step_first = first;
        pf_start = true;
        tick();
        pf_start = false;
        for (uint32_t t = 0; t < context;) {
          const int32_t s = kv.source(t, pl);
          const bool offer = (rng.next() & 3) != 0;
          src_valid = offer;
          src_none = s < 0;
          src_layer = s < 0 ? 0u : static_cast<uint32_t>(s);
          sc_start(SC_ZERO_TIME);
          const bool fire = offer && src_ready.read();
          src_stalls += !offer && src_ready.read();
          tick();
          t += fire;
        }
        src_valid = false;
        wait_idle();
        // pf_start's edge up to idle: the free walk (context + 4) and 2 per decision (+ 1).
        const uint64_t plan = edges - e0, want_plan = 3ull * context + 5 + src_stalls;
        if (plan != want_plan)
          fail("prefetch L" + std::to_string(pl) + " context " + std::to_string(context) + ": planned in " +
               std::to_string(plan) + " cycles, 3 * context + 5 + src stalls = " + std::to_string(want_plan));
        plan_cycles += plan;
        tick();  // the last decision's outputs
        ++prefetches;
        // Decisions: one per context token, in order; resident exactly where the model says.
        if (decs.size() != context) fail("prefetch L" + std::to_string(pl) + ": " + std::to_string(decs.size()) +
                                         " decisions for " + std::to_string(context) + " tokens");
        std::vector<uint32_t> fetched_tokens;
        for (size_t i = 0; i < decs.size() && i < context; ++i) {
          const bool res = decs[i].action >= 1 && decs[i].action <= 3;
          ++decisions;
          if (decs[i].t != i || res != model_buf.resident(static_cast<uint32_t>(i), pl))
            fail("prefetch L" + std::to_string(pl) + " context " + std::to_string(context) + " token " +
                 std::to_string(i) + ": rtl action " + std::to_string(decs[i].action) + ", model resident " +
                 std::to_string(model_buf.resident(static_cast<uint32_t>(i), pl)));
          if (decs[i].action == 3) fetched_tokens.push_back(decs[i].t);
        }
        // Fetch requests: the RTL's (token, source) in order, as the model's HBM job.
        for (int k = 0; k < 1000000 && requested.size() < fetched_tokens.size(); ++k) tick();
        RequestList rl(map.pcs());
        rl.set_max_request(cfg.kv.gather_bytes);
        bool order_ok = requested.size() == fetched_tokens.size();
        for (size_t i = 0; i < requested.size(); ++i) {
          map.kv_entry(requested[i].t, requested[i].s, false, rl);
          if (i < fetched_tokens.size() && requested[i].t != fetched_tokens[i]) order_ok = false;
          if (kv.source(requested[i].t, pl) != static_cast<int32_t>(requested[i].s)) order_ok = false;
        }
        fetch_reqs += requested.size();
        if (!order_ok || !same_requests(rl.requests(), stub.last))
          fail("prefetch L" + std::to_string(pl) + ": fetch requests differ (rtl " + std::to_string(requested.size()) +
               " entries, " + std::to_string(rl.requests().size()) + " requests; model " +
               std::to_string(stub.last.size()) + " requests)");
        StatGroup g;
        model_buf.report(g);
        const char* names[] = {"kept", "captured", "fetched", "overflow", "peak_entries"};
        const uint32_t got[] = {st_kept.read(), st_captured.read(), st_fetched.read(), st_overflow.read(),
                                st_peak.read()};
        for (int k = 0; k < 5; ++k)
          if (got[k] != stat(g, names[k]))
            fail("prefetch L" + std::to_string(pl) + ": " + names[k] + " rtl " + std::to_string(got[k]) + ", model " +
                 std::to_string(stat(g, names[k])));
      }
      if (!m_attn) continue;
      // ATTN l: the fetch for l completes first; then the context in token order.
      for (int k = 0; (fetch_pending.read() >> (l & 1)) & 1; ++k) {
        if (k > 10000000) {
          std::printf("FAIL: fetch for layer %u never completed\n", l);
          return 1;
        }
        tick();
      }
      const uint32_t read_end = prefill ? last_query + 1 : first;
      for (uint32_t c = 0; c < read_end; ++c) {
        const int32_t s = kv.source(c, l);
        if (s < 0) continue;
        bool hit = false;
        if (s != static_cast<int32_t>(l)) {
          const bool want = model_buf.resident(c, l);
          model_buf.count(want);
          while (!lk_ready.read()) tick();
          lk_valid = true;
          lk_token = c;
          lk_layer = l;
          tick();
          lk_valid = false;
          ++lookups;
          uint32_t b = 0;
          bool last = false, data_ok = true, first_rsp = true;
          for (int k = 0; !last; ++k) {
            if (k > 100000) {
              std::printf("FAIL: lookup (token %u, layer %u) never answered\n", c, l);
              return 1;
            }
            const bool take = (rng.next() & 3) != 0;
            rsp_ready = take;
            sc_start(SC_ZERO_TIME);
            if (rsp_valid.read() && take) {
              if (first_rsp) hit = rsp_hit.read();
              first_rsp = false;
              last = rsp_last.read();
              if (hit) {
                if (rsp_data.read() != entry_beat(c, static_cast<uint32_t>(s), b)) data_ok = false;
                ++b;
                ++beats_checked;
              }
            }
            tick();
          }
          rsp_ready = false;
          hits += hit;
          if (hit != want || (hit && (b != eb || !data_ok)))
            fail("lookup token " + std::to_string(c) + " layer " + std::to_string(l) + " (source " +
                 std::to_string(s) + "): rtl " + (hit ? "hit" : "miss") + (hit && !data_ok ? " with wrong data" : "") +
                 ", model " + (want ? "hit" : "miss"));
        }
        if (hit) continue;
        // The entry comes with the K/V stream: the capture port sees it.
        for (uint32_t b = 0; b < eb;) {
          const bool gap = (rng.next() & 7) == 0;
          cap_valid = !gap;
          cap_token = c;
          cap_layer = static_cast<uint32_t>(s);
          cap_data = entry_beat(c, static_cast<uint32_t>(s), b);
          tick();
          b += !gap;
        }
        cap_valid = false;
      }
    }
  }
  model_buf.drain();
  StatGroup g;
  model_buf.report(g);
  const char* names[] = {"hits", "misses", "capacity_entries"};
  const uint32_t got[] = {st_hits.read(), st_misses.read(), st_capacity.read()};
  for (int k = 0; k < 3; ++k)
    if (got[k] != stat(g, names[k]))
      fail(std::string(names[k]) + ": rtl " + std::to_string(got[k]) + ", model " + std::to_string(stat(g, names[k])));
  std::printf("%u layers, %u tokens (prompt %u + %u decode), entry %u beats, capacity %llu entries\n", L, tokens,
              prompt, decode, eb, static_cast<unsigned long long>(stat(g, "capacity_entries")));
  std::printf("prefetches %llu: %llu decisions in %llu cycles (each 3 * context + 5 + src stalls); kept %llu, captured %llu, fetched %llu (%llu requests), overflow %llu, "
              "peak %llu\n",
              static_cast<unsigned long long>(prefetches), static_cast<unsigned long long>(decisions),
              static_cast<unsigned long long>(plan_cycles), static_cast<unsigned long long>(stat(g, "kept")), static_cast<unsigned long long>(stat(g, "captured")),
              static_cast<unsigned long long>(stat(g, "fetched")), static_cast<unsigned long long>(fetch_reqs),
              static_cast<unsigned long long>(stat(g, "overflow")),
              static_cast<unsigned long long>(stat(g, "peak_entries")));
  std::printf("lookups %llu: hits %llu (%llu beats compared), misses %llu; %llu edges, %llu fill stalls\n",
              static_cast<unsigned long long>(lookups), static_cast<unsigned long long>(hits),
              static_cast<unsigned long long>(beats_checked), static_cast<unsigned long long>(lookups - hits),
              static_cast<unsigned long long>(edges), static_cast<unsigned long long>(fill_stalls));
  std::printf("%s: %d mismatches\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}

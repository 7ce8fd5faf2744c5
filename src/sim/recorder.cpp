// Formats the series and the timeline of a run (recorder.hpp; schemas in docs/report.md).
#include <algorithm>
#include <cstdio>

#include "skipopu/hbm_block.hpp"
#include "skipopu/skipopu_top.hpp"
#include "skipopu/stats.hpp"

namespace skipopu {

namespace {

struct Column {
  const char* name;
  const char* unit;
  const char* desc;
};

const Column kColumns[] = {
    {"phase", "", "prefill (the prompt as one batch) or decode (one token)"},
    {"step", "count", "step of the run: 0 = prefill (when the trace has a prompt), then one per decoded token"},
    {"token", "token", "first token index of the step (trace order)"},
    {"tokens", "token", "tokens in the step"},
    {"segment", "", "part of the program: embed, L0..L{n-1} (a decoder layer), head"},
    {"layer", "", "layer number of the segment: -1 embed, 0..n-1, n head"},
    {"start_cycle", "cycle", "core cycle the segment started"},
    {"cycles", "cycle", "core cycles the controller spent in the segment (rows of a step sum to the step)"},
    {"weights", "byte", "workload: weights (+ group scales) of the modules that ran (summary.decode_bytes.weights)"},
    {"embedding", "byte", "workload: embedding rows"},
    {"router_weights", "byte", "workload: router weights read from HBM (0 when on chip)"},
    {"kv_read", "byte", "workload: K/V entries attended to (HBM reads plus history-buffer hits)"},
    {"kv_history_hits", "byte", "part of kv_read served by the on-chip history buffer"},
    {"kv_write", "byte", "workload: K/V entries stored"},
    {"workload_bytes", "byte", "weights + embedding + router_weights + kv_read + kv_write"},
    {"hbm_bytes", "byte", "bytes requested from HBM while the segment ran (incl. prefetch for later segments)"},
    {"hbm_utilisation", "ratio", "hbm_bytes / (cycles / core clock x peak HBM bandwidth)"},
    {"kv_hit_entries", "count", "K/V entries served by the history buffer"},
    {"kv_miss_entries", "count", "reused K/V entries not resident, read from HBM"},
};

std::string segment_name(uint32_t s, uint32_t layers) {
  if (s == 0) return "embed";
  if (s == layers + 1) return "head";
  return "L" + std::to_string(s - 1);
}

int64_t segment_layer(uint32_t s, uint32_t layers) {
  if (s == 0) return -1;
  return s == layers + 1 ? int64_t(layers) : int64_t(s) - 1;
}

double row_util(const SeriesRow& r, double hz, double peak) {
  return r.cycles ? double(r.hbm_bytes) / (double(r.cycles) / hz * peak) : 0.0;
}

uint64_t workload(const SeriesRow& r) {
  return r.work.weights + r.work.embedding + r.work.router + r.work.kv_read + r.work.kv_write;
}

// Microseconds with 4 decimals (0.1 ns), from an exact integer count of 0.1-ns units.
uint64_t tenth_ns(uint64_t cycle, uint64_t hz) {
  const unsigned __int128 v = static_cast<unsigned __int128>(cycle) * 10000000000ull + hz / 2;
  return static_cast<uint64_t>(v / hz);
}

void append_us(std::string& o, uint64_t t) {
  char b[48];
  std::snprintf(b, sizeof b, "%llu.%04llu", static_cast<unsigned long long>(t / 10000),
                static_cast<unsigned long long>(t % 10000));
  o += b;
}

std::string json_str(const std::string& s) { return Json(s).dump(); }

const char* block_of(Op op) {
  switch (op) {
    case Op::Route: return "router";
    case Op::Gemm:
    case Op::Attention: return "pe_array";
    case Op::NormReduce:
    case Op::NormApply:
    case Op::Rope:
    case Op::Swiglu:
    case Op::Residual:
    case Op::Argmax: return "nonlinear";
    case Op::LoadW: return "weight_dma";
    case Op::KvPrefetch: return "kv_history";
    default: return "controller";  // EMBED, BRANCH, JUMP, KV_STORE
  }
}

const char* const kBlocks[] = {"controller", "router", "pe_array", "nonlinear", "weight_dma", "kv_history"};

int block_tid(const char* b) {
  for (int i = 0; i < 6; ++i)
    if (std::string(kBlocks[i]) == b) return i + 1;
  return 1;
}

std::string instr_label(const Program& p, const Instr& in) {
  std::string s = to_string(in.op);
  if (in.op == Op::LoadW || in.op == Op::Gemm) {
    s += " " + p.matrices[in.m0].name;
    if (in.m1 != in.m0) s += ".." + p.matrices[in.m1].name;
  } else if (in.module != Module::None) {
    s += std::string(" L") + std::to_string(in.layer) + (in.module == Module::Attn ? ".attn" : ".mlp");
  } else if (in.op == Op::KvStore || in.op == Op::KvPrefetch || in.op == Op::Attention) {
    s += " L" + std::to_string(in.layer);
  }
  return s;
}

void slice_common(std::string& o, uint64_t start, uint64_t end, uint64_t hz) {
  const uint64_t a = tenth_ns(start, hz), b = tenth_ns(end, hz);
  o += ",\"ts\":";
  append_us(o, a);
  o += ",\"dur\":";
  append_us(o, b - a);
}

}  // namespace

std::string series_csv(const Recording& r, const ModelCard& m, double hz, double peak) {
  std::string o;
  for (const Column& c : kColumns) o += std::string(o.empty() ? "" : ",") + c.name;
  o += '\n';
  char b[512];
  for (const SeriesRow& x : r.rows) {
    std::snprintf(b, sizeof b, "%s,%u,%u,%u,%s,%lld,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%s,%llu,%llu\n",
                  x.prefill ? "prefill" : "decode", x.step, x.token, x.tokens,
                  segment_name(x.segment, m.layers).c_str(), static_cast<long long>(segment_layer(x.segment, m.layers)),
                  (unsigned long long)x.start, (unsigned long long)x.cycles, (unsigned long long)x.work.weights,
                  (unsigned long long)x.work.embedding, (unsigned long long)x.work.router,
                  (unsigned long long)x.work.kv_read, (unsigned long long)x.work.kv_hit,
                  (unsigned long long)x.work.kv_write, (unsigned long long)workload(x),
                  (unsigned long long)x.hbm_bytes, format_real(row_util(x, hz, peak)).c_str(),
                  (unsigned long long)x.work.hit_entries, (unsigned long long)x.work.miss_entries);
    o += b;
  }
  return o;
}

std::string series_json(const Recording& r, const ModelCard& m, double hz, double peak, const Json& inputs) {
  Json j = Json::object();
  j["schema"] = "skipopu-series/1";
  j["inputs"] = inputs;
  j["core_clock_hz"] = hz;
  j["peak_hbm_bytes_per_s"] = peak;
  Json cols = Json::array();
  for (const Column& c : kColumns) cols.push_back({{"name", c.name}, {"unit", c.unit}, {"desc", c.desc}});
  j["columns"] = cols;
  Json rows = Json::array();
  for (const SeriesRow& x : r.rows) {
    rows.push_back(Json::array({x.prefill ? "prefill" : "decode", x.step, x.token, x.tokens,
                                segment_name(x.segment, m.layers), segment_layer(x.segment, m.layers), x.start,
                                x.cycles, x.work.weights, x.work.embedding, x.work.router, x.work.kv_read,
                                x.work.kv_hit, x.work.kv_write, workload(x), x.hbm_bytes,
                                std::stod(format_real(row_util(x, hz, peak))), x.work.hit_entries,
                                x.work.miss_entries}));
  }
  j["rows"] = rows;
  return j.dump(1) + "\n";
}

std::string timeline_json(const Recording& r, const Program& p, double core_hz, const Json& inputs) {
  const uint64_t hz = static_cast<uint64_t>(core_hz);
  std::string o;
  o.reserve(256 + r.instrs.size() * 200 + r.hbm.size() * 220);
  o += "{\"displayTimeUnit\":\"ns\",\"otherData\":";
  o += inputs.dump();
  o += ",\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&] {
    if (!first) o += ",\n";
    first = false;
  };
  auto meta = [&](const char* what, int pid, int tid, const std::string& arg_key, const std::string& value) {
    sep();
    o += "{\"name\":\"" + std::string(what) + "\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
         ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"" + arg_key + "\":" + value + "}}";
  };
  meta("process_name", 1, 0, "name", "\"SkipOPU blocks\"");
  meta("process_sort_index", 1, 0, "sort_index", "1");
  for (int i = 0; i < 6; ++i) {
    meta("thread_name", 1, i + 1, "name", json_str(kBlocks[i]));
    meta("thread_sort_index", 1, i + 1, "sort_index", std::to_string(i + 1));
  }
  // Block tracks: the controller is sequential, so each track's slices are in time order.
  for (int t = 1; t <= 6; ++t) {
    for (const InstrSlice& s : r.instrs) {
      const Instr& in = p.code[s.pc];
      if (block_tid(block_of(in.op)) != t) continue;
      sep();
      o += "{\"name\":" + json_str(instr_label(p, in)) + ",\"cat\":\"instr\",\"ph\":\"X\",\"pid\":1,\"tid\":" +
           std::to_string(t);
      slice_common(o, s.start, s.end, hz);
      o += ",\"args\":{\"instr\":" + std::to_string(s.pc) + ",\"op\":\"" + to_string(in.op) +
           "\",\"layer\":" + std::to_string(in.layer) + ",\"token\":" + std::to_string(s.token) +
           ",\"cycle\":" + std::to_string(s.start) + ",\"cycles\":" + std::to_string(s.end - s.start) + "}}";
    }
  }
  // HBM: per pseudo-channel, slices in start order on the first lane that is free.
  std::vector<const HbmSlice*> hs;
  hs.reserve(r.hbm.size());
  for (const HbmSlice& s : r.hbm) hs.push_back(&s);
  std::stable_sort(hs.begin(), hs.end(), [](const HbmSlice* a, const HbmSlice* b) {
    if (a->channel != b->channel) return a->channel < b->channel;
    if (a->start != b->start) return a->start < b->start;
    return a->end < b->end;
  });
  if (!hs.empty()) {
    meta("process_name", 2, 0, "name", "\"HBM pseudo-channels\"");
    meta("process_sort_index", 2, 0, "sort_index", "2");
  }
  size_t i = 0;
  while (i < hs.size()) {
    const uint32_t ch = hs[i]->channel;
    size_t j = i;
    while (j < hs.size() && hs[j]->channel == ch) ++j;
    std::vector<uint64_t> lane_end;
    std::vector<size_t> lane(j - i);
    for (size_t k = i; k < j; ++k) {
      size_t l = 0;
      while (l < lane_end.size() && lane_end[l] > hs[k]->start) ++l;
      if (l == lane_end.size()) lane_end.push_back(0);
      lane_end[l] = hs[k]->end;
      lane[k - i] = l;
    }
    char name[48];
    for (size_t l = 0; l < lane_end.size(); ++l) {
      const int tid = 1000 + static_cast<int>(ch) * 100 + static_cast<int>(l);
      if (l == 0) std::snprintf(name, sizeof name, "\"pc%02u\"", ch);
      else std::snprintf(name, sizeof name, "\"pc%02u lane %zu\"", ch, l + 1);
      meta("thread_name", 2, tid, "name", name);
      meta("thread_sort_index", 2, tid, "sort_index", std::to_string(tid));
      for (size_t k = i; k < j; ++k) {
        if (lane[k - i] != l) continue;
        const HbmSlice& s = *hs[k];
        const Instr& in = p.code[s.instr];
        const char* traffic = to_string(static_cast<Traffic>(s.traffic));
        sep();
        o += "{\"name\":\"" + std::string(traffic) + "\",\"cat\":\"hbm\",\"ph\":\"X\",\"pid\":2,\"tid\":" +
             std::to_string(tid);
        slice_common(o, s.start, s.end, hz);
        o += ",\"args\":{\"traffic\":\"" + std::string(traffic) + "\",\"bytes\":" + std::to_string(s.bytes) +
             ",\"instr\":" + std::to_string(s.instr) + ",\"op\":" + json_str(instr_label(p, in)) +
             ",\"layer\":" + std::to_string(in.layer) + ",\"token\":" + std::to_string(s.token) +
             ",\"cycle\":" + std::to_string(s.start) + ",\"cycles\":" + std::to_string(s.end - s.start) + "}}";
      }
    }
    i = j;
  }
  o += "\n]}\n";
  return o;
}

}  // namespace skipopu

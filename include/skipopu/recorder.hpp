// Optional per-token / per-layer series and a trace-event timeline of a run
// (`skipopu run --series FILE`, `--timeline FILE`; docs/report.md).
//
// Both are off by default and then cost one untaken branch per instruction and per HBM
// request: nothing is allocated or recorded. When on, storage is reserved at elaboration
// (series: one row per step and program segment) or grows only while the requested token
// range is recorded (timeline).
//
// Series: one row per (step, segment). A step is the prefill (all prompt tokens as one
// batch) or one decoded token; a segment is a contiguous part of the overlay program: the
// embedding lookup, one decoder layer (its instructions, including the KV_PREFETCH of the
// next layer it issues), or the head (final norm, LM head, argmax). Each row holds the
// core cycles the controller spent in the segment, the workload bytes by class its
// instructions asked for (as the report's summary.decode_bytes counts them), the bytes
// requested from HBM while it ran (counted when requested, as summary.decode_bytes.
// hbm_physical), and the history-buffer hits and misses of its attention. The decode rows
// sum exactly to the report's decode totals.
//
// Timeline: Chrome / Perfetto trace-event JSON ("X" complete events, ts in microseconds).
// One track per block (controller, router, pe_array, nonlinear, weight_dma, kv_history):
// one slice per executed instruction, from its issue to the next instruction's; one track
// group per HBM pseudo-channel: one slice per HBM job's requests to that channel, from
// submission to the last completion (jobs that overlap in time on one channel are drawn
// on extra lanes of that channel).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace skipopu {

struct RecordOptions {
  bool series = false;
  bool series_json = false;  // else CSV
  bool timeline = false;
  uint64_t timeline_first = 0, timeline_end = 0;  // tokens [first, end) of the trace
  // VCD waveform of the RTL controller or whole processor (blocks.controller or blocks.top rtl,
  // skipopu-rtl); empty: none.
  std::string wave;
};

// Running counters of the workload (every step, prefill included), by class.
struct WorkCounters {
  uint64_t weights = 0, embedding = 0, router = 0, kv_read = 0, kv_hit = 0, kv_write = 0;
  uint64_t hit_entries = 0, miss_entries = 0;
};

struct SeriesRow {
  bool prefill = false;
  uint32_t step = 0;     // 0 = prefill (when the trace has a prompt), then one per decoded token
  uint32_t token = 0;    // first token index of the step
  uint32_t tokens = 0;   // tokens in the step
  uint32_t segment = 0;  // 0 embed, 1..L layers 0..L-1, L+1 head
  uint64_t start = 0, cycles = 0;
  WorkCounters work;
  uint64_t hbm_bytes = 0;
};

struct InstrSlice {
  uint32_t pc = 0, token = 0;
  uint64_t start = 0, end = 0;
};

struct HbmSlice {
  uint32_t channel = 0, instr = 0, token = 0;
  uint8_t traffic = 0;
  uint64_t bytes = 0, start = 0, end = 0;
};

struct Recording {
  std::vector<SeriesRow> rows;
  std::vector<InstrSlice> instrs;
  std::vector<HbmSlice> hbm;
};

}  // namespace skipopu

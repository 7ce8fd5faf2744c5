// SkipOpuTop: the whole accelerator -- controller, router, PE array (with its DSP
// datapath), nonlinear unit, weight DMA, KV history buffer and HBM -- replaying a trace.
//
// The controller executes the compiled overlay program (program.hpp) once for the
// prefill step (all prompt tokens as a batch: matrix-matrix) and once per decoded token
// (batch 1: matrix-vector), resolving each BRANCH from the trace's router outcomes.
// Compute instructions (ROUTE, GEMM, ATTN, unfused nonlinear passes) run in program
// order on their blocks; LOADW, KV_STORE and KV_PREFETCH are handed to their engines (the
// weight DMA, KvStoreEngine, the history buffer's fetch) when those take them, and overlap
// with compute, so weight streaming, K/V writes and next-layer K/V prefetch proceed behind
// the current instruction as they do in hardware. The attention's walk tells the store engine
// when it reads the K/V entry table (timing::kv_walk), which it has before the store.
// The sequencing (which instruction runs next, each instruction's token counts) is run_step's
// own loop, or with blocks.controller "rtl" the verilated generated controller
// (sequencer.hpp); either way each instruction runs through issue() on the same blocks.
// Instruction issue: one instruction every controller.issue_cycles core cycles at most,
// the next decoded while the current runs (a blocking instruction starts at its issue); the
// wait is the sequencer's (run_step's loop here, the RTL's countdown gate with
// blocks.controller "rtl"), issue() starts the instruction at once.
// Request paths (issue 12, the generated RTL's registers): EMBED requests its rows
// embedding.request_cycles after its issue; an ATTN's K/V requests go in walk order, token c's
// kv.request_cycles + c * kv.walk_cycles_per_token after its start (kv_request_times; the PE
// array submits them); the weight DMA and the PE array apply their own (weight_dma.hpp,
// pe_array.hpp).
// EMBED's rows go into the activation buffer one port a cycle, embedding.intake_beats_per_cycle
// beats of one request (the generated processor's two lanes), the
// lowest port first, as the generated processor's e_sel (timing::EmbedIntake, fed each row
// request's data cycles as the HBM block collects them; docs/rtl.md step 24): EMBED ends with
// its last beat taken, not with its last row's data.
// Abstracts away: instruction fetch (one program per step is resident on chip) and the
// host interface; the R channel's back-pressure on the DRAM (a row beat the activation buffer
// does not take yet waits; the HBM model delivers as if always taken, as behind the RTL top's
// transactor); a row of several bursts: its beats interpolated over the request, not per burst.
#pragma once
#include <array>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "skipopu/block_registry.hpp"
#include "skipopu/config.hpp"
#include "skipopu/kv_history_buffer.hpp"
#include "skipopu/kv_store_engine.hpp"
#include "skipopu/kv_state.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/program.hpp"
#include "skipopu/recorder.hpp"
#include "skipopu/sequencer.hpp"
#include "skipopu/timing.hpp"
#include "skipopu/trace.hpp"
#include "skipopu/weight_dma.hpp"

namespace skipopu {

// Counters the report needs beyond the blocks' own stats.
struct RunTotals {
  uint64_t prefill_cycles = 0, decode_cycles = 0, end_cycle = 0;
  uint64_t decode_tokens = 0, prompt_tokens = 0;
  uint64_t token_cycles_min = 0, token_cycles_max = 0;
  // Modules run / skipped, [phase][module]: phase 0 = prompt, 1 = decode.
  uint64_t ran[2][2] = {{0, 0}, {0, 0}}, skipped[2][2] = {{0, 0}, {0, 0}};
  // Bytes the decode workload must move (counting on-chip history hits), and by HBM.
  uint64_t need_weights = 0, need_embedding = 0, need_router = 0, need_kv_read = 0, need_kv_write = 0;
  uint64_t need_kv_hit = 0;
  uint64_t hbm_decode_bytes = 0;  // physical HBM bytes during decode
  uint64_t kv_entries_stored = 0, kv_entries_dense = 0;
  // Decode attentions: cycles from the K/V request to the attention's end, HBM K/V bytes.
  uint64_t kv_attn_cycles = 0, kv_attn_hbm_bytes = 0;
  // Decode attentions: cycles waiting for the history buffer's fetch before the K/V stream
  // is issued, and the stream's channel balance (max/mean) summed over attentions with HBM reads.
  uint64_t kv_fetch_wait_cycles = 0, kv_balance_count = 0;
  double kv_balance_sum = 0.0;
  // Controller cycles inside each module's code, [phase][module] (Instr::part; the
  // embedding and head are neither).
  uint64_t module_cycles[2][2] = {{0, 0}, {0, 0}};
  uint64_t hbm_fixed_per_pc = 0, kv_reserved_per_pc = 0, kv_pages = 0;  // memory map at the end
};

// Where a run stands, for a progress display (`skipopu run`'s line on stderr). Reported once
// before the prefill, once after it and once after each decoded token: never per event.
struct RunProgress {
  uint64_t tokens_done = 0, tokens_total = 0;  // prompt tokens count once the prefill is done
  uint64_t decode_done = 0, decode_total = 0;
  uint64_t cycle = 0;  // simulated core cycles so far
  double core_hz = 0;
};
using ProgressHook = std::function<void(const RunProgress&)>;

class SkipOpuTop : public sc_core::sc_module, private InstrUnitsIf {
 public:
  // `rec` receives the series / timeline that `ropt` asks for (nullptr when neither is on).
  SkipOpuTop(sc_core::sc_module_name name, const HardwareConfig& cfg, const ModelCard& model,
             TraceReader& trace, const RecordOptions& ropt = {}, Recording* rec = nullptr);
  ~SkipOpuTop() override;

  const RunTotals& totals() const { return totals_; }
  // Called from the controller's thread at the points RunProgress names; reads nothing
  // back, so a run is the same with or without it.
  void set_progress(ProgressHook hook) { progress_ = std::move(hook); }
  std::exception_ptr error() const { return error_; }
  const Program& program() const { return program_; }
  void report(StatGroup& root) const;
  // The implementation each compute block uses ({config key, registered name}), as the
  // instances report it.
  std::vector<std::pair<std::string, std::string>> implementations() const;

 private:
  struct Step;
  void controller();
  void replay();
  void run_step(Step& step);
  void issue(uint32_t pc, const IssueOperands& ops) override;  // InstrUnitsIf
  void note_issue(uint32_t pc) override;                        // InstrUnitsIf
  void account(Module next);  // module_cycles: the code of `next` starts now
  void kv_request_times(bool split, uint64_t start, uint32_t context);
  void attention(Step& step, uint32_t layer, uint32_t fused_latency);
  void kv_store(Step& step, uint32_t layer, uint32_t pc);
  void embed_drain(uint64_t now);  // EMBED: known rows to the activation buffer's intake
  void count_modules(const TokenRecord& r, int phase);
  uint64_t hbm_bytes_total() const;
  // Series / timeline bookkeeping (only called when they are on).
  void begin_step(const Step& step);
  void enter_segment(const Step& step, uint32_t segment);
  void close_segment();
  void end_step();
  void report_progress(uint64_t tokens_done) const;

  const HardwareConfig& cfg_;
  const ModelCard& model_;
  TraceReader& trace_;
  Program program_;
  CoreClock clk_;
  MemoryMap map_;
  KvState kv_;
  std::unique_ptr<HbmBlock> hbm_;
  std::unique_ptr<WeightDma> dma_;
  // Compute blocks, built by name from the registry (block_registry.hpp).
  std::unique_ptr<NonlinearIf> nl_;
  std::unique_ptr<RouterIf> router_;
  std::unique_ptr<PeArrayIf> pe_;
  // The controller talks to the compute blocks only through these ports (see
  // block_interfaces.hpp); the instances above are bound to them at construction.
  sc_core::sc_port<PeArrayIf> pe_port_;
  sc_core::sc_port<RouterIf> router_port_;
  sc_core::sc_port<NonlinearIf> nl_port_;
  std::unique_ptr<KvHistoryBuffer> kvbuf_;
  std::unique_ptr<KvStoreEngine> store_;  // KV_STORE (its writes overlap the following instructions)
  RequestList store_reqs_;                // scratch: one entry's write pieces
  uint64_t next_issue_ = 0;  // earliest cycle of the next instruction issue
  std::vector<uint64_t> pc_bytes_;  // scratch: per-channel bytes of a K/V stream
  HbmJob embed_job_, kv_job_;
  uint64_t embed_cycles_ = 0;  // EMBEDs from issue to their last row's data (report: embedding)
  EmbeddingLookup embed_lookup_{map_, model_.vocab};  // the prefill's lookup, made as the HBM model takes it
  // EMBED's one request a port (the generated eNN_pend): per AXI port, the first core cycle at
  // which EMBED may hand that port its next request (its last one's first burst address + 1)
  std::vector<uint64_t> embed_port_free_;
  // the activation buffer's intake of a lookup's rows (timing::EmbedIntake; docs/rtl.md step 24):
  // per AXI port, its submitted requests whose data has not gone to the intake, in order
  struct EmbedPending {
    uint32_t index, beats;
    uint64_t submitted, first, done;
    bool known;
  };
  std::vector<std::deque<EmbedPending>> embed_pending_;
  timing::EmbedIntake embed_intake_;
  RunTotals totals_;
  ProgressHook progress_;
  std::exception_ptr error_;
  std::vector<TokenRecord> prompt_;
  TokenRecord decode_rec_;
  std::vector<uint32_t> active_;
  std::vector<uint64_t> context_;  // per query of the current attention: entries attended
  KvStreamLayout kv_layout_;       // which K/V request carries each context entry (split: its K half)
  KvStreamLayout kv_layout_v_;     // unfused kv_split: which request carries each entry's V half
  std::vector<std::pair<uint32_t, int32_t>> kv_src_;  // context entries: token, source layer (-1: on chip)
  std::vector<timing::WalkEntry> walk_;  // the same entries as the gather's walk sees them
  std::vector<uint64_t> walk_at_;        // per entry: its request, or a hit's last beat (timing::kv_walk)
  std::vector<timing::TableReadRun> walk_reads_;  // the walk's reads of the entry table (the store's arbiter)
  uint64_t walk_end_ = 0;                         // the walk over its context, cycles after the start
  std::vector<uint64_t> kv_at_;  // per K/V request: cycles after the attention's start it is requested
  std::vector<GemmPart> parts_;
  // The program's sequencing: nullptr = run_step's own (SystemC); else blocks.controller's.
  std::unique_ptr<SequencerIf> seq_;
  Step* cur_ = nullptr;  // the step being run
  Module part_ = Module::None;
  uint64_t part_from_ = 0;
  WorkCounters work_;  // workload bytes of every step (prefill included)
  // Series and timeline (recorder.hpp); off unless asked for.
  RecordOptions ropt_;
  Recording* rec_ = nullptr;
  std::vector<uint32_t> seg_of_pc_;  // program counter -> segment (0 embed, 1..L layers, L+1 head)
  bool seg_open_ = false;
  uint32_t step_index_ = 0;
  SeriesRow row_;                     // the open segment
  WorkCounters row_work_;             // work_ when it opened
  uint64_t row_hbm_ = 0;              // hbm_bytes_total() when it opened
  bool tl_step_ = false;              // the current step is in the timeline's token range
};

// Elaborates the model, runs the whole trace, and returns the report (JSON document and
// its text rendering). SystemC allows one simulation per process: call it once.
struct RunReport {
  Json json;
  std::string text;
  std::string series;    // --series: CSV or JSON (empty unless asked for)
  std::string timeline;  // --timeline: trace-event JSON (empty unless asked for)
};

// Formats a recording (src/sim/recorder.cpp; schemas in docs/report.md).
std::string series_csv(const Recording& r, const ModelCard& m, double core_hz, double peak_bytes_per_s);
std::string series_json(const Recording& r, const ModelCard& m, double core_hz, double peak_bytes_per_s,
                        const Json& inputs);
std::string timeline_json(const Recording& r, const Program& p, double core_hz, const Json& inputs);
// `summary_hook` may add statistics to the summary group (e.g. energy) before it is rendered;
// `progress` is called as SkipOpuTop::set_progress says.
using SummaryHook = std::function<void(StatGroup& summary, const RunTotals& totals)>;
RunReport simulate(const HardwareConfig& cfg, const std::string& model_path, const std::string& trace_path,
                   bool verbose = false, const RecordOptions& ropt = {}, const SummaryHook& summary_hook = {},
                   const ProgressHook& progress = {});

}  // namespace skipopu

// blocks.top "rtl" (skipopu-rtl only): the verilated whole processor (skipopu_processor.v,
// src/rtl/generator_top.cpp, the design of SKIPOPU_RTL_PROC_ARGS) runs every step of the trace,
// with the top's HBM block behind its AXI ports (docs/rtl.md "The whole processor in the loop").
//
// Models: the host side of the processor. Before cycle 0 (edges not counted): reset, the
// instruction memory (rtl::encode_program of the program the top compiled), the matrix table
// (rtl::matrix_table_hex), the base addresses, the K/V entry size, the attention's step counts
// (timing::step_counts) and tail. Then, clocked one edge per core cycle from the top's controller
// thread: each step is offered on step_* (tokens, first token, context: the prompt for the
// prefill, the tokens before it for a decode step, as SkipOpuTop gives KV_PREFETCH); the step's
// entries are placed in the run's MemoryMap (kv_allocate, in SkipOpuTop's KV_STORE order) and the
// K/V entry table (kt_*) is written for its tokens, one word an edge from its first cycle; its
// embedding requests (SkipOpuTop's EmbeddingLookup) are streamed on er_*; the routing-outcome
// FIFO is kept filled from the trace's masks
// (one entry per ROUTE in program order: how many of the step's tokens run the module), one push
// per edge; the K/V source stream (src_*) gives src(t, l) from the top's KvState (the history
// rule KvHistoryBuffer uses) for every context token of each KV_PREFETCH the RTL takes; every
// AXI port has an AxiHbmSlave (axi_hbm_slave.hpp) on the top's HBM block. A step ends in the
// cycle in which the controller would take the next step (its last instruction's done; the
// top then starts the next step in that same cycle), so the top's per-token cycles are the
// RTL's. Each instruction the RTL issues (slot 0 taken) is reported to the top
// (InstrUnitsIf::note_issue: the timeline), and the transactor counts each unit's busy and
// stall cycles from the processor's unit state (report group rtl_top).
// With --wave FILE the model is Vskprw (verilated with --trace) and every signal of the processor
// and the blocks below it goes to a VCD, two time steps per core cycle (clk low, clk high: the
// host set-up edges before cycle 0 included); without it, Vskpr (no tracing code at all).
// Abstracts away: everything the processor abstracts (docs/rtl.md "The whole processor": operand
// values, attention arithmetic, one clock); the SystemC blocks stay idle (their
// report counters are 0). Internal errors (exit 1): the RTL's err, a protocol error on a port,
// no step boundary for 1,000,000 cycles.
#include <cstdint>
#include <deque>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <type_traits>

#include "Vskpr.h"
#include "Vskpr___024root.h"
#include "Vskprw.h"
#include "Vskprw___024root.h"
#include SKIPOPU_PROC_PARAMS
#include "axi_hbm_slave.hpp"
#include "skipopu/block_registry.hpp"
#include "skipopu/error.hpp"
#include "skipopu/kv_history_buffer.hpp"
#include "skipopu/rtl/controller.hpp"
#include "skipopu/rtl/generator.hpp"
#include "skipopu/sizes.hpp"
#include "skipopu/timing.hpp"
#include "verilated.h"
#include "wave_file.hpp"
#include "axi_port_io.hpp"
#include <systemc>

namespace skipopu {

std::unique_ptr<SequencerIf> make_rtl_top(const HardwareConfig& c, const ModelCard& model, const Program& prog,
                                          const TopContext& ctx, const std::string& wave);

namespace {

constexpr unsigned kPorts = SKIPOPU_PROC_PORTS;
static_assert(kPorts == 4, "rtl_processor.cpp wires 4 AXI ports (SKIPOPU_RTL_PROC_ARGS)");

[[noreturn]] void internal(const std::string& what) { throw std::runtime_error("skipopu-rtl: processor: " + what); }

using rtl_sim::PortIO;

// The data of the read beat at byte address a (a stand-in: the simulator carries no values).
uint32_t pattern(uint64_t a, unsigned word) {
  uint64_t x = (a + 0x9e3779b97f4a7c15ull * (word + 1)) * 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  return static_cast<uint32_t>(x);
}

void check(const HardwareConfig& c, const char* field, uint64_t got, uint64_t linked) {
  if (got != linked)
    throw_input_error(c.file, field,
                      "skipopu-rtl links a processor generated for " + std::to_string(linked) +
                          " with blocks.top=rtl (CMake SKIPOPU_RTL_PROC_ARGS); got " + std::to_string(got));
}

// Units whose busy cycles are counted (report group rtl_top).
enum Unit { kPe, kPeFire, kPeWait, kNl, kRouter, kAttn, kEmbed, kKvStore, kPrefetch, kUnits };
const char* const kUnitName[kUnits] = {"pe_array_busy", "pe_array_tile_steps", "pe_array_weight_wait", "nonlinear_busy", "router_busy",
                                        "attention_busy", "embed_busy", "kv_store_busy", "kv_prefetch_busy"};
const char* const kUnitDesc[kUnits] = {
    "cycles the PE array runs a GEMM (pe_run)", "tile steps of the GEMMs (pe_fire)",
    "cycles of a GEMM's run before its last tile step without a tile step (pe_run, !pe_fire)",
    "cycles the nonlinear unit runs (nl_run)", "cycles the router runs (rt_run)",
    "cycles the attention walk runs (its state not idle)", "cycles an EMBED read runs",
    "cycles a KV_STORE runs (its state not idle)", "cycles a KV_PREFETCH plans (pf_run)"};

// M: the verilated processor, Vskpr, or Vskprw (verilated with --trace) for --wave.
template <class M>
class RtlProcessor final : public SequencerIf {
  static constexpr bool kWave = std::is_same_v<M, Vskprw>;

 public:
  RtlProcessor(const HardwareConfig& c, const ModelCard& model, const Program& prog, const TopContext& ctx,
               const std::string& wave)
      : prog_(prog), ctx_(ctx), layers_(model.layers), m_(std::make_unique<M>("rtl_processor")),
        embed_(ctx.map, model.vocab), beat_bytes_(c.hbm.beat_bytes) {
    check(c, "/pe_array/rows", c.pe.rows, SKIPOPU_RTL_ROWS);
    check(c, "/pe_array/cols", c.pe.cols, SKIPOPU_RTL_COLS);
    check(c, "/hbm/ports", c.hbm.ports, SKIPOPU_PROC_PORTS);
    check(c, "/hbm/pseudo_channels", c.hbm.pseudo_channels, SKIPOPU_PROC_PORTS);
    check(c, "/router/lanes", c.router.lanes, SKIPOPU_ROUTER_LANES);
    check(c, "/controller/issue_cycles", c.controller.issue_cycles, SKIPOPU_CTRL_ISSUE_CYCLES);
    rtl::check_processor_latencies(c);
    if (prog.code.size() >= (size_t{1} << SKIPOPU_CTRL_PC_BITS))
      throw_input_error(c.file, "/blocks/top",
                        "the program has " + std::to_string(prog.code.size()) + " instructions; skipopu-rtl links a processor with room for " +
                            std::to_string((1u << SKIPOPU_CTRL_PC_BITS) - 1));
    if (prog.matrices.size() + 1 > (size_t{1} << SKIPOPU_PROC_MATRIX_BITS))
      throw_input_error(c.file, "/blocks/top",
                        "the program has " + std::to_string(prog.matrices.size()) + " matrices; skipopu-rtl links a processor with a matrix table of " +
                            std::to_string(1u << SKIPOPU_PROC_MATRIX_BITS));
    if constexpr (kWave) {  // after the input checks: a refused config writes no waveform
      vcd_ = std::make_unique<WaveFile>(*m_, wave);
    }
    ports_ = {SKIPOPU_PORT(m_, 00), SKIPOPU_PORT(m_, 01), SKIPOPU_PORT(m_, 02), SKIPOPU_PORT(m_, 03)};
    {
      auto* r = m_->rootp;
#define SKIPOPU_PORT_CMD(n) \
  PortCmd { &r->skipopu_processor__DOT__p##n##_cmd_valid, &r->skipopu_processor__DOT__p##n##_cl }
      cmd_ = {SKIPOPU_PORT_CMD(00), SKIPOPU_PORT_CMD(01), SKIPOPU_PORT_CMD(02), SKIPOPU_PORT_CMD(03)};
#undef SKIPOPU_PORT_CMD
    }
    for (unsigned p = 0; p < kPorts; ++p) slaves_.emplace_back(ctx.hbm, c.hbm.pseudo_channels, c.hbm.pc_bytes, c.hbm.beat_bytes);
    ctx.hbm.keep_known();  // the slaves hand read beats on as the DRAM delivers them
    ctx.hbm.bursts_at_handshakes();  // each burst submitted at its handshake: the masters' gaps are the RTL's own
    pc_bytes_ = c.hbm.pc_bytes;
    cfg_file_ = c.file;
    // The K/V entry size (the memory map's).
    entry_bytes_ = ctx.map.kv_entry_bytes();
    if (entry_bytes_ % c.hbm.beat_bytes != 0)
      throw_input_error(c.file, "/kv/element_bits", "blocks.top=rtl: the processor moves whole beats; a K/V entry of " +
                                                        std::to_string(entry_bytes_) + " bytes is not a multiple of " +
                                                        std::to_string(c.hbm.beat_bytes));
    kt_list_.reset_pcs(ctx.map.pcs());
    const std::vector<rtl::InstrWord> words = rtl::encode_program(prog, model.layers, c);
    std::vector<uint64_t> mtab;
    {
      std::istringstream in(rtl::matrix_table_hex(model, c, prog));
      for (std::string s; std::getline(in, s);)
        if (!s.empty()) mtab.push_back(std::stoull(s, nullptr, 16));
    }
    // Host set-up before cycle 0 (edges not counted as core cycles).
    for (const auto& io : ports_) {
      *io.arready = 1;
      *io.awready = 1;
      *io.wready = 1;
    }
    m_->rst = 1;
    for (int k = 0; k < 3; ++k) edge();
    m_->rst = 0;
    for (size_t a = 0; a < words.size(); ++a) {
      m_->im_we = 1;
      m_->im_addr = static_cast<uint32_t>(a);
      for (unsigned w = 0; w < 4; ++w) m_->im_wdata[w] = words[a][w];
      edge();
    }
    m_->im_we = 0;
    m_->prog_len = static_cast<uint32_t>(words.size());
    for (size_t a = 0; a < mtab.size(); ++a) {
      m_->mt_we = 1;
      m_->mt_addr = static_cast<uint32_t>(a);
      m_->mt_wdata = mtab[a];
      edge();
    }
    m_->mt_we = 0;
    m_->cfg_weight_base = 0;  // each port's slice at p * pc_bytes
    m_->cfg_inv_n = (1u << 31) / model.d_model;  // 1/d (U1.31)
    // The attention's tile steps per key block and per entry chunk (timing::step_counts, what
    // attention_stream_finish counts) and its tail: the array's latency and the fused softmax's.
    if (!c.fusion)
      throw_input_error(c.file, "/fusion", "blocks.top=rtl: the processor runs the fused attention; expected true, got false");
    const timing::StepCounts sc = timing::step_counts(timing::ArrayShape{c.pe.rows, c.pe.cols},
                                                      timing::AttentionShape{model.heads, model.head_dim, nullptr, 0});
    uint64_t fused = 0;
    for (const Instr& in : prog.code)
      if (in.op == Op::Attention) fused = in.fused_latency;
    const uint64_t tail = c.pe.pipeline_latency + fused;
    if (sc.qk_block > 0xffff || sc.pv_chunk > 0xffff || tail > 0xffff)
      throw_input_error(c.file, "/blocks/top", "blocks.top=rtl: the attention's step counts or latency exceed the processor's 16-bit fields");
    m_->cfg_attn_qk = static_cast<uint32_t>(sc.qk_block);
    m_->cfg_attn_pv = static_cast<uint32_t>(sc.pv_chunk);
    m_->cfg_attn_tail = static_cast<uint32_t>(tail);
    // The rate at which the KV history buffer reads hits out (KvHistoryBuffer::read_done).
    const uint64_t read_bytes = kv_buffer_read_bytes(c);
    if (read_bytes > 0xffff)
      throw_input_error(c.file, "/kv_buffer/urams", "blocks.top=rtl: the KV history buffer's read rate (" +
                                                        std::to_string(read_bytes) +
                                                        " bytes a cycle) exceeds the processor's 16-bit field");
    m_->cfg_kv_read_bytes = static_cast<uint32_t>(read_bytes);
    m_->kv_cfg_valid = 1;
    m_->kv_cfg_entry_beats = static_cast<uint32_t>(entry_bytes_ / c.hbm.beat_bytes);
    edge();
    m_->kv_cfg_valid = 0;
    for (int k = 0; k < 1000000 && !m_->kv_idle; ++k) edge();
    if (!m_->kv_idle) internal("the KV history buffer never became idle after its configuration");
    m_->src_valid = 0;
  }
  const char* implementation() const override { return "rtl"; }
  const char* block() const override { return "top"; }

  void run_step(const StepDesc& s, InstrUnitsIf& units) override {
    if (s.first + s.count > SKIPOPU_KV_MAX_TOKENS)  // the trace is longer than the linked design holds
      throw_input_error(cfg_file_, "/blocks/top",
                        "the trace reaches token " + std::to_string(s.first + s.count - 1) +
                            "; skipopu-rtl links a processor with tables for " + std::to_string(SKIPOPU_KV_MAX_TOKENS) +
                            " tokens (CMake SKIPOPU_RTL_PROC_ARGS --kv-tokens)");
    if (s.count > 0xffff) internal("a step of more than 65535 tokens");
    if (layers_ > (1u << SKIPOPU_PROC_KV_LAYER_BITS))
      throw_input_error(cfg_file_, "/blocks/top", "the model has " + std::to_string(layers_) +
                                                      " layers; skipopu-rtl links a processor whose K/V entry table has " +
                                                      std::to_string(1u << SKIPOPU_PROC_KV_LAYER_BITS));
    table_entries(s);
    for (uint32_t l = 0; l < layers_; ++l)
      for (int mod = 0; mod < 2; ++mod) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < s.count; ++i) n += mod == 0 ? s.recs[i].attn_ran(l) : s.recs[i].mlp_ran(l);
        outcomes_.push_back(static_cast<uint16_t>(n));
      }
    // The context KV_PREFETCH and the attention walk see: the prompt (prefill), the tokens
    // before the step (decode), as SkipOpuTop gives KvHistoryBuffer::prefetch.
    context_ = s.prefill ? s.first + s.count : s.first;
    m_->step_tokens = s.count;
    m_->step_first = s.first;
    m_->step_context = context_;
    // The EMBED's requests, as SkipOpuTop's EmbeddingLookup makes them (rows striped over the
    // pseudo-channels; adjacent pieces of a channel merged), streamed on er_* from the step's start.
    er_.clear();
    er_next_ = 0;
    embed_.set_tokens(s.first, s.count);
    for (hbm::Request r; embed_.next(r);) {
      if (r.bytes % beat_bytes_ != 0 || r.bytes / beat_bytes_ > 0xffff)
        throw_input_error(cfg_file_, "/weights/embedding_bits",
                          "blocks.top=rtl: an embedding request of " + std::to_string(r.bytes) +
                              " bytes is not a whole number of beats (at most 65535) for the processor's EMBED");
      er_.push_back({uint64_t{r.pc} * pc_bytes_ + r.addr, static_cast<uint32_t>(r.bytes / beat_bytes_)});
    }
    bool pending = true;
    uint64_t idle = 0;
    for (;;) {
      const uint64_t now = ctx_.clk.now();
      drive(now);
      if (!pending) {  // would the controller take a next step in this cycle? Then this one ends here.
        m_->step_valid = 1;
        settle();
        if (m_->step_ready) {
          if (er_next_ < er_.size()) internal("the step ended with embedding requests not taken");
          return;
        }
      }
      m_->step_valid = pending;
      settle();
      if (m_->err) internal("the RTL's err flag is set at cycle " + std::to_string(now));
      if (pending && m_->step_ready) pending = false;
      const auto* r = m_->rootp;
      if (r->skipopu_processor__DOT__take0) {
        // Slot 0's pc (the controller's c_pe0, not kept by Verilator): 0 when a step starts
        // (the program at its end or the controller idle), else the pc register.
        const uint32_t at = r->skipopu_processor__DOT__u_controller__DOT__pc;
        const uint32_t pc = (at >= prog_.code.size() || r->skipopu_processor__DOT__u_controller__DOT__st == 0) ? 0 : at;
        if (pc >= prog_.code.size()) internal("the RTL issued pc " + std::to_string(pc) + " past the program");
        units.note_issue(pc);
        ++issued_;
        const Instr& in = prog_.code[pc];
        if ((in.op == Op::KvPrefetch || in.op == Op::KvStore || in.op == Op::Attention) && kt_next_ < kt_.size())
          internal("pc " + std::to_string(pc) + " issued at cycle " + std::to_string(now) + " before the step's " +
                   std::to_string(kt_.size() - kt_next_) + " K/V entry table writes were done");
        if (in.op == Op::KvPrefetch) {  // its src(t, l) stream, token by token
          src_.clear();
          src_next_ = 0;
          for (uint32_t t = 0; t < context_; ++t) src_.push_back(static_cast<int16_t>(ctx_.kv.source(t, in.layer)));
        }
      }
      count_units();
      handshakes(now);
      commit_edge();
      if (++idle > 1000000) internal("no step boundary for 1000000 cycles at cycle " + std::to_string(now));
      ctx_.clk.wait_until(now + 1);
      sc_core::wait(sc_core::SC_ZERO_TIME);  // the HBM block's completions of this cycle first
    }
  }

  void finish() override {
    if (m_->err) internal("the RTL's err flag is set at the end");
    if constexpr (kWave) vcd_->commit();
  }

  void report(StatGroup& root) const override {
    StatGroup& g = root.group("rtl_top", "blocks.top=rtl: the verilated processor's units, counted by the transactor");
    g.add("instructions", issued_, "count", "instructions the RTL controller issued (slot 0 taken)");
    for (unsigned u = 0; u < kUnits; ++u) g.add(kUnitName[u], unit_[u], "cycle", kUnitDesc[u]);
    const auto* r = m_->rootp;  // the KV history buffer's own counters (docs/rtl.md "KV history buffer")
    g.add("kv_kept", r->skipopu_processor__DOT__kv_st_kept, "count", "KV history buffer: entries kept from one layer to the next");
    g.add("kv_captured", r->skipopu_processor__DOT__kv_st_captured, "count", "KV history buffer: entries captured from the K/V stream");
    g.add("kv_fetched", r->skipopu_processor__DOT__kv_st_fetched, "count", "KV history buffer: entries fetched from HBM");
    g.add("kv_overflow", r->skipopu_processor__DOT__kv_st_overflow, "count", "KV history buffer: reused entries that did not fit");
    g.add("kv_hits", r->skipopu_processor__DOT__kv_st_hits, "count", "attention lookups served by the buffer");
    g.add("kv_misses", r->skipopu_processor__DOT__kv_st_misses, "count", "attention lookups of reused entries read from HBM");
    uint64_t late = 0;
    for (const AxiHbmSlave& s : slaves_) late += s.known_late();
    g.add("read_bursts_known_late", late, "count",
          "read bursts whose first beat was due before the HBM model had fixed their data times (HbmIf::data_known)");
    for (unsigned p = 0; p < kPorts; ++p) {
      const std::string n = "port" + std::string(p < 10 ? "0" : "") + std::to_string(p);
      g.add(n + "_read_bursts", slaves_[p].rd_bursts(), "count", "AXI read bursts of the port");
      g.add(n + "_read_beats", slaves_[p].rd_beats(), "count", "AXI read beats of the port");
      g.add(n + "_write_bursts", slaves_[p].wr_bursts(), "count", "AXI write bursts of the port");
      g.add(n + "_write_beats", slaves_[p].wr_beats(), "count", "AXI write beats of the port");
    }
  }

 private:
  void settle() {
    m_->clk = 0;
    m_->eval();
  }
  void edge() {
    settle();
    commit_edge();
  }
  // The rising edge; with --wave, the settled state (clk low) and the state after the edge.
  void commit_edge() {
    if constexpr (kWave) vcd_->dump(vtime_++);
    m_->clk = 1;
    m_->eval();
    if constexpr (kWave) vcd_->dump(vtime_++);
  }
  // The host's and the slaves' outputs in cycle `now`.
  void drive(uint64_t now) {
    for (unsigned p = 0; p < kPorts; ++p) {
      const PortIO& io = ports_[p];
      slaves_[p].poll(now);
      const AxiHbmSlave::Out o = slaves_[p].outputs(now);
      *io.rvalid = o.rvalid;
      *io.rlast = o.rlast;
      *io.rid = static_cast<CData>(o.rid);
      *io.rresp = 0;
      if (o.rvalid)
        for (unsigned w = 0; w < 8; ++w) (*io.rdata)[w] = pattern(o.raddr, w);
      *io.r2valid = o.r2valid;
      *io.r2last = o.r2last;
      *io.r2id = static_cast<CData>(o.r2id);
      *io.r2resp = 0;
      if (o.r2valid)
        for (unsigned w = 0; w < 8; ++w) (*io.r2data)[w] = pattern(o.r2addr, w);
      *io.bvalid = o.bvalid;
      *io.bid = static_cast<CData>(o.bid);
      *io.bresp = 0;
    }
    const bool push = out_next_ < outcomes_.size();
    m_->rf_push = push;
    m_->rf_data = push ? outcomes_[out_next_] : 0;
    const bool er = er_next_ < er_.size();
    m_->er_valid = er;
    m_->er_addr = er ? er_[er_next_].addr : 0;
    m_->er_beats = er ? er_[er_next_].beats : 0;
    m_->er_last = er && er_next_ + 1 == er_.size();
    const bool kt = kt_next_ < kt_.size();
    m_->kt_we = kt;
    m_->kt_addr = kt ? kt_[kt_next_].index : 0;
    m_->kt_wdata = kt ? kt_[kt_next_].word : 0;
    const bool src = src_next_ < src_.size();
    m_->src_valid = src;
    m_->src_none = src && src_[src_next_] < 0;
    m_->src_layer = src && src_[src_next_] >= 0 ? static_cast<uint32_t>(src_[src_next_]) : 0u;
  }
  // The K/V entry table's entries of the step's tokens, every layer (written from the step's first
  // cycle, one an edge): kind 0 none, 1 own (the entry is placed now, MemoryMap::kv_allocate, in
  // the order SkipOpuTop's KV_STOREs place them: layer by layer, tokens in order), 2 reused; the
  // address of the entry (t, src(t, l)) as the memory map lays it out (port = pseudo-channel).
  void table_entries(const StepDesc& s) {
    for (uint32_t l = 0; l < layers_; ++l)
      for (uint32_t i = 0; i < s.count; ++i) {
        const uint32_t t = s.first + i;
        const int32_t src = ctx_.kv.source(t, l);
        uint64_t word = 0;
        if (src >= 0) {
          if (src == static_cast<int32_t>(l)) ctx_.map.kv_allocate(t, l);
          kt_list_.clear();
          ctx_.map.kv_entry(t, static_cast<uint32_t>(src), false, kt_list_);
          const auto& rq = kt_list_.requests();
          if (rq.size() != 1 || rq[0].bytes != entry_bytes_)
            throw_input_error(cfg_file_, "/kv/mapping",
                              "blocks.top=rtl: the processor's K/V entry table holds one address an entry; this K/V "
                              "layout (kv.mapping, kv.order, kv.k_and_v) splits an entry into " +
                                  std::to_string(rq.size()) + " pieces");
          const uint64_t kind = src == static_cast<int32_t>(l) ? 1 : 2;
          word = (kind << SKIPOPU_AXI_ADDR_BITS) | (uint64_t{rq[0].pc} * pc_bytes_ + rq[0].addr);
        }
        kt_.push_back({(l << SKIPOPU_KV_TOKEN_BITS) | t, word});
      }
  }
  // The handshakes of the edge ending cycle `now` (after settle()).
  void handshakes(uint64_t now) {
    if (m_->rf_push && !m_->rf_full && ++out_next_ == outcomes_.size()) {
      outcomes_.clear();
      out_next_ = 0;
    }
    if (m_->src_valid && m_->src_ready) ++src_next_;
    if (m_->er_valid && m_->er_ready) ++er_next_;
    if (m_->kt_we && ++kt_next_ == kt_.size()) {
      kt_.clear();
      kt_next_ = 0;
    }
    for (unsigned p = 0; p < kPorts; ++p) {
      const PortIO& io = ports_[p];
      AxiHbmSlave& s = slaves_[p];
      // Reads by the class of the command they belong to (the read master sends one command's
      // bursts before it takes the next: pNN_cmd_valid is its handshake, pNN_cl the class).
      if (*io.arvalid) s.read_address(*io.araddr, *io.arlen + 1u, *io.arid, cmd_class_[p]);
      if (*cmd_[p].valid) cmd_class_[p] = kClassTraffic[*cmd_[p].cl & 3u];
      if (*io.rvalid && *io.rready) {
        s.read_beat();
        if (*io.r2valid && *io.r2ready) s.read_beat();
      }
      if (*io.awvalid) s.write_address(*io.awaddr, *io.awlen + 1u, *io.awid);
      if (*io.wvalid && !s.write_beat(now, *io.wlast != 0))
        internal("port " + std::to_string(p) + ": a W beat without its address, or wlast misplaced, at cycle " + std::to_string(now));
      if (*io.bvalid && *io.bready) s.write_response();
    }
  }
  void count_units() {
    const auto* r = m_->rootp;
    const bool pe = r->skipopu_processor__DOT__pe_run;
    unit_[kPe] += pe;
    // A cycle of a GEMM's run without a tile step is a wait if a tile step follows in the same
    // GEMM (else it is the pipeline's drain): counted when that step comes.
    if (r->skipopu_processor__DOT__go_gemm || !pe) {
      pe_idle_ = 0;
    } else if (r->skipopu_processor__DOT__pe_fire) {
      ++unit_[kPeFire];
      unit_[kPeWait] += pe_idle_;
      pe_idle_ = 0;
    } else {
      ++pe_idle_;
    }
    unit_[kNl] += r->skipopu_processor__DOT__nl_run;
    unit_[kRouter] += r->skipopu_processor__DOT__rt_run;
    unit_[kAttn] += r->skipopu_processor__DOT__as != 0;
    unit_[kEmbed] += r->skipopu_processor__DOT__em_run;
    unit_[kKvStore] += r->skipopu_processor__DOT__ks != 0;
    unit_[kPrefetch] += r->skipopu_processor__DOT__pf_run;
  }

  const Program& prog_;
  TopContext ctx_;
  uint32_t layers_;
  std::unique_ptr<M> m_;
  std::unique_ptr<WaveFile> vcd_;  // --wave only
  uint64_t vtime_ = 0;
  std::vector<PortIO> ports_;
  // A port's read command handshake and class (the generated processor's CL_W, CL_E, CL_F, CL_T, src/rtl/generator_top.cpp:
  // weights, an embedding row, the KV history buffer's fill, the attention's K/V gather).
  struct PortCmd {
    const CData* valid;
    const CData* cl;
  };
  static constexpr Traffic kClassTraffic[4] = {Traffic::Weights, Traffic::Embedding, Traffic::KvPrefetch, Traffic::KvRead};
  std::vector<PortCmd> cmd_;
  Traffic cmd_class_[kPorts] = {};  // the class of the command whose bursts the port's master sends
  std::string cfg_file_;  // the config, for errors found while running
  std::deque<AxiHbmSlave> slaves_;  // not movable (each holds HbmJobs)
  uint64_t pc_bytes_ = 0, entry_bytes_ = 0;
  // The K/V entry table's writes of the running step (from kt_next_): {layer, token} and
  // {kind, address}.
  struct KtWrite {
    uint32_t index;
    uint64_t word;
  };
  std::vector<KtWrite> kt_;
  // The running step's embedding requests (from er_next_): address, beats.
  struct ErPiece {
    uint64_t addr;
    uint32_t beats;
  };
  std::vector<ErPiece> er_;
  size_t er_next_ = 0;
  EmbeddingLookup embed_;
  uint32_t beat_bytes_ = 0;
  size_t kt_next_ = 0;
  RequestList kt_list_;
  std::vector<uint16_t> outcomes_;  // routing outcomes not yet pushed (from out_next_)
  size_t out_next_ = 0;
  std::vector<int16_t> src_;  // the running KV_PREFETCH's src(t, l), t < context (from src_next_)
  size_t src_next_ = 0;
  uint32_t context_ = 0;
  uint64_t issued_ = 0;
  uint64_t unit_[kUnits] = {};
  uint64_t pe_idle_ = 0;  // cycles of the running GEMM since its last tile step without one
};

}  // namespace

std::unique_ptr<SequencerIf> make_rtl_top(const HardwareConfig& c, const ModelCard& model, const Program& prog,
                                          const TopContext& ctx, const std::string& wave) {
  if (wave.empty()) return std::make_unique<RtlProcessor<Vskpr>>(c, model, prog, ctx, wave);
  return std::make_unique<RtlProcessor<Vskprw>>(c, model, prog, ctx, wave);
}

}  // namespace skipopu

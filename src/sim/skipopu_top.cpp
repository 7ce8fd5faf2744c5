#include "skipopu/skipopu_top.hpp"

#include <algorithm>

#include "skipopu/error.hpp"
#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/sizes.hpp"

namespace skipopu {

struct SkipOpuTop::Step {
  bool prefill = false;
  uint32_t first = 0;   // first token index of the step
  uint32_t count = 0;   // tokens in the step
  const TokenRecord* recs = nullptr;  // count records
  uint64_t m_path = 0;   // tokens on the current module's path
  uint64_t m_attn = 0;   // tokens that ran the current layer's attention
};

SkipOpuTop::SkipOpuTop(sc_core::sc_module_name name, const HardwareConfig& cfg, const ModelCard& model,
                       TraceReader& trace, const RecordOptions& ropt, Recording* rec)
    : sc_module(name),
      cfg_(cfg),
      model_(model),
      trace_(trace),
      program_(compile_program(model, cfg)),
      clk_(cfg.clocks.core_hz),
      map_(model, cfg, program_, static_cast<uint32_t>(trace.header().tokens())),
      kv_(cfg.kv.policy, model.layers),
      ropt_(ropt),
      rec_(ropt.series || ropt.timeline ? rec : nullptr) {
  hbm_ = std::make_unique<HbmBlock>("hbm", hbm::make_model(cfg.hbm), clk_, core_axi_crossing(cfg));
  dma_ = std::make_unique<WeightDma>("weight_dma", *hbm_, map_, cfg.pe.weight_prefetch_bytes, clk_,
                                     cfg.pe.dma_request_cycles);
  // Compute blocks by name (config "blocks"); the nonlinear unit first: the PE array binds
  // its own port to it.
  nl_ = make_nonlinear(BlockContext{cfg, clk_, map_, *hbm_});
  router_ = make_router(BlockContext{cfg, clk_, map_, *hbm_});
  pe_ = make_pe_array(BlockContext{cfg, clk_, map_, *hbm_, dma_.get(), nl_.get()});
  seq_ = make_sequencer(cfg, model, program_, ropt.wave, TopContext{*hbm_, kv_, clk_, map_});
  pe_port_.bind(*pe_);
  router_port_.bind(*router_);
  nl_port_.bind(*nl_);
  kvbuf_ = std::make_unique<KvHistoryBuffer>("kv_history", cfg, map_, kv_, *hbm_,
                                              static_cast<uint32_t>(trace.header().tokens()));
  store_ = std::make_unique<KvStoreEngine>("kv_store", clk_, cfg.hbm.pseudo_channels, cfg.hbm.beat_bytes);
  store_->hbm.bind(*hbm_);
  store_reqs_.reset_pcs(cfg.hbm.pseudo_channels);
  embed_job_.init(cfg.hbm.pseudo_channels, Traffic::Embedding);
  embed_port_free_.assign(cfg.hbm.ports, 0);
  embed_job_.log_completions = true;  // the rows' data cycles: the activation buffer's intake
  embed_pending_.resize(cfg.hbm.ports);
  kv_job_.init(cfg.hbm.pseudo_channels, Traffic::KvRead);
  kv_job_.track_requests = true;
  kv_job_.reqs.set_max_request(cfg.kv.gather_bytes);  // the K/V gather engine's access size
  const uint64_t bytes_needed =
      map_.bytes_per_pc_fixed() + (cfg.kv.reserve == KvReserve::Dense ? map_.kv_bytes_per_pc() : 0);
  if (bytes_needed > cfg.hbm.pc_bytes)
    throw_input_error(cfg.file, "/hbm",
                      "workload does not fit: model " + model.name + " needs " + std::to_string(bytes_needed) +
                          " bytes per pseudo-channel (weights, embedding, router weights" +
                          (cfg.kv.reserve == KvReserve::Dense ? ", dense K/V reservation for this trace's tokens" : "") +
                          "), more than the " + std::to_string(cfg.hbm.pc_bytes) + " each pseudo-channel has");
  if (rec_) {
    // Segments in program order: EMBED, each layer's block (its KV_PREFETCH names the next
    // layer but is issued inside this one), the head.
    seg_of_pc_.resize(program_.code.size());
    for (size_t pc = 0; pc < program_.code.size(); ++pc) {
      const Instr& in = program_.code[pc];
      seg_of_pc_[pc] = in.op == Op::Embed ? 0 : 1 + (in.op == Op::KvPrefetch ? in.layer - 1 : in.layer);
    }
    if (ropt_.series) {
      const uint64_t steps = (trace.header().prompt > 0 ? 1 : 0) + trace.header().decode;
      rec_->rows.reserve(steps * (model.layers + 2));
    }
    if (ropt_.timeline) hbm_->record_into(&rec_->hbm, cfg.hbm.pseudo_channels);
  }
  SC_HAS_PROCESS(SkipOpuTop);
  SC_THREAD(controller);
}

SkipOpuTop::~SkipOpuTop() = default;

uint64_t SkipOpuTop::hbm_bytes_total() const {
  uint64_t b = 0;
  for (size_t t = 0; t < static_cast<size_t>(Traffic::Count); ++t) b += hbm_->bytes(static_cast<Traffic>(t));
  return b;
}

void SkipOpuTop::count_modules(const TokenRecord& r, int phase) {
  for (uint32_t l = 0; l < model_.layers; ++l) {
    (r.attn_ran(l) ? totals_.ran : totals_.skipped)[phase][0]++;
    (r.mlp_ran(l) ? totals_.ran : totals_.skipped)[phase][1]++;
  }
}

void SkipOpuTop::controller() {
  // Errors (a bad trace line met mid-run) end the simulation and are rethrown by
  // simulate() as they are, instead of becoming a SystemC report.
  try {
    replay();
  } catch (...) {
    error_ = std::current_exception();
  }
  sc_core::sc_stop();
}

void SkipOpuTop::report_progress(uint64_t tokens_done) const {
  if (!progress_) return;
  RunProgress p;
  p.tokens_total = trace_.header().tokens();
  p.decode_total = trace_.header().decode;
  p.tokens_done = tokens_done;
  p.decode_done = totals_.decode_tokens;
  p.cycle = clk_.now();
  p.core_hz = double(cfg_.clocks.core_hz);
  progress_(p);
}

void SkipOpuTop::replay() {
  const TraceHeader& h = trace_.header();
  totals_.prompt_tokens = h.prompt;
  report_progress(0);
  // Prefill: the prompt as one batch.
  prompt_.resize(h.prompt);
  for (uint32_t i = 0; i < h.prompt; ++i) {
    if (!trace_.next(prompt_[i])) throw_input_error(trace_.path(), "", "trace ended inside the prompt");
    kv_.record(prompt_[i].attn);
    count_modules(prompt_[i], 0);
  }
  active_.reserve(std::max<uint32_t>(h.prompt, 1));
  context_.reserve(std::max<uint32_t>(h.prompt, 1));
  if (h.prompt > 0) {
    Step s;
    s.prefill = true;
    s.first = 0;
    s.count = h.prompt;
    s.recs = prompt_.data();
    run_step(s);
    report_progress(h.prompt);
  }
  const uint64_t prefill_end = clk_.now();
  totals_.prefill_cycles = prefill_end;
  const WorkCounters prefill_work = work_;
  const uint64_t hbm_before = hbm_bytes_total();
  // Decode: one token at a time.
  while (trace_.next(decode_rec_)) {
    if (decode_rec_.prompt) throw_input_error(trace_.path(), "", "prompt token after decode tokens");
    kv_.record(decode_rec_.attn);
    count_modules(decode_rec_, 1);
    Step s;
    s.first = decode_rec_.index;
    s.count = 1;
    s.recs = &decode_rec_;
    const uint64_t start = clk_.now();
    run_step(s);
    const uint64_t c = clk_.now() - start;
    if (totals_.decode_tokens == 0 || c < totals_.token_cycles_min) totals_.token_cycles_min = c;
    totals_.token_cycles_max = std::max(totals_.token_cycles_max, c);
    ++totals_.decode_tokens;
    report_progress(h.prompt + totals_.decode_tokens);
  }
  if (seq_) seq_->finish();
  const uint64_t decode_end = clk_.now();
  totals_.decode_cycles = decode_end - prefill_end;
  // Posted writes and prefetches drain before the run ends (they are not on the
  // decode critical path, but their bytes are counted).
  store_->drain();
  kvbuf_->drain();
  totals_.hbm_decode_bytes = hbm_bytes_total() - hbm_before;
  // The report's workload bytes are those of the decode steps.
  totals_.need_weights = work_.weights - prefill_work.weights;
  totals_.need_embedding = work_.embedding - prefill_work.embedding;
  totals_.need_router = work_.router - prefill_work.router;
  totals_.need_kv_read = work_.kv_read - prefill_work.kv_read;
  totals_.need_kv_hit = work_.kv_hit - prefill_work.kv_hit;
  totals_.need_kv_write = work_.kv_write - prefill_work.kv_write;
  // Bytes requested after the last step (none today: the drain only waits) go to its last row.
  if (rec_ && ropt_.series && !rec_->rows.empty()) {
    rec_->rows.back().hbm_bytes += hbm_bytes_total() - row_hbm_;
    row_hbm_ = hbm_bytes_total();
  }
  totals_.end_cycle = clk_.now();
  totals_.kv_entries_stored = kv_.stored_entries();
  totals_.kv_entries_dense = uint64_t(kv_.tokens()) * model_.layers;
  totals_.hbm_fixed_per_pc = map_.bytes_per_pc_fixed();
  totals_.kv_reserved_per_pc = map_.kv_bytes_per_pc();
  totals_.kv_pages = map_.kv_pages_used();
}

// KV_STORE: taken when the store engine is idle (KvStoreEngine: the previous store's writes all
// answered), then the step's tokens, each with its entry's write pieces if it is this layer's own.
void SkipOpuTop::kv_store(Step& step, uint32_t l, uint32_t pc) {
  store_->accept();
  KvStoreWork& w = store_->work();
  w.clear();
  w.instr = pc;
  for (uint32_t i = 0; i < step.count; ++i) {
    const uint32_t t = step.first + i;
    if (kv_.stored(t, l)) {
      map_.kv_allocate(t, l);
      store_reqs_.clear();
      map_.kv_entry(t, l, true, store_reqs_);
      work_.kv_write += store_reqs_.bytes();
      w.pieces.insert(w.pieces.end(), store_reqs_.requests().begin(), store_reqs_.requests().end());
    }
    w.begin.push_back(static_cast<uint32_t>(w.pieces.size()));
  }
  store_->start();
}

// The gather engine's walk over the context (timing::kv_walk): when it requests each context
// entry read from HBM and when each history-buffer hit is read out, after the attention's
// start. A request goes with the first entry of its pieces (the requests in walk order:
// non-decreasing); a hit's entry is on chip with its last beat (the K halves' pass when split;
// the V halves' follow at the buffer's read rate, KvHistoryBuffer::read_done).
void SkipOpuTop::kv_request_times(bool split, uint64_t start, uint32_t context) {
  timing::KvWalkTiming wt;
  wt.request_cycles = cfg_.kv.request_cycles;
  wt.walk_cycles = cfg_.kv.walk_cycles_per_token;
  wt.hit_latency = cfg_.kv_buffer.hit_latency_cycles;
  wt.miss_latency = cfg_.kv_buffer.miss_latency_cycles;
  wt.read_bytes = kvbuf_->read_bytes_per_cycle();
  // the read-out's beat: the design's 256-bit data path (hbm.beat_bytes), or wider if the read
  // ports deliver more a cycle
  wt.beat_bytes = std::max<uint64_t>(cfg_.hbm.beat_bytes, wt.read_bytes);
  walk_at_.resize(walk_.size());
  timing::kv_walk(wt, walk_.data(), walk_.size(), walk_at_.data(), context, &walk_reads_, &walk_end_);
  store_->walk_reads(start, walk_reads_, wt.walk_cycles);  // the entry table is the walk's first
  for (size_t e = 0; e < walk_.size(); ++e)
    if (walk_[e].kind == timing::WalkKind::Hit) kv_layout_.on_chip[e] = start + walk_at_[e];
  kv_at_.assign(kv_job_.reqs.requests().size(), UINT64_MAX);
  for (const KvStreamLayout* lay : {&kv_layout_, split ? &kv_layout_v_ : nullptr}) {
    if (lay == nullptr) continue;
    for (size_t e = 0; e < lay->entries(); ++e)
      for (uint32_t p = lay->begin[e]; p < lay->begin[e + 1]; ++p)
        kv_at_[lay->pieces[p].req] = std::min(kv_at_[lay->pieces[p].req], walk_at_[e]);
  }
  for (size_t i = 1; i < kv_at_.size(); ++i) kv_at_[i] = std::max(kv_at_[i], kv_at_[i - 1]);
}

void SkipOpuTop::attention(Step& step, uint32_t l, uint32_t fused_latency) {
  const uint64_t entry = map_.kv_entry_bytes();
  // Unfused with K and V apart: the job reads every entry's K half, then every V half.
  const bool split = !cfg_.fusion && cfg_.unfused_attention == UnfusedAttention::KvSplit;
  kv_job_.reqs.clear();
  kv_layout_.clear();
  kv_layout_v_.clear();
  kv_src_.clear();
  walk_.clear();
  context_.clear();
  // The last query that attends: the step's last token that ran this layer's attention.
  uint32_t last_query = step.first;
  for (uint32_t i = 0; i < step.count; ++i)
    if (step.recs[i].attn_ran(l)) last_query = step.first + i;
  // Context entries, in token order; for decode the query's own entry is on chip.
  const uint32_t read_end = step.prefill ? last_query + 1 : step.first;
  uint64_t hits = 0, misses = 0, reads = 0, n = 0;
  size_t qi = 0;
  const uint64_t hit_part = split ? entry / 2 : entry;  // a hit's bytes in the walk's pass
  for (uint32_t c = 0; c < read_end; ++c) {
    const int32_t s = kv_.source(c, l);
    if (s >= 0) {
      ++n;
      if (s == static_cast<int32_t>(l)) {
        kv_src_.push_back({c, s});
        walk_.push_back({c, timing::WalkKind::Read, 0});
        ++reads;
      } else if (kvbuf_->resident(c, l)) {
        kvbuf_->count(true);
        kv_src_.push_back({c, -1});
        walk_.push_back({c, timing::WalkKind::Hit, hit_part});
        ++hits;
      } else {
        kvbuf_->count(false);
        kv_src_.push_back({c, s});
        // a reused entry not resident: looked up, then read (no lookup without a buffer)
        walk_.push_back({c, kvbuf_->capacity_entries() > 0 ? timing::WalkKind::Miss : timing::WalkKind::Read, 0});
        ++reads;
        ++misses;
      }
    }
    // Prefill queries: token c attends to the n entries up to and including itself.
    if (step.prefill && qi < active_.size() && active_[qi] == c) {
      context_.push_back(n);
      ++qi;
    }
  }
  // The attention starts once the history buffer's fetch for this layer is in.
  const uint64_t t0 = clk_.now();
  if (HbmJob* f = kvbuf_->pending(l)) hbm_->wait_for(*f);
  const uint64_t start = clk_.now();
  if (!step.prefill) totals_.kv_fetch_wait_cycles += start - t0;
  // The stream: whole entries in token order, or (split) K halves then V halves. Hits are
  // read out of the buffer in the same order (K halves first when split).
  const uint64_t half = entry / 2;
  uint64_t on_chip = 0;  // on-chip bytes read out so far
  kv_job_.reqs.record_pieces(&kv_layout_.pieces);
  for (const auto& [c, s] : kv_src_) {
    if (s >= 0) {
      if (split)
        map_.kv_part(c, static_cast<uint32_t>(s), 0, half, false, kv_job_.reqs);
      else
        map_.kv_entry(c, static_cast<uint32_t>(s), false, kv_job_.reqs);
      kv_layout_.end_entry();
    } else {
      on_chip += hit_part;
      kv_layout_.end_entry();  // on chip with its last beat (kv_request_times)
    }
  }
  if (split) {
    kv_job_.reqs.record_pieces(&kv_layout_v_.pieces);
    for (const auto& [c, s] : kv_src_) {
      if (s >= 0) {
        map_.kv_part(c, static_cast<uint32_t>(s), half, entry - half, false, kv_job_.reqs);
        kv_layout_v_.end_entry();
      } else {
        on_chip += entry - half;
        kv_layout_v_.end_entry(kvbuf_->read_done(start, on_chip));
      }
    }
  }
  if (!step.prefill) context_.push_back(n + 1);  // plus the query's own, freshly computed entry
  work_.kv_read += (reads + hits) * entry;
  work_.kv_hit += hits * entry;
  work_.hit_entries += hits;
  work_.miss_entries += misses;
  AttentionWork w;
  w.shape.heads = model_.heads;
  w.shape.head_dim = model_.head_dim;
  w.shape.context = context_.data();
  w.shape.queries = context_.size();
  w.fused_latency = fused_latency;
  w.kv = &kv_layout_;
  w.v = split ? &kv_layout_v_ : nullptr;
  kv_job_.reqs.record_pieces(nullptr);
  // the walk reads the entry table for every token of its context: the prompt (prefill: up to
  // its last token, whether or not that one attends), the tokens before the query (decode)
  kv_request_times(split, start, step.prefill ? step.first + step.count : step.first);
  w.kv_at = kv_at_.data();
  // a prefill's step engine waits for the walk's end: its queries are the walk's own entries
  w.steps_from = step.prefill ? walk_end_ : 0;
  pe_port_->attention(w, kv_job_, cfg_.fusion);
  if (!step.prefill) {
    totals_.kv_attn_cycles += clk_.now() - t0;
    totals_.kv_attn_hbm_bytes += kv_job_.reqs.bytes();
    if (kv_job_.reqs.bytes() != 0) {
      totals_.kv_balance_sum += kv_job_.reqs.channel_max_over_mean(pc_bytes_);
      ++totals_.kv_balance_count;
    }
  }
}

IssueOperands instr_operands(const Instr& in, uint32_t layers, bool dense, uint64_t all, uint64_t m_path,
                             uint64_t m_attn) {
  const bool head = in.layer >= layers;
  const uint64_t m = head ? 1 : m_path;
  IssueOperands o;
  switch (in.op) {
    case Op::NormReduce: o.tokens = head ? 1 : all; break;
    case Op::NormApply: case Op::Rope: case Op::Swiglu: case Op::Residual: case Op::Gemm: o.tokens = m; break;
    case Op::Argmax: o.tokens = 1; break;
    case Op::KvPrefetch: o.tokens = m_attn; break;
    default: o.tokens = all; break;
  }
  // Dense policy: K/V projections run for every token of the step.
  o.tokens_kv = head ? 1 : (dense ? all : m);
  return o;
}

void SkipOpuTop::account(Module next) {
  const uint64_t now = clk_.now();
  if (part_ != Module::None) totals_.module_cycles[cur_->prefill ? 0 : 1][static_cast<int>(part_)] += now - part_from_;
  part_from_ = now;
  part_ = next;
}

void SkipOpuTop::run_step(Step& step) {
  const auto& code = program_.code;
  const uint64_t all = step.count;
  const bool dense = cfg_.kv.policy == KvPolicy::Dense;
  if (rec_) begin_step(step);
  cur_ = &step;
  part_from_ = clk_.now();
  part_ = Module::None;
  if (seq_) {
    seq_->run_step(StepDesc{step.prefill, step.first, step.count, step.recs}, *this);
  } else {
    // The SystemC controller's sequencing (the RTL's: src/rtl/generator_ctrl.cpp).
    // Instruction issue (controller.issue_cycles = ic > 0): one instruction at a time, the next
    // taken no earlier than ic cycles after the previous take; a blocking instruction is taken at
    // its issue (its successor then issues at max(its end, issue + ic)), a LOADW / KV_STORE /
    // KV_PREFETCH when its engine accepts it, BRANCH / JUMP at once. The RTL's countdown gate
    // is the same rule (src/rtl/generator_ctrl.cpp).
    const uint32_t ic = cfg_.controller.issue_cycles;
    size_t pc = 0;
    while (pc < code.size()) {
      const Instr& in = code[pc];
      if (ic != 0 && next_issue_ > clk_.now()) clk_.wait_until(next_issue_);
      const uint64_t t_issue = clk_.now();
      issue(static_cast<uint32_t>(pc), instr_operands(in, model_.layers, dense, all, step.m_path, step.m_attn));
      if (ic != 0) next_issue_ = (blocking(in.op) ? t_issue : clk_.now()) + ic;
      if (in.op == Op::Route && in.module == Module::Attn) step.m_attn = active_.size();
      if (in.op == Op::Branch) {
        if (active_.empty()) {
          step.m_path = all;  // the skip path (dense K/V projection) serves every token
          pc = in.target;
          continue;
        }
        step.m_path = active_.size();
      } else if (in.op == Op::Jump) {
        pc = in.target;
        continue;
      }
      ++pc;
    }
  }
  account(Module::None);
  if (rec_) end_step();
}

void SkipOpuTop::note_issue(uint32_t pc) {
  Step& step = *cur_;
  const Instr& in = program_.code[pc];
  if (in.part != part_) account(in.part);
  if (rec_) {
    if (ropt_.series) enter_segment(step, seg_of_pc_[pc]);
    if (tl_step_) {
      const uint64_t now = clk_.now();
      if (!rec_->instrs.empty() && rec_->instrs.back().end == UINT64_MAX) rec_->instrs.back().end = now;
      rec_->instrs.push_back({pc, step.first, now, UINT64_MAX});
      hbm_->set_tag(pc, step.first);
    }
  }
}

// EMBED's requests whose data the HBM block has collected go to the activation buffer's intake
// in each port's order; the intake then runs up to the cycles whose beats are all known: before
// `now` (a request submitted from now on has its data later), and before the submission cycle of
// each port's oldest request whose data is not known yet.
void SkipOpuTop::embed_drain(uint64_t now) {
  for (const CompletedRequest& c : embed_job_.completed)
    for (auto& q : embed_pending_)
      for (EmbedPending& e : q)
        if (e.index == c.index) {
          e.first = c.first;
          e.done = c.done;
          e.known = true;
        }
  embed_job_.completed.clear();
  uint64_t horizon = now;
  for (uint32_t p = 0; p < embed_pending_.size(); ++p) {
    auto& q = embed_pending_[p];
    while (!q.empty() && q.front().known) {
      embed_intake_.add(p, q.front().beats, q.front().first, q.front().done);
      q.pop_front();
    }
    if (!q.empty()) horizon = std::min(horizon, q.front().submitted);
  }
  embed_intake_.advance(horizon);
}

void SkipOpuTop::issue(uint32_t pc, const IssueOperands& ops) {
  Step& step = *cur_;
  const Instr& in = program_.code[pc];
  note_issue(pc);
  switch (in.op) {
    case Op::Embed: {
      // One request per row piece, in the lookup's order, at most one a core cycle: the
      // generated processor takes one request a cycle from the host's er_* stream from the issue
      // cycle (docs/rtl.md step 19), the first embedding.request_cycles after the issue, and
      // holds one request a port until the port's read master takes it (eNN_pend; er_ready needs
      // the request's port free), so the stream stops behind a port that holds one: request k
      // goes at max(request k-1's cycle + 1, its port's last request's first burst address + 1),
      // the HBM block saying when the port's master takes each (HbmIf::command_start; step 22).
      // Made on demand, never held whole (a long prompt's lookup).
      embed_lookup_.set_tokens(step.first, step.count);
      const uint64_t issued = clk_.now();
      uint64_t t = clk_.now() + cfg_.embedding.request_cycles;  // the lookup's request path
      clk_.wait_until(t);
      std::fill(embed_port_free_.begin(), embed_port_free_.end(), t);
      hbm::Request r, next;
      embed_intake_.start(cfg_.hbm.ports, issued, cfg_.embedding.intake_beats_per_cycle);
      bool have = embed_lookup_.next(r);
      if (!have) hbm_->submit(embed_job_);  // an empty job completes now
      for (uint32_t k = 0; have; ++k, r = next, ++t) {
        t = std::max(t, embed_port_free_[r.port]);
        clk_.wait_until(t);
        embed_drain(t);
        have = embed_lookup_.next(next);
        work_.embedding += r.bytes;
        embed_port_free_[r.port] = hbm_->command_start(r.port, false, t) + 1;
        embed_pending_[r.port].push_back(
            EmbedPending{k, static_cast<uint32_t>(timing::ceil_div(r.bytes, cfg_.hbm.beat_bytes)), t, 0, 0, false});
        hbm_->submit_next(embed_job_, r, k == 0, have);
      }
      hbm_->wait_for(embed_job_);
      // The rows' beats into the activation buffer, one port a cycle (e_sel, docs/rtl.md step
      // 24): EMBED is done with its last beat taken (embed_done), from each request's data
      // cycles as the HBM block collects them.
      embed_drain(UINT64_MAX);
      sc_assert(embed_intake_.idle());
      clk_.wait_until(std::max(clk_.now(), embed_intake_.end()));
      embed_cycles_ += clk_.now() - issued;
      break;
    }
    case Op::NormReduce:
      nl_port_->run(cfg_.nl.rmsnorm_reduce, in.elems * ops.tokens);
      break;
    case Op::Route: {
      router_port_->route(in.layer, static_cast<uint32_t>(in.module), ops.tokens, in.elems);
      active_.clear();
      for (uint32_t i = 0; i < step.count; ++i) {
        const bool ran = in.module == Module::Attn ? step.recs[i].attn_ran(in.layer) : step.recs[i].mlp_ran(in.layer);
        if (ran) active_.push_back(step.first + i);
      }
      if (!cfg_.router.weights_on_chip) work_.router += sizes::router_weight_bytes(in.elems, cfg_.router.weight_bits);
      break;
    }
    case Op::Branch:
    case Op::Jump:
      break;  // the sequencer's
    case Op::NormApply:
      nl_port_->run(cfg_.nl.rmsnorm_apply, in.elems * ops.tokens);
      break;
    case Op::Rope:
      nl_port_->run(cfg_.nl.rope, in.elems * ops.tokens);
      break;
    case Op::Swiglu:
      nl_port_->run(cfg_.nl.swiglu, in.elems * ops.tokens);
      break;
    case Op::Residual:
      nl_port_->run(cfg_.nl.residual, in.elems * ops.tokens);
      break;
    case Op::Argmax:
      nl_port_->run(cfg_.nl.argmax, in.elems * ops.tokens);
      break;
    case Op::LoadW:
      dma_->load(in.m0, in.m1, pc);
      for (uint32_t i = in.m0; i <= in.m1; ++i) work_.weights += program_.matrices[i].bytes;
      break;
    case Op::Gemm: {
      parts_.clear();
      for (uint32_t i = in.m0; i <= in.m1; ++i) {
        const Matrix& mat = program_.matrices[i];
        GemmPart p;
        p.k = mat.k;
        p.n = mat.n;
        p.tokens = mat.kv_proj ? ops.tokens_kv : ops.tokens;
        parts_.push_back(p);
      }
      pe_port_->gemm(parts_.data(), parts_.size(), in.fused_latency);
      break;
    }
    case Op::KvStore:
      kv_store(step, in.layer, pc);
      break;
    case Op::KvPrefetch:
      // Context for the buffer: tokens before the step (decode), the prompt (prefill).
      kvbuf_->prefetch(in.layer, step.prefill ? step.first + step.count : step.first, ops.tokens > 0, step.first);
      break;
    case Op::Attention:
      attention(step, in.layer, in.fused_latency);
      break;
  }
}

void SkipOpuTop::begin_step(const Step& step) {
  const uint64_t a = ropt_.timeline_first, b = ropt_.timeline_end;
  tl_step_ = ropt_.timeline && step.first < b && step.first + step.count > a;
  hbm_->set_recording(tl_step_);
}

void SkipOpuTop::enter_segment(const Step& step, uint32_t segment) {
  if (seg_open_ && row_.segment == segment) return;
  if (seg_open_) close_segment();
  row_ = SeriesRow();
  row_.prefill = step.prefill;
  row_.step = step_index_;
  row_.token = step.first;
  row_.tokens = step.count;
  row_.segment = segment;
  row_.start = clk_.now();
  row_work_ = work_;
  row_hbm_ = hbm_bytes_total();
  seg_open_ = true;
}

void SkipOpuTop::close_segment() {
  const uint64_t hbm = hbm_bytes_total();
  row_.cycles = clk_.now() - row_.start;
  row_.work.weights = work_.weights - row_work_.weights;
  row_.work.embedding = work_.embedding - row_work_.embedding;
  row_.work.router = work_.router - row_work_.router;
  row_.work.kv_read = work_.kv_read - row_work_.kv_read;
  row_.work.kv_hit = work_.kv_hit - row_work_.kv_hit;
  row_.work.kv_write = work_.kv_write - row_work_.kv_write;
  row_.work.hit_entries = work_.hit_entries - row_work_.hit_entries;
  row_.work.miss_entries = work_.miss_entries - row_work_.miss_entries;
  row_.hbm_bytes = hbm - row_hbm_;
  row_hbm_ = hbm;
  rec_->rows.push_back(row_);
  seg_open_ = false;
}

void SkipOpuTop::end_step() {
  if (ropt_.series && seg_open_) close_segment();
  if (tl_step_ && !rec_->instrs.empty() && rec_->instrs.back().end == UINT64_MAX)
    rec_->instrs.back().end = clk_.now();
  hbm_->set_recording(false);
  tl_step_ = false;
  ++step_index_;
}

std::vector<std::pair<std::string, std::string>> SkipOpuTop::implementations() const {
  std::vector<std::pair<std::string, std::string>> v = {{"pe_array", pe_port_->implementation()},
                                                         {"nonlinear", nl_port_->implementation()},
                                                         {"router", router_port_->implementation()}};
  // Listed only when it is not the SystemC top's own (reports of the default stay as they were).
  if (seq_) v.emplace_back(seq_->block(), seq_->implementation());
  return v;
}

void SkipOpuTop::report(StatGroup& root) const {
  const uint64_t total = totals_.end_cycle;
  pe_port_->report(root.group("pe_array", "float-fixed hybrid PE array"), total);
  router_port_->report(root.group("router", "per-module routers"), total);
  nl_port_->report(root.group("nonlinear", "nonlinear unit (unfused passes)"), total);
  kvbuf_->report(root.group("kv_history", "KV history buffer (reuse policy)"));
  store_->report(root.group("kv_store", "KV_STORE engine: the step's K/V entries written to HBM"));
  root.group("embedding", "EMBED: the prompt's embedding rows read from HBM")
      .add("busy_cycles", embed_cycles_, "cycle", "EMBEDs from issue to their last row's data (em_run)");
  hbm_->report(root.group("hbm", "HBM: bytes by class and the memory model's own stats"), total);
  if (seq_) seq_->report(root);
}

}  // namespace skipopu

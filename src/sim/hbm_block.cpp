#include "skipopu/hbm_block.hpp"

#include <algorithm>

namespace skipopu {

const char* to_string(Traffic t) {
  switch (t) {
    case Traffic::Weights: return "weights";
    case Traffic::Embedding: return "embedding";
    case Traffic::KvRead: return "kv_read";
    case Traffic::KvWrite: return "kv_write";
    case Traffic::KvPrefetch: return "kv_prefetch";
    case Traffic::RouterWeights: return "router_weights";
    default: return "?";
  }
}

ClockCrossing core_axi_crossing(const HardwareConfig& c) {
  ClockCrossing x;
  x.core_hz = c.clocks.core_hz;
  x.axi_hz = static_cast<uint64_t>(c.hbm.axi_mhz * 1e6 + 0.5);
  x.sync = c.clocks.cdc_sync_cycles;
  return x;
}

HbmBlock::HbmBlock(sc_core::sc_module_name name, std::unique_ptr<hbm::Model> model, const CoreClock& clk,
                   ClockCrossing xing)
    : sc_module(name), model_(std::move(model)), clk_(clk), xing_(xing), slots_(1024) {
  SC_HAS_PROCESS(HbmBlock);
  SC_THREAD(run);
}

void HbmBlock::start(HbmJob& job) {
  sc_assert(!job.busy());
  const uint64_t now = clk_.now();
  job.submitted_at = now;
  job.first_id = next_id_;
  job.first = now;
  job.done = now;
  stream_arrival_ = xing_.to_axi(now);
  stream_index_ = 0;
}

void HbmBlock::submit_one(HbmJob& job, hbm::Request& r) {
  const uint64_t id = next_id_++;
  while (slots_[id & (slots_.size() - 1)].job != nullptr) grow();
  int64_t rec = -1;
  if (recording_) {  // timeline: one slice per job and pseudo-channel
    rec = pc_slice_[r.pc];
    if (rec < 0) {
      HbmSlice s;
      s.channel = r.pc;
      s.instr = job.instr != HbmJob::kNoInstr ? job.instr : tag_instr_;
      s.token = tag_token_;
      s.traffic = static_cast<uint8_t>(job.traffic);
      s.start = s.end = clk_.now();  // this part's submit cycle (submit_part: a job over several cycles)
      rec = pc_slice_[r.pc] = static_cast<int64_t>(rec_->size());
      rec_->push_back(s);
    }
    (*rec_)[rec].bytes += r.bytes;
  }
  slots_[id & (slots_.size() - 1)] = Slot{id, &job, stream_index_++, rec};
  r.id = id;
  r.arrival = stream_arrival_;
  model_->submit(r);
  ++job.outstanding;
  ++requests_;
}

void HbmBlock::finish(HbmJob& job, uint64_t bytes) {
  bytes_[static_cast<size_t>(job.traffic)] += bytes;
  if (recording_) std::fill(pc_slice_.begin(), pc_slice_.end(), -1);
  if (job.outstanding) submitted_.notify(sc_core::SC_ZERO_TIME);
}

void HbmBlock::submit(HbmJob& job) {
  const size_t n = job.reqs.requests().size();
  if (n > 0) return submit_part(job, 0, n);  // the whole job as its one part
  start(job);                                // an empty job completes now
  if (job.track_requests) job.arrivals.clear();
  finish(job, 0);
}

void HbmBlock::submit_part(HbmJob& job, size_t begin, size_t end) {
  auto& reqs = job.reqs.requests();
  sc_assert(begin < end && end <= reqs.size());
  if (begin == 0) {
    start(job);
    job.staged = static_cast<uint32_t>(reqs.size());
    if (job.track_requests) job.arrivals.assign(reqs.size(), RequestArrival{job.submitted_at, job.submitted_at});
  } else {
    sc_assert(job.staged == reqs.size() - begin);
    stream_arrival_ = xing_.to_axi(clk_.now());
  }
  stream_index_ = static_cast<uint32_t>(begin);
  uint64_t bytes = 0;
  for (size_t i = begin; i < end; ++i) {
    bytes += reqs[i].bytes;
    submit_one(job, reqs[i]);
  }
  job.staged -= static_cast<uint32_t>(end - begin);
  finish(job, bytes);
}

void HbmBlock::submit_stream(HbmJob& job, hbm::RequestSource& src) {
  sc_assert(!job.track_requests);
  start(job);
  job.stream.reset(src, next_id_, stream_arrival_);
  const uint64_t n = job.stream.size();
  if (recording_) {  // a timeline slice per request's channel: one by one, each with a slot
    hbm::Request r;
    uint64_t k;
    while (job.stream.next_in_order(r, k)) submit_one(job, r);
  } else if (n) {  // consecutive ids of one job: no slot
    ranges_.push_back(Range{next_id_, next_id_ + n, &job});
    next_id_ += n;
    stream_index_ += static_cast<uint32_t>(n);
    job.outstanding += static_cast<uint32_t>(n);
    requests_ += n;
    model_->submit_stream(job.stream);
  }
  finish(job, job.stream.bytes());
}

void HbmBlock::submit_next(HbmJob& job, hbm::Request r, bool first, bool more) {
  sc_assert(!job.track_requests && (first || job.staged == 1));
  if (first) start(job);
  else stream_arrival_ = xing_.to_axi(clk_.now());
  if (job.log_completions) {  // request k of the job (another job's submit may come between)
    if (first) {
      job.completed.clear();
      job.submitted_requests = 0;
    }
    stream_index_ = job.submitted_requests++;
  }
  submit_one(job, r);
  job.staged = more ? 1 : 0;
  finish(job, r.bytes);
}

uint64_t HbmBlock::command_start(uint32_t port, bool write, uint64_t now) {
  const uint64_t arrival = xing_.to_axi(now);
  const uint64_t a = model_->command_start(port, write, arrival);
  return a <= arrival ? now : std::max(now, xing_.first_core_at(a));
}

void HbmBlock::record_into(std::vector<HbmSlice>* out, uint32_t pcs) {
  rec_ = out;
  pc_slice_.assign(pcs, -1);
}

void HbmBlock::grow() {
  std::vector<Slot> bigger(slots_.size() * 2);
  for (const auto& s : slots_)
    if (s.job) bigger[s.id & (bigger.size() - 1)] = s;
  slots_.swap(bigger);
}

void HbmBlock::wait_for(HbmJob& job) {
  while (job.busy()) sc_core::wait(job.finished);
}

void HbmBlock::run() {
  while (true) {
    const hbm::Cycle next = model_->next_event();
    if (next == hbm::kNever) {
      sc_core::wait(submitted_);
    } else {
      const uint64_t at = xing_.to_core(next);
      const uint64_t now = clk_.now();
      if (at > now) sc_core::wait(clk_.cycles(at - now), submitted_);
    }
    collect(xing_.visible_axi(clk_.now()));
  }
}

bool HbmBlock::data_known(HbmJob& job, uint64_t& first, uint64_t& done) {
  if (job.busy()) collect(xing_.visible_axi(clk_.now()));
  if (!job.busy()) {
    first = job.first;
    done = job.done;
    return true;
  }
  sc_assert(job.outstanding == 1 && !job.track_requests);
  hbm::Completion c;
  if (!model_->known(job.first_id, c)) return false;
  // As collect() will fold the completion into the job (from the submit cycle on).
  first = std::max(job.first, xing_.to_core(c.first_data));
  done = std::max(job.done, xing_.to_core(c.done));
  return true;
}

void HbmBlock::collect(uint64_t until) {
  hbm::Completion c;
  while (model_->pop_completion(until, c)) {
    auto& slot = slots_[c.id & (slots_.size() - 1)];
    HbmJob* jp = nullptr;
    int64_t rec = -1;
    uint32_t index = 0;
    if (slot.id == c.id && slot.job != nullptr) {
      jp = slot.job;
      rec = slot.rec;
      index = slot.index;
      slot.job = nullptr;
    } else {  // a streamed job's range (never tracks requests)
      for (const Range& g : ranges_)
        if (c.id >= g.first && c.id < g.end) jp = g.job;
      sc_assert(jp != nullptr);
    }
    HbmJob& job = *jp;
    const uint64_t first = xing_.to_core(c.first_data);
    const uint64_t done = xing_.to_core(c.done);
    if (job.track_requests) job.arrivals[index] = RequestArrival{first, done};
    if (job.log_completions) job.completed.push_back(CompletedRequest{index, first, done});
    if (rec >= 0 && done > (*rec_)[rec].end) (*rec_)[rec].end = done;
    if (first > job.first) job.first = first;
    if (done > job.done) job.done = done;
    if (--job.outstanding == 0) {
      job.finished.notify(sc_core::SC_ZERO_TIME);
      for (size_t i = 0; i < ranges_.size(); ++i)
        if (ranges_[i].job == &job) {
          ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        }
    }
  }
}

void HbmBlock::report(StatGroup& g, uint64_t end_core_cycle) const {
  for (size_t t = 0; t < bytes_.size(); ++t)
    g.add(std::string("bytes_") + to_string(static_cast<Traffic>(t)), bytes_[t], "byte",
          std::string("bytes moved for ") + to_string(static_cast<Traffic>(t)));
  model_->report(g, xing_.to_axi(end_core_cycle));
  // Per-pseudo-channel groups are detail: in the JSON, printed with --verbose.
  for (auto& sub : g.mutable_groups())
    if (sub.name().size() > 2 && sub.name().compare(0, 2, "pc") == 0) sub.set_detail(true);
}

}  // namespace skipopu

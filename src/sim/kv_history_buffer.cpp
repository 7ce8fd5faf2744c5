#include "skipopu/kv_history_buffer.hpp"

namespace skipopu {

KvHistoryBuffer::KvHistoryBuffer(sc_core::sc_module_name name, const HardwareConfig& cfg, const MemoryMap& map,
                                 const KvState& kv, HbmIf& hbm_if, uint32_t max_tokens)
    : sc_module(name),
      hbm("hbm"),
      kv_(kv),
      map_(map),
      enabled_(cfg.kv.policy == KvPolicy::Reuse),
      prefetch_on_(cfg.kv_buffer.prefetch),
      capture_(cfg.kv_buffer.capture),
      capacity_(cfg.kv_buffer_bytes() / map.kv_entry_bytes()),
      read_bytes_(kv_buffer_read_bytes(cfg)),
      cur_(max_tokens, -1),
      next_(max_tokens, -1) {
  hbm.bind(hbm_if);
  for (auto& f : fetch_) {
    f.init(map.pcs(), Traffic::KvPrefetch);
    f.reqs.set_max_request(cfg.kv.gather_bytes);  // the same gather engine as the K/V stream
  }
}

void KvHistoryBuffer::prefetch(uint32_t l, uint32_t context, bool stream_prev, uint32_t step_first) {
  if (!enabled_) return;
  // The set planned for the previous layer becomes the current one.
  if (has_next_) {
    std::swap(cur_, next_);
    cur_layer_ = next_layer_;
  }
  uint64_t live_cur = 0;
  for (uint32_t t = 0; t < context; ++t) live_cur += cur_[t] >= 0;
  HbmJob& fetch = fetch_[l & 1];
  hbm->wait_for(fetch);  // the fetch for layer l-2 (long done) frees this job
  fetch.reqs.clear();
  fetch_layer_[l & 1] = l;
  uint64_t used = live_cur;
  for (uint32_t t = 0; t < context; ++t) {
    next_[t] = -1;
    const int32_t s = kv_.source(t, l);
    if (s < 0 || s == static_cast<int32_t>(l)) continue;  // no entry, or a regular one
    if (cur_[t] == s) {  // already resident: shared between both layers' sets
      next_[t] = static_cast<int16_t>(s);
      ++kept_;
      continue;
    }
    if (used >= capacity_) { ++overflow_; continue; }
    const bool prev = s == static_cast<int32_t>(l) - 1;
    if (prev && (t >= step_first || (capture_ && stream_prev))) {
      ++captured_;
    } else if (prefetch_on_) {
      map_.kv_entry(t, static_cast<uint32_t>(s), false, fetch.reqs);
      ++fetched_;
    } else {
      ++overflow_;
      continue;
    }
    next_[t] = static_cast<int16_t>(s);
    ++used;
  }
  if (used > peak_) peak_ = used;
  next_layer_ = l;
  has_next_ = true;
  if (fetch.reqs.bytes() != 0) {
    fetch_balance_sum_ += fetch.reqs.channel_max_over_mean(pc_bytes_);
    ++fetch_jobs_;
  }
  hbm->submit(fetch);
}

HbmJob* KvHistoryBuffer::pending(uint32_t layer) {
  if (!enabled_ || !has_next_) return nullptr;
  HbmJob& f = fetch_[layer & 1];
  return fetch_layer_[layer & 1] == layer ? &f : nullptr;
}

void KvHistoryBuffer::drain() {
  for (auto& f : fetch_) hbm->wait_for(f);
}

bool KvHistoryBuffer::resident(uint32_t t, uint32_t layer) const {
  if (!enabled_ || !has_next_) return false;
  if (layer == next_layer_) return next_[t] >= 0;
  if (layer == cur_layer_) return cur_[t] >= 0;
  return false;
}

void KvHistoryBuffer::report(StatGroup& g) const {
  g.add("capacity_entries", capacity_, "count", "K/V entries the buffer's URAMs hold");
  g.add("hits", hits_, "count", "reused entries served on chip");
  g.add("misses", misses_, "count", "reused entries read from HBM by the attention (not resident)");
  g.add("kept", kept_, "count", "entries kept resident from one layer to the next");
  g.add("captured", captured_, "count", "entries captured from the previous layer's K/V stream");
  g.add("fetched", fetched_, "count", "entries prefetched from HBM in the background");
  g.add("overflow", overflow_, "count", "reused entries that did not fit (become misses)");
  g.add("peak_entries", peak_, "count", "most entries live at once (two layers' sets)");
  g.add_real("fetch_channel_max_over_mean", fetch_jobs_ ? fetch_balance_sum_ / double(fetch_jobs_) : 0.0, "ratio",
             "per-channel balance of the background fetches: most loaded pseudo-channel's bytes over the mean, "
             "averaged over the fetches that read HBM");
  g.add("read_bytes_per_cycle", read_bytes_, "byte", "K/V bytes the URAM read ports deliver to the PE array a cycle");
}

}  // namespace skipopu

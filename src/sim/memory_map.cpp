#include "skipopu/memory_map.hpp"

#include "skipopu/error.hpp"
#include "skipopu/sizes.hpp"
#include "skipopu/timing.hpp"

#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace skipopu {

using timing::ceil_div;

void RequestList::clear() {
  reqs_.clear();
  head_ = 0;
  for (auto& l : last_) l = -1;
  bytes_ = 0;
}

bool RequestList::take(hbm::Request& r, bool all) {
  if (head_ == reqs_.size() || (!all && last_[reqs_[head_].pc] == static_cast<int64_t>(head_))) return false;
  r = reqs_[head_++];
  if (head_ == reqs_.size()) {  // only with `all` (a pseudo-channel's newest is never taken before)
    reqs_.clear();
    for (auto& l : last_) l = -1;
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= reqs_.size()) {  // drop the taken prefix
    reqs_.erase(reqs_.begin(), reqs_.begin() + static_cast<std::ptrdiff_t>(head_));
    for (auto& l : last_)
      if (l >= 0) l -= static_cast<int64_t>(head_);
    head_ = 0;
  }
  return true;
}

EmbeddingLookup::EmbeddingLookup(const MemoryMap& map, uint32_t vocab) : map_(map), vocab_(vocab), list_(map.pcs()) {}

bool EmbeddingLookup::next(hbm::Request& r) {
  while (!list_.take(r, next_ == count_)) {
    if (next_ == count_) return false;
    const uint32_t t = first_ + next_++;
    map_.embedding_row(static_cast<uint32_t>((uint64_t(t) * 2654435761u) % vocab_), list_);
  }
  return true;
}

double RequestList::channel_max_over_mean(std::vector<uint64_t>& scratch) const {
  if (bytes_ == 0 || last_.empty()) return 0.0;
  scratch.assign(last_.size(), 0);
  for (const auto& r : reqs_) scratch[r.pc] += r.bytes;
  uint64_t most = 0;
  for (uint64_t b : scratch) most = b > most ? b : most;
  return double(most) * double(last_.size()) / double(bytes_);
}

void RequestList::add(uint32_t pc, uint64_t addr, uint64_t bytes, bool write) {
  if (max_request_ == 0) return add_one(pc, addr, bytes, write);
  while (bytes > 0) {
    const uint64_t take = std::min<uint64_t>(bytes, max_request_ - addr % max_request_);
    add_one(pc, addr, take, write);
    addr += take;
    bytes -= take;
  }
}

void RequestList::add_one(uint32_t pc, uint64_t addr, uint64_t bytes, bool write) {
  if (bytes == 0) return;
  bytes_ += bytes;
  const int64_t li = last_[pc];
  if (li >= 0) {
    hbm::Request& r = reqs_[static_cast<size_t>(li)];
    if (r.write == write && r.addr + r.bytes == addr &&
        (max_request_ == 0 || r.addr / max_request_ == (addr + bytes - 1) / max_request_)) {
      r.bytes += bytes;
      if (pieces_) pieces_->push_back(RequestPiece{static_cast<uint32_t>(li), r.bytes});
      return;
    }
  }
  hbm::Request r;
  r.pc = pc;
  r.port = pc;  // one AXI port per PC, the port's own channel (no switch crossing)
  r.addr = addr;
  r.bytes = bytes;
  r.write = write;
  last_[pc] = static_cast<int64_t>(reqs_.size());
  if (pieces_) pieces_->push_back(RequestPiece{static_cast<uint32_t>(reqs_.size()), bytes});
  reqs_.push_back(r);
}

MemoryMap::MemoryMap(const ModelCard& m, const HardwareConfig& c, const Program& p, uint32_t context_tokens)
    : pcs_(c.hbm.pseudo_channels),
      beat_(c.hbm.beat_bytes),
      mapping_(c.kv.mapping),
      interleave_(c.kv.interleave_bytes),
      order_(c.kv.order),
      kv_split_(c.kv.kv_split),
      layers_(m.layers),
      max_tokens_(context_tokens),
      reserve_(c.kv.reserve),
      pc_bytes_(c.hbm.pc_bytes),
      page_entries_(c.kv.page_entries),
      model_name_(m.name),
      config_file_(c.file) {
  entry_bytes_ = sizes::kv_entry_bytes(m, c.kv.element_bits);
  if (c.kv.heads_per_access == 0 || m.kv_heads % c.kv.heads_per_access != 0)
    throw_input_error(config_file_, "/kv/heads_per_access",
                      "expected a divisor of model " + m.name + "'s kv_heads (" + std::to_string(m.kv_heads) +
                          "), got " + std::to_string(c.kv.heads_per_access));
  groups_ = m.kv_heads / c.kv.heads_per_access;
  piece_bytes_ = entry_bytes_ / 2 / groups_;
  emb_row_bytes_ = sizes::embedding_row_bytes(m, c.weights.embedding_bits);
  uint64_t at = 0;
  for (const auto& mat : p.matrices) {
    const uint64_t per_pc = ceil_div(ceil_div(mat.bytes, pcs_), beat_) * beat_;
    slice_base_.push_back(at);
    slice_bytes_.push_back(per_pc);
    at += per_pc;
  }
  emb_base_ = at;
  const uint64_t emb_total = uint64_t(m.vocab) * emb_row_bytes_;
  at += ceil_div(ceil_div(emb_total, pcs_), interleave_) * interleave_;
  router_base_ = at;
  router_bytes_ = sizes::router_weight_bytes(m.d_model, c.router.weight_bits);
  at += ceil_div(ceil_div(router_bytes_ * 2 * layers_, pcs_), interleave_) * interleave_;
  kv_base_ = at;
  slots_per_layer_ = ceil_div(max_tokens_, pcs_);
  kv_bytes_per_pc_ = slots_per_layer_ * layers_ * entry_bytes_;
  if (reserve_ == KvReserve::Paged) {
    pools_ = mapping_ == KvMapping::Token ? pcs_ : 1;
    const uint64_t free_per_pc = pc_bytes_ > kv_base_ ? pc_bytes_ - kv_base_ : 0;
    pool_bytes_ = mapping_ == KvMapping::Token ? free_per_pc : free_per_pc / interleave_ * interleave_ * pcs_;
    index_.assign(uint64_t(layers_) * max_tokens_, UINT32_MAX);
    count_.assign(uint64_t(layers_) * pools_, 0);
    pages_.assign(uint64_t(layers_) * pools_, {});
    pool_next_.assign(pools_, 0);
    // The dense policy stores every entry: whether it fits is known now (the other policies
    // are told when a page cannot be taken).
    if (c.kv.policy == KvPolicy::Dense) {
      const uint64_t page_bytes = uint64_t(page_entries_) * entry_bytes_;
      const uint64_t per_pool = pools_ == 1 ? max_tokens_ : ceil_div(max_tokens_, pcs_);
      const uint64_t need = uint64_t(layers_) * ceil_div(per_pool, page_entries_) * page_bytes;
      if (need > pool_bytes_)
        throw_input_error(config_file_, "/kv/reserve",
                          "workload does not fit: model " + model_name_ + " with the dense policy needs " +
                              std::to_string(need) + " bytes of K/V pages per pool for " + std::to_string(max_tokens_) +
                              " tokens but " + std::to_string(pool_bytes_) + " are left after " +
                              std::to_string(kv_base_) +
                              " bytes per pseudo-channel of weights, embedding and router weights");
    }
  }
}

uint64_t MemoryMap::kv_bytes_per_pc() const {
  if (reserve_ == KvReserve::Dense) return kv_bytes_per_pc_;
  return mapping_ == KvMapping::Token ? max_pool_used_ : ceil_div(max_pool_used_, uint64_t(pcs_) * interleave_) * interleave_;
}

void MemoryMap::kv_allocate(uint32_t t, uint32_t l) {
  if (reserve_ == KvReserve::Dense) return;
  uint32_t& idx = index_[uint64_t(l) * max_tokens_ + t];
  if (idx != UINT32_MAX) return;
  const uint32_t pool = mapping_ == KvMapping::Token ? t % pcs_ : 0;
  const uint64_t lp = uint64_t(l) * pools_ + pool;
  idx = count_[lp]++;
  auto& pages = pages_[lp];
  if (idx / page_entries_ < pages.size()) return;
  const uint64_t page_bytes = uint64_t(page_entries_) * entry_bytes_;
  if (pool_next_[pool] + page_bytes > pool_bytes_)
    throw_input_error(config_file_, "/kv/reserve",
                      "workload does not fit: model " + model_name_ + " at token " + std::to_string(t) + ", layer " +
                          std::to_string(l) + " needs another K/V page of " + std::to_string(page_bytes) +
                          " bytes but " + (mapping_ == KvMapping::Token ? "pseudo-channel " + std::to_string(pool) : std::string("the striped K/V pool")) +
                          " has " + std::to_string(pool_bytes_ - pool_next_[pool]) + " of " +
                          std::to_string(pool_bytes_) + " bytes left after " + std::to_string(kv_base_) +
                          " bytes per pseudo-channel of weights, embedding and router weights");
  pages.push_back(pool_next_[pool]);
  pool_next_[pool] += page_bytes;
  ++pages_used_;
  if (pool_next_[pool] > max_pool_used_) max_pool_used_ = pool_next_[pool];
}

void MemoryMap::weight_range(uint32_t m0, uint32_t m1, uint64_t from, uint64_t len, RequestList& out) const {
  const uint64_t size = slice_base_[m1] + slice_bytes_[m1] - slice_base_[m0];
  if (from >= size || len == 0) return;
  if (from + len > size) len = size - from;
  for (uint32_t pc = 0; pc < pcs_; ++pc) out.add(pc, slice_base_[m0] + from, len, false);
}

// Bytes [offset, offset+len) of a region striped over the PCs every interleave_ bytes,
// starting at per-PC address `base`.
void MemoryMap::striped(uint64_t base, uint64_t offset, uint64_t len, bool write, RequestList& out) const {
  while (len > 0) {
    const uint64_t chunk = offset / interleave_;
    const uint64_t in = offset % interleave_;
    const uint64_t take = std::min<uint64_t>(len, interleave_ - in);
    const uint32_t pc = static_cast<uint32_t>(chunk % pcs_);
    out.add(pc, base + (chunk / pcs_) * interleave_ + in, take, write);
    offset += take;
    len -= take;
  }
}

void MemoryMap::embedding_row(uint32_t row, RequestList& out) const {
  striped(emb_base_, uint64_t(row) * emb_row_bytes_, emb_row_bytes_, false, out);
}

void MemoryMap::router_weights(uint32_t layer, uint32_t module, uint64_t bytes, RequestList& out) const {
  striped(router_base_, (uint64_t(layer) * 2 + module) * router_bytes_, std::min(bytes, router_bytes_), false, out);
}

void MemoryMap::kv_entry(uint32_t t, uint32_t l, bool write, RequestList& out) const {
  kv_part(t, l, 0, entry_bytes_, write, out);
}

void MemoryMap::kv_part(uint32_t t, uint32_t l, uint64_t from, uint64_t len, bool write, RequestList& out) const {
  if (from + len > entry_bytes_) throw std::logic_error("memory map: K/V part beyond its entry");
  if (reserve_ == KvReserve::Paged) {
    const uint32_t idx = index_[uint64_t(l) * max_tokens_ + t];
    if (idx == UINT32_MAX)
      throw std::logic_error("memory map: K/V entry (token " + std::to_string(t) + ", layer " + std::to_string(l) +
                             ") accessed before it was stored");
    const uint32_t pool = mapping_ == KvMapping::Token ? t % pcs_ : 0;
    const uint64_t page = pages_[uint64_t(l) * pools_ + pool][idx / page_entries_];
    if (mapping_ == KvMapping::Token)
      kv_block(kv_base_ + page, pool, page_entries_, idx % page_entries_, from, len, write, out);
    else
      kv_block(page, -1, page_entries_, idx % page_entries_, from, len, write, out);
    return;
  }
  if (mapping_ == KvMapping::Token)
    kv_block(kv_base_ + uint64_t(l) * slots_per_layer_ * entry_bytes_, t % pcs_, slots_per_layer_, t / pcs_, from, len,
             write, out);
  else
    kv_block(uint64_t(l) * max_tokens_ * entry_bytes_, -1, max_tokens_, t, from, len, write, out);
}

// Bytes [from, from+len) of the entry in slot `slot` of a block of `slots` entries at `base`
// (an address in pseudo-channel `pc` with the token mapping; with pc < 0 an offset in the
// striped K/V space), laid out by kv.order and kv.k_and_v in pieces of one head group.
void MemoryMap::kv_block(uint64_t base, int64_t pc, uint64_t slots, uint64_t slot, uint64_t from,
                         uint64_t len, bool write, RequestList& out) const {
  auto emit = [&](uint64_t off, uint64_t n) {
    if (pc < 0)
      striped(kv_base_, base + off, n, write, out);
    else
      out.add(static_cast<uint32_t>(pc), base + off, n, write);
  };
  if (order_ == KvOrder::TokenMajor && !kv_split_) {  // the entry is contiguous
    emit(slot * entry_bytes_ + from, len);
    return;
  }
  const uint64_t half = entry_bytes_ / 2, G = groups_, p = piece_bytes_;
  while (len > 0) {
    const uint64_t k = from / half, g = (from % half) / p, in = from % p;
    const uint64_t take = std::min<uint64_t>(len, p - in);
    uint64_t index;
    if (order_ == KvOrder::TokenMajor)
      index = (k * slots + slot) * G + g;  // split: K plane, then V plane
    else if (!kv_split_)
      index = (g * slots + slot) * 2 + k;
    else
      index = (k * G + g) * slots + slot;
    emit(index * p + in, take);
    from += take;
    len -= take;
  }
}

}  // namespace skipopu

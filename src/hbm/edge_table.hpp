// The stream memo's tables keyed on one 64-bit number (src/hbm/stream_memo.cpp): refresh edges
// and drains across a refresh, keyed on (node, distance to the refresh due), and crossings,
// keyed on (node, last burst's beats, next request's start). Each was a node-based
// std::unordered_map<uint64_t, V>, whose lookup is a division for the bucket and two or three
// dependent loads (bucket, the node before, the node); a walk looks a refresh edge up wherever
// a refresh falls before its next node (3.6 M lookups on the main job, for some ten thousand
// entries). Here: an open-addressing index of (key, entry) slots with linear probing, the slot
// from the key's Fibonacci hash (a multiply and a shift), usually one slot read; the entries in
// a deque in insertion order (an entry stays where it is as others are added, so a reference
// found stays valid while the memo records more).
//
// Which entry a key finds depends only on the key, so the memo behaves as with any exact map.
// Iteration (the memo restart's rebuild, x_evict) is in insertion order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace skipopu::hbm::detail {

template <class V>
class EdgeTable {
 public:
  // The entry under `key` (null: none).
  const V* find(uint64_t key) const {
    const int32_t e = lookup(key);
    return e < 0 ? nullptr : &vals_[size_t(e)];
  }
  V* find(uint64_t key) {
    const int32_t e = lookup(key);
    return e < 0 ? nullptr : &vals_[size_t(e)];
  }

  // The entry under `key`, made from `v` if there was none (`inserted` says which).
  V& emplace(uint64_t key, const V& v, bool& inserted) {
    if (2 * (keys_.size() + 1) > slots_.size()) grow();
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.entry < 0) {
        s = Slot{uint32_t(key), uint32_t(key >> 32), int32_t(keys_.size())};
        keys_.push_back(key);
        vals_.push_back(v);
        inserted = true;
        return vals_.back();
      }
      if (s.key() == key) {
        inserted = false;
        return vals_[size_t(s.entry)];
      }
    }
  }

  // The key's hash (its top bits are its home slot).
  static uint64_t hash(uint64_t key) { return key * 0x9e3779b97f4a7c15ull; }

  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // Entries in insertion order: entry i's key and value.
  uint64_t key(size_t i) const { return keys_[i]; }
  const V& value(size_t i) const { return vals_[i]; }

  // Empties the table, keeping the index's array.
  void clear() {
    for (Slot& s : slots_) s = Slot{};
    keys_.clear();
    vals_.clear();
  }

 private:
  // 12 bytes: the key in two halves (no padding), the entry's number (-1: free)
  struct Slot {
    uint32_t lo = 0, hi = 0;
    int32_t entry = -1;
    uint64_t key() const { return uint64_t(hi) << 32 | lo; }
  };
  size_t home(uint64_t key) const { return size_t(hash(key) >> shift_); }
  int32_t lookup(uint64_t key) const {
    if (slots_.empty()) return -1;
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.entry < 0) return -1;
      if (s.key() == key) return s.entry;
    }
  }
  void grow() {
    const size_t n = slots_.empty() ? size_t(1024) : 2 * slots_.size();
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (size_t m = n; m > 1; m >>= 1) --shift_;
    for (size_t e = 0; e < keys_.size(); ++e) {
      size_t i = home(keys_[e]);
      while (slots_[i].entry >= 0) i = (i + 1) & mask_;
      slots_[i] = Slot{uint32_t(keys_[e]), uint32_t(keys_[e] >> 32), int32_t(e)};
    }
  }
  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t mask_ = 0;
  unsigned shift_ = 64;       // 64 - log2(slots)
  std::vector<uint64_t> keys_;
  std::deque<V> vals_;
};

}  // namespace skipopu::hbm::detail

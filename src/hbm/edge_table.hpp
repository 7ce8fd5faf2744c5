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
#include <utility>
#include <vector>

namespace skipopu::hbm::detail {

template <class V>
class EdgeTable {
 public:
  // The entry under `key` (null: none).
  const V* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.entry < 0) return nullptr;
      if (s.key() == key) return &entries_[size_t(s.entry)].value;
    }
  }

  // The entry under `key`, made from `v` if there was none; whether it was made (as
  // std::map::emplace).
  std::pair<V*, bool> emplace(uint64_t key, const V& v) {
    if (2 * (entries_.size() + 1) > slots_.size()) grow();
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.entry < 0) {
        s = slot(key, entries_.size());
        entries_.push_back(Entry{key, v});
        return {&entries_.back().value, true};
      }
      if (s.key() == key) return {&entries_[size_t(s.entry)].value, false};
    }
  }

  // The key's hash (its top bits are its home slot).
  static uint64_t hash(uint64_t key) { return key * 0x9e3779b97f4a7c15ull; }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Entries in insertion order: entry i's key and value.
  uint64_t key(size_t i) const { return entries_[i].key; }
  const V& value(size_t i) const { return entries_[i].value; }

  // Empties the table, keeping the index's array.
  void clear() {
    for (Slot& s : slots_) s = Slot{};
    entries_.clear();
  }

 private:
  // 12 bytes: the key in two halves (no padding), the entry's number (-1: free)
  struct Slot {
    uint32_t lo = 0, hi = 0;
    int32_t entry = -1;
    uint64_t key() const { return uint64_t(hi) << 32 | lo; }
  };
  struct Entry {
    uint64_t key;
    V value;
  };
  static Slot slot(uint64_t key, size_t entry) { return Slot{uint32_t(key), uint32_t(key >> 32), int32_t(entry)}; }
  size_t home(uint64_t key) const { return size_t(hash(key) >> shift_); }
  void grow() {
    const size_t n = slots_.empty() ? size_t(1024) : 2 * slots_.size();
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (size_t m = n; m > 1; m >>= 1) --shift_;
    for (size_t e = 0; e < entries_.size(); ++e) {
      size_t i = home(entries_[e].key);
      while (slots_[i].entry >= 0) i = (i + 1) & mask_;
      slots_[i] = slot(entries_[e].key, e);
    }
  }
  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t mask_ = 0;
  unsigned shift_ = 64;  // 64 - log2(slots)
  std::deque<Entry> entries_;
};

}  // namespace skipopu::hbm::detail

// The stream memo's index from a node's packed key (src/hbm/stream_memo.cpp) to the node's
// number: open addressing with linear probing over one flat array of (node, 32 bits of the
// key's hash), instead of a node-based std::unordered_map<std::string, int32_t>: a lookup is a
// hash of the key's bytes, usually one slot read and one key comparison, and no allocation.
//
// The keys themselves stay with the memo (one string per node, `keys`); the index holds only
// numbers, so the memo's restart (x_evict) renumbers nodes by rebuilding it. Which node a key
// finds does not depend on the hash function or the probe order, only on the keys' bytes: the
// memo's behaviour, and so the simulator's work counters, are the same as with any exact map.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace skipopu::hbm::detail {

class KeyIndex {
 public:
  // 64-bit hash of a key's bytes (eight at a time; portable: the same on every machine).
  static uint64_t hash(const std::string& key) {
    const char* p = key.data();
    size_t n = key.size();
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t(n) * 0xff51afd7ed558ccdull);
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
      h ^= h >> 29;
    }
    if (n) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
      h ^= h >> 29;
    }
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 32);
  }

  // The node whose key (keys[node]) equals `key`, h = hash(key); -1: none.
  int32_t find(const std::string& key, uint64_t h, const std::vector<std::string>& keys) const {
    if (slots_.empty()) return -1;
    const uint32_t t = uint32_t(h);
    for (size_t i = t & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.node < 0) return -1;
      if (s.tag == t && keys[size_t(s.node)] == key) return s.node;
    }
  }

  // Adds `node` under hash h (its key not in the index yet).
  void insert(uint64_t h, int32_t node) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    place(Slot{node, uint32_t(h)});
    ++size_;
  }

  // Empties the index, keeping its array.
  void clear() {
    for (Slot& s : slots_) s = Slot{};
    size_ = 0;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    int32_t node = -1;
    uint32_t tag = 0;  // the low 32 bits of the key's hash: the slot it belongs at, and a filter
  };
  void place(Slot s) {
    size_t i = s.tag & mask_;
    while (slots_[i].node >= 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? size_t(1024) : 2 * old.size(), Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old)
      if (s.node >= 0) place(s);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace skipopu::hbm::detail

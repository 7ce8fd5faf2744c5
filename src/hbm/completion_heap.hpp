// Completion queues: completions popped in order of (done, id).
//  - CompletionHeap: a binary min-heap (reference; any done times; BasicCompletionHeap for a
//    type derived from Completion).
//  - CompletionQueue: a calendar queue for the common case where completions fall a bounded
//    distance ahead of the last one popped: a ring of kWindow one-cycle buckets (each kept
//    sorted by id) plus a bitmap of the non-empty ones, and a CompletionHeap for anything
//    outside the window. It is an exact priority queue: for every sequence of pushes and pops
//    it returns what CompletionHeap returns (tests/hbm/test_completion_queue.cpp).
// Storage is reused (no per-request allocation once warmed up).
#pragma once
#include <algorithm>
#include <array>
#include <functional>
#include <vector>

#include "skipopu/hbm/hbm_model.hpp"

namespace skipopu::hbm::detail {

struct CompletionLater {  // a function object, so that the heap operations inline the comparison
  template <class E>
  bool operator()(const E& a, const E& b) const {
    return a.done != b.done ? a.done > b.done : a.id > b.id;
  }
};

// E: Completion or a type derived from it (the bank model keeps what its lateral-link stage
// needs beside a read's completion); Later: the order (default (done, id); the bank model's
// lateral-link stage orders by (done, age)).
template <class E, class Later = CompletionLater>
class BasicCompletionHeap {
 public:
  void push(const E& c) {
    v_.push_back(c);
    std::push_heap(v_.begin(), v_.end(), Later{});
  }
  bool empty() const { return v_.empty(); }
  const E& top() const { return v_.front(); }
  E pop() {
    std::pop_heap(v_.begin(), v_.end(), Later{});
    E c = v_.back();
    v_.pop_back();
    return c;
  }
  size_t size() const { return v_.size(); }
  // The entry of request `id`, if held (a scan: only for Model::known).
  bool find(uint64_t id, Completion& out) const {
    for (const E& c : v_)
      if (c.id == id) {
        out = c;
        return true;
      }
    return false;
  }

 private:
  std::vector<E> v_;
};
using CompletionHeap = BasicCompletionHeap<Completion>;

class CompletionQueue {
 public:
  static constexpr uint64_t kWindow = 1024;  // cycles covered by the ring (a power of two)
  static constexpr uint32_t kDepth = 16;     // entries a bucket holds in place (more: the far heap)

  CompletionQueue() : ring_(kWindow), store_(kWindow * kDepth) {}
  void push(const Completion& c) {
    if (in_ring_ == 0 && c.done >= lo_ + kWindow) lo_ = c.done - kWindow / 2;  // re-centre an idle ring
    if (c.done < lo_ || c.done - lo_ >= kWindow) {
      far_.push(c);
      return;
    }
    const size_t i = size_t(c.done & (kWindow - 1));
    Bucket& bk = ring_[i];
    if (bk.end == kDepth) {  // full: the far heap keeps it (top() and pop() look at both)
      far_.push(c);
      return;
    }
    // kept in increasing id from bk.head (ids mostly arrive in order: no move)
    Completion* v = &store_[i * kDepth];
    uint32_t k = bk.end++;
    for (; k > bk.head && v[k - 1].id > c.id; --k) v[k] = v[k - 1];
    v[k] = c;
    bits_[i / 64] |= uint64_t(1) << (i % 64);
    ++in_ring_;
    if (c.done <= top_done_) top_ok_ = false;
  }
  bool empty() const { return in_ring_ == 0 && far_.empty(); }
  const Completion& top() const {
    const Completion* r = ring_top();
    if (!r) return far_.top();
    if (far_.empty() || !CompletionLater{}(*r, far_.top())) return *r;
    return far_.top();
  }
  Completion pop() {
    const Completion* r = ring_top();
    if (!r || (!far_.empty() && CompletionLater{}(*r, far_.top()))) return far_.pop();
    const Completion c = *r;
    const size_t i = size_t(c.done & (kWindow - 1));
    Bucket& bk = ring_[i];
    if (++bk.head == bk.end) {
      bk.head = bk.end = 0;
      bits_[i / 64] &= ~(uint64_t(1) << (i % 64));
      top_ok_ = false;
    }
    --in_ring_;
    lo_ = c.done;  // every entry left in the ring is at or after it
    return c;
  }
  size_t size() const { return in_ring_ + far_.size(); }
  // The entry of request `id`, if held (a scan of the occupied buckets: only for Model::known).
  bool find(uint64_t id, Completion& out) const {
    for (size_t w = 0; w < kWords; ++w)
      for (uint64_t m = bits_[w]; m; m &= m - 1) {
        const size_t i = w * 64 + size_t(__builtin_ctzll(m));
        for (uint32_t k = ring_[i].head; k < ring_[i].end; ++k)
          if (store_[i * kDepth + k].id == id) {
            out = store_[i * kDepth + k];
            return true;
          }
      }
    return far_.find(id, out);
  }

 private:
  static constexpr size_t kWords = kWindow / 64;
  // The ring's smallest (done, id), or null: the first non-empty bucket from lo_ on.
  const Completion* ring_top() const {
    if (in_ring_ == 0) return nullptr;
    if (!top_ok_) {
      const size_t s = size_t(lo_ & (kWindow - 1));
      size_t found = kWindow;
      for (size_t k = 0; k <= kWords && found == kWindow; ++k) {
        const size_t w = (s / 64 + k) % kWords;
        uint64_t m = bits_[w];
        if (k == 0) m &= ~uint64_t(0) << (s % 64);                      // from lo_ on
        else if (k == kWords) m &= (uint64_t(1) << (s % 64)) - 1;      // wrapped: before lo_
        if (m) found = w * 64 + size_t(__builtin_ctzll(m));
      }
      top_i_ = found;
      top_done_ = store_[found * kDepth + ring_[found].head].done;
      top_ok_ = true;
    }
    return &store_[top_i_ * kDepth + ring_[top_i_].head];
  }

  struct Bucket {
    uint32_t head = 0, end = 0;  // its entries: store_[i * kDepth + head, i * kDepth + end), in increasing id
  };
  std::vector<Bucket> ring_;
  std::vector<Completion> store_;  // kDepth entries a bucket, buckets in ring order (one block)
  std::array<uint64_t, kWords> bits_{};
  size_t in_ring_ = 0;
  Cycle lo_ = 0;  // ring entries have done in [lo_, lo_ + kWindow)
  CompletionHeap far_;
  mutable bool top_ok_ = false;
  mutable size_t top_i_ = 0;
  mutable Cycle top_done_ = 0;  // done of the cached top (valid while top_ok_)
};

// The done times of completions a model has handed on (its direct path, Model::set_sink), kept
// for next_event until a pop reaches them: only the earliest matters, so a bitmap of kWindow
// cycles from the last reach on (completions done in one cycle share a bit) and a heap for
// anything beyond it.
class DoneTimes {
 public:
  static constexpr uint64_t kWindow = 1024;  // a power of two
  Cycle min() const { return min_; }  // the earliest not reached (kNever: none)
  void add(Cycle d) {
    if (d - lo_ >= kWindow) {  // beyond the window (or, never expected, before it: the heap takes any)
      far_.push_back(d);
      std::push_heap(far_.begin(), far_.end(), std::greater<Cycle>{});
    } else {
      const size_t i = size_t(d & (kWindow - 1));
      bits_[i / 64] |= uint64_t(1) << (i % 64);
    }
    if (d < min_) min_ = d;
  }
  // A pop to `until`: every time at or before it drops out.
  void reach(Cycle until) {
    if (until < lo_) return;
    if (min_ > until) {  // nothing to drop: every bit and the heap's top are later
      lo_ = until + 1;
      return;
    }
    if (until - lo_ >= kWindow - 1) {
      bits_.fill(0);
    } else {
      for (Cycle d = lo_; d <= until;) {  // the bits of [lo_, until], a word at a time
        const size_t i = size_t(d & (kWindow - 1)), sh = i % 64;
        const uint64_t n = std::min<uint64_t>(64 - sh, until - d + 1);
        const uint64_t m = (n == 64 ? ~uint64_t(0) : ((uint64_t(1) << n) - 1)) << sh;
        bits_[i / 64] &= ~m;
        d += n;
      }
    }
    lo_ = until + 1;
    while (!far_.empty() && far_.front() <= until) {
      std::pop_heap(far_.begin(), far_.end(), std::greater<Cycle>{});
      far_.pop_back();
    }
    min_ = far_.empty() ? kNever : far_.front();
    const size_t s = size_t(lo_ & (kWindow - 1));
    for (size_t k = 0; k <= kWords; ++k) {  // the first set bit from lo_ on, wrapping
      const size_t w = (s / 64 + k) % kWords;
      uint64_t m = bits_[w];
      if (k == 0) m &= ~uint64_t(0) << (s % 64);
      else if (k == kWords) m &= (uint64_t(1) << (s % 64)) - 1;
      if (m) {
        const size_t i = w * 64 + size_t(__builtin_ctzll(m));
        min_ = std::min(min_, lo_ + ((i - s) & (kWindow - 1)));
        break;
      }
    }
  }

 private:
  static constexpr size_t kWords = kWindow / 64;
  std::array<uint64_t, kWords> bits_{};
  std::vector<Cycle> far_;  // min-heap
  Cycle lo_ = 0;            // bits stand for times in [lo_, lo_ + kWindow)
  Cycle min_ = kNever;
};

// Beats an access of `bytes` at `addr` occupies (partial beats waste a whole beat).
// beat_bytes is a power of two (validate_hbm_params): shifts, no division per request.
inline uint64_t beats_of(uint64_t addr, uint64_t bytes, uint32_t beat_bytes) {
  const int sh = __builtin_ctz(beat_bytes);
  return ((addr + bytes - 1) >> sh) - (addr >> sh) + 1;
}

}  // namespace skipopu::hbm::detail

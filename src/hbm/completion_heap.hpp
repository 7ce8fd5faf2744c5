// Min-heap of completions ordered by (done, id); storage is reused (no per-request allocation
// once warmed up).
#pragma once
#include <algorithm>
#include <vector>

#include "skipopu/hbm/hbm_model.hpp"

namespace skipopu::hbm::detail {

class CompletionHeap {
 public:
  void push(const Completion& c) {
    v_.push_back(c);
    std::push_heap(v_.begin(), v_.end(), Later{});
  }
  bool empty() const { return v_.empty(); }
  const Completion& top() const { return v_.front(); }
  Completion pop() {
    std::pop_heap(v_.begin(), v_.end(), Later{});
    Completion c = v_.back();
    v_.pop_back();
    return c;
  }
  size_t size() const { return v_.size(); }

 private:
  struct Later {  // a function object, so that the heap operations inline the comparison
    bool operator()(const Completion& a, const Completion& b) const {
      return a.done != b.done ? a.done > b.done : a.id > b.id;
    }
  };
  std::vector<Completion> v_;
};

// Beats an access of `bytes` at `addr` occupies (partial beats waste a whole beat).
inline uint64_t beats_of(uint64_t addr, uint64_t bytes, uint32_t beat_bytes) {
  const uint64_t first = addr / beat_bytes, last = (addr + bytes - 1) / beat_bytes;
  return last - first + 1;
}

}  // namespace skipopu::hbm::detail

// The calendar completion queue (src/hbm/completion_heap.hpp) must be an exact priority
// queue: for random interleavings of pushes and pops, with many equal done times, done times
// behind the last pop, far beyond the ring window and after idle gaps, it returns the same
// completions in the same order as the binary heap it replaces.
#include <catch2/catch.hpp>

#include <set>

#include "../../src/hbm/completion_heap.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu;
using namespace skipopu::hbm;
using namespace skipopu::hbm::detail;

TEST_CASE("completion queue: same order as the binary heap", "[hbm][completion_queue]") {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SplitMix64 rng(seed);
    CompletionHeap ref;
    CompletionQueue q;
    Cycle now = 0;
    uint64_t id = 0, popped = 0;
    for (int step = 0; step < 20000; ++step) {
      const uint64_t r = rng.below(100);
      if (r < 55) {
        Completion c;
        // unique ids (as the models' callers give), half of them out of push order
        c.id = rng.below(2) ? id : (id * 0x9E3779B1ull) & 0xffffffffull | (uint64_t(1) << 40);
        ++id;
        const uint64_t k = rng.below(100);
        if (k < 70) c.done = now + rng.below(64);                               // near: the common case
        else if (k < 80) c.done = now + rng.below(8);                           // many equal done
        else if (k < 90) c.done = now + CompletionQueue::kWindow + rng.below(5000);  // beyond the window
        else c.done = now > 50 ? now - rng.below(50) : now;                     // behind the last pop
        c.first_data = c.done - rng.below(4);
        ref.push(c);
        q.push(c);
      } else if (r < 97) {
        REQUIRE(ref.empty() == q.empty());
        if (ref.empty()) continue;
        REQUIRE(q.top().done == ref.top().done);
        REQUIRE(q.top().id == ref.top().id);
        const Completion a = ref.pop(), b = q.pop();
        REQUIRE(a.done == b.done);
        REQUIRE(a.id == b.id);
        REQUIRE(a.first_data == b.first_data);
        now = std::max(now, a.done);
        ++popped;
      } else {
        now += rng.below(2) ? 3 * CompletionQueue::kWindow : rng.below(200);  // idle gaps
      }
      REQUIRE(ref.size() == q.size());
    }
    while (!ref.empty()) {
      const Completion a = ref.pop(), b = q.pop();
      REQUIRE(a.done == b.done);
      REQUIRE(a.id == b.id);
    }
    REQUIRE(q.empty());
    CHECK(popped > 1000);
  }
}

// A bucket holds kDepth entries in place; more of one cycle go to the far heap. Cycles with
// more completions than that, pushed in decreasing id (each one moves the others), next to
// neighbouring cycles whose buckets must not be touched: the heap's order.
TEST_CASE("completion queue: a cycle with more completions than a bucket holds", "[hbm][completion_queue]") {
  CompletionHeap ref;
  CompletionQueue q;
  uint64_t id = 1000;
  for (Cycle done = 100; done < 104; ++done) {
    const uint32_t n = done % 2 ? CompletionQueue::kDepth + 7 : CompletionQueue::kDepth;
    for (uint32_t k = 0; k < n; ++k) {
      Completion c;
      c.id = id--;
      c.done = done;
      ref.push(c);
      q.push(c);
    }
  }
  REQUIRE(q.size() == ref.size());
  while (!ref.empty()) {
    REQUIRE(q.top().id == ref.top().id);
    const Completion a = ref.pop(), b = q.pop();
    REQUIRE(a.done == b.done);
    REQUIRE(a.id == b.id);
  }
  REQUIRE(q.empty());
}

TEST_CASE("done times: the earliest not yet reached, as a sorted multiset says", "[hbm][completion_queue]") {
  // Times added at and after the last reach, near (in the window) and far (beyond it, up to
  // 3 windows), reaches by small steps and by jumps past the window; min() after every step.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    SplitMix64 rng(seed);
    detail::DoneTimes d;
    std::multiset<Cycle> ref;
    Cycle now = 0;
    for (int step = 0; step < 4000; ++step) {
      if (rng.below(3) != 0) {
        const uint64_t k = rng.below(10);
        const Cycle t = now + 1 + (k < 7 ? rng.below(64) : k < 9 ? rng.below(detail::DoneTimes::kWindow) : rng.below(3 * detail::DoneTimes::kWindow));
        d.add(t);
        ref.insert(t);
      } else {
        now += rng.below(8) == 0 ? rng.below(3 * detail::DoneTimes::kWindow) : rng.below(40);
        d.reach(now);
        ref.erase(ref.begin(), ref.upper_bound(now));
      }
      REQUIRE(d.min() == (ref.empty() ? kNever : *ref.begin()));
    }
  }
}

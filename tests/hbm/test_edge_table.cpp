// The stream memo's tables keyed on a 64-bit number (src/hbm/edge_table.hpp: refresh edges,
// drains across a refresh, crossings): a key finds the entry it was made with, by the whole
// key; an existing key's entry is kept; entries stay where they are as the table grows (a walk
// holds a refresh edge while the memo records others); iteration is in insertion order. Keys
// are chosen to share one home slot (one long probe chain), to differ in one half only, and to
// be the memo's own (node << 32 | distance).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "../../src/hbm/edge_table.hpp"

using skipopu::hbm::detail::EdgeTable;

namespace {
struct Val {
  uint64_t a = 0;
  int b = 0;
};
uint64_t rkey(uint32_t node, uint32_t d) { return uint64_t(node) << 32 | d; }
}  // namespace

TEST_CASE("memo edge table: every key finds its entry, absent keys none, existing entries kept", "[hbm][edge_table]") {
  EdgeTable<Val> t;
  REQUIRE(t.find(rkey(0, 0)) == nullptr);  // empty
  REQUIRE(t.empty());
  std::vector<uint64_t> keys;
  for (uint32_t n = 0; n < 100; ++n)
    for (uint32_t d = 0; d < 60; ++d) keys.push_back(rkey(n, d * 7));  // 6,000: grows from 1,024 slots
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto [v, made] = t.emplace(keys[i], Val{keys[i] ^ 0xabc, int(i)});
    REQUIRE(made);
    REQUIRE(v->b == int(i));
  }
  REQUIRE(t.size() == keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const Val* v = t.find(keys[i]);
    REQUIRE(v != nullptr);
    REQUIRE(v->a == (keys[i] ^ 0xabc));
    REQUIRE(v->b == int(i));
  }
  // absent: other distances, other nodes, the halves swapped
  for (uint32_t n = 0; n < 100; ++n) REQUIRE(t.find(rkey(n, 1)) == nullptr);
  REQUIRE(t.find(rkey(100, 0)) == nullptr);
  REQUIRE(t.find(rkey(7 * 5, 3)) == nullptr);
  REQUIRE(t.find(rkey(3 * 7, 3)) == nullptr);  // (3, 21) is there; (21, 3) is not
  REQUIRE(t.find(rkey(3, 21)) != nullptr);
  // an existing key: its entry, unchanged, not inserted
  const auto [again, made] = t.emplace(keys[123], Val{1, -1});
  REQUIRE_FALSE(made);
  REQUIRE(again->b == 123);
  REQUIRE(t.size() == keys.size());
}

TEST_CASE("memo edge table: keys sharing one home slot are told apart by the whole key", "[hbm][edge_table]") {
  // 300 keys whose hash has the same top 10 bits: one home slot in the first 1,024-slot array
  // (at most half full), so each lookup probes along one chain of them
  std::vector<uint64_t> keys;
  for (uint64_t k = 1; keys.size() < 300; ++k)
    if ((EdgeTable<int>::hash(k) >> 54) == 0x155) keys.push_back(k);
  EdgeTable<int> t;
  for (size_t i = 0; i < keys.size(); ++i) {
    REQUIRE(t.emplace(keys[i], int(i)).second);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const int* v = t.find(keys[i]);
    REQUIRE(v != nullptr);
    REQUIRE(*v == int(i));
  }
  // a key of the same home that was not inserted: none (the probe ends at the chain's end)
  uint64_t other = keys.back() + 1;
  while ((EdgeTable<int>::hash(other) >> 54) != 0x155) ++other;
  REQUIRE(t.find(other) == nullptr);
  // keys of one home slot that are equal in one half: the node's (high) or the distance's
  // (low); the whole key decides
  for (const bool same_low : {true, false}) {
    std::vector<uint64_t> half;
    for (uint64_t x = 0; half.size() < 40; ++x) {
      const uint64_t k = same_low ? rkey(uint32_t(x), 77) : rkey(77, uint32_t(x));
      if ((EdgeTable<int>::hash(k) >> 54) == 0x2aa) half.push_back(k);
    }
    EdgeTable<int> c;
    for (size_t i = 0; i + 1 < half.size(); ++i) c.emplace(half[i], int(i));
    for (size_t i = 0; i + 1 < half.size(); ++i) REQUIRE(*c.find(half[i]) == int(i));
    REQUIRE(c.find(half.back()) == nullptr);  // same home, same half, not inserted
  }
  // keys equal in one half only
  EdgeTable<int> h;
  h.emplace(rkey(5, 9), 1);
  h.emplace(rkey(6, 9), 2);
  h.emplace(rkey(5, 10), 3);
  REQUIRE(*h.find(rkey(5, 9)) == 1);
  REQUIRE(*h.find(rkey(6, 9)) == 2);
  REQUIRE(*h.find(rkey(5, 10)) == 3);
  REQUIRE(h.find(rkey(6, 10)) == nullptr);
}

TEST_CASE("memo edge table: entries stay put as it grows; insertion order; clear", "[hbm][edge_table]") {
  EdgeTable<Val> t;
  Val* const first = t.emplace(rkey(1, 2), Val{42, 7}).first;
  for (uint32_t i = 0; i < 20000; ++i) t.emplace(rkey(2 + i, i % 97), Val{i, int(i)});  // several growths
  REQUIRE(t.find(rkey(1, 2)) == first);  // the same object
  REQUIRE(first->a == 42);
  REQUIRE(t.key(0) == rkey(1, 2));
  for (uint32_t i = 0; i < 20000; ++i) {
    REQUIRE(t.key(1 + i) == rkey(2 + i, i % 97));
    REQUIRE(t.value(1 + i).b == int(i));
  }
  t.clear();
  REQUIRE(t.size() == 0);
  REQUIRE(t.find(rkey(1, 2)) == nullptr);
  REQUIRE(t.find(rkey(500, 500 % 97)) == nullptr);
  REQUIRE(t.emplace(rkey(9, 9), Val{9, 9}).second);  // usable again
  REQUIRE(t.find(rkey(9, 9))->b == 9);
  REQUIRE(t.key(0) == rkey(9, 9));
}

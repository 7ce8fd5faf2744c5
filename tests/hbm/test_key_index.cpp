// The stream memo's key index (src/hbm/key_index.hpp): a key finds the node it was inserted
// with, by its bytes, whatever the hash says. The hash is an argument of find and insert, so
// these cases force what real keys almost never show: many different keys under one hash (the
// index must compare the bytes, not the hash), keys under hashes that collide in the slot
// bits only, and growth and clearing with nodes renumbered as the memo's restart does.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../src/hbm/key_index.hpp"

using skipopu::hbm::detail::KeyIndex;

namespace {
std::string key_of(int i) {  // distinct keys of 1 to 40 bytes, some with embedded zeros
  std::string k(size_t(1 + i % 40), '\0');
  for (size_t j = 0; j < k.size(); ++j) k[j] = char((i * 131 + int(j) * 7) & 0xff);
  k[0] = char(i & 0xff);
  k.back() = char((i >> 8) & 0xff);
  return k + std::to_string(i);
}
}  // namespace

TEST_CASE("memo key index: every key finds its node, absent keys find none", "[hbm][key_index]") {
  KeyIndex ix;
  std::vector<std::string> keys;
  REQUIRE(ix.find("x", KeyIndex::hash("x"), keys) == -1);  // empty
  for (int i = 0; i < 5000; ++i) {  // grows from 1,024 slots several times
    keys.push_back(key_of(i));
    ix.insert(KeyIndex::hash(keys.back()), i);
  }
  REQUIRE(ix.size() == 5000);
  for (int i = 0; i < 5000; ++i) REQUIRE(ix.find(keys[size_t(i)], KeyIndex::hash(keys[size_t(i)]), keys) == i);
  for (int i = 5000; i < 6000; ++i) {
    const std::string k = key_of(i);
    REQUIRE(ix.find(k, KeyIndex::hash(k), keys) == -1);
  }
  // a key that is another's prefix, or differs only in its length
  const std::string p = keys[7].substr(0, keys[7].size() - 1);
  REQUIRE(ix.find(p, KeyIndex::hash(p), keys) == -1);
}

TEST_CASE("memo key index: keys under one hash are told apart by their bytes", "[hbm][key_index]") {
  KeyIndex ix;
  std::vector<std::string> keys;
  const uint64_t h = 0x123456789abcdefull;
  for (int i = 0; i < 300; ++i) {  // all in one probe chain, across growths
    keys.push_back(key_of(i));
    ix.insert(h, i);
  }
  for (int i = 0; i < 300; ++i) REQUIRE(ix.find(keys[size_t(i)], h, keys) == i);
  REQUIRE(ix.find(key_of(300), h, keys) == -1);
  // the same low 32 bits (the slot and tag) with other high bits: still the bytes decide
  REQUIRE(ix.find(keys[5], h ^ (uint64_t(1) << 40), keys) == 5);
  // the right bytes under a hash that lands elsewhere: not found (the caller's hash is trusted)
  REQUIRE(ix.find(keys[5], h + 1, keys) == -1);
}

TEST_CASE("memo key index: cleared and rebuilt with nodes renumbered (the memo's restart)", "[hbm][key_index]") {
  KeyIndex ix;
  std::vector<std::string> keys;
  std::vector<uint64_t> hs;
  for (int i = 0; i < 2000; ++i) {
    keys.push_back(key_of(i));
    hs.push_back(KeyIndex::hash(keys.back()));
    ix.insert(hs.back(), i);
  }
  // keep every third node, renumbered in order, as x_evict does
  std::vector<std::string> kept;
  ix.clear();
  REQUIRE(ix.size() == 0);
  REQUIRE(ix.find(keys[0], hs[0], keys) == -1);
  for (int i = 0; i < 2000; i += 3) {
    ix.insert(hs[size_t(i)], int32_t(kept.size()));
    kept.push_back(keys[size_t(i)]);
  }
  for (int i = 0; i < 2000; ++i) {
    const int32_t want = i % 3 == 0 ? i / 3 : -1;
    REQUIRE(ix.find(keys[size_t(i)], hs[size_t(i)], kept) == want);
  }
}

TEST_CASE("memo key index: the hash reads every byte, the tail and the length", "[hbm][key_index]") {
  // Not needed for exactness (which node a key finds depends on its bytes only), but a hash
  // that skipped the tail or the length would put whole families of keys in one chain.
  REQUIRE(KeyIndex::hash("a") != KeyIndex::hash("b"));
  REQUIRE(KeyIndex::hash(std::string("ab\0", 3)) != KeyIndex::hash("ab"));
  REQUIRE(KeyIndex::hash("0123456789abcdef") != KeyIndex::hash("0123456789abcdeg"));
  REQUIRE(KeyIndex::hash("0123456789abcdef1") != KeyIndex::hash("0123456789abcdef2"));
  REQUIRE(KeyIndex::hash(std::string(9, '\0')) != KeyIndex::hash(std::string(10, '\0')));
}

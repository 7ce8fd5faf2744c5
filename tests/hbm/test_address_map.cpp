// The address map's whole-burst lookup (AddressMap::beats, used when a burst enters a queue)
// must give every beat the bank and row of the per-beat lookups, for any field order: with the
// bank bits low or spread above bit 8 (where the 16 beats from a start may straddle two `hi_`
// entries), with the row field low (where they may straddle two rows), at every start offset
// and length, aligned or not.
#include <catch2/catch.hpp>

#include <vector>

#include "../../src/hbm/address_map.hpp"
#include "skipopu/hbm/hbm_bench.hpp"
#include "skipopu/prng.hpp"

using namespace skipopu;
using namespace skipopu::hbm;

static const std::string kData = SKIPOPU_DATA_DIR;

TEST_CASE("address map: a burst's banks and rows at once equal the per-beat lookups", "[hbm][address_map]") {
  const std::vector<std::vector<AddrBit>> maps = {
      {},  // the preset's (bg0 lowest, bg1 at bit 8)
      {{AddrField::Column, 0}, {AddrField::BG, 0}, {AddrField::BG, 1}, {AddrField::BA, 0}, {AddrField::BA, 1}, {AddrField::Row, 0}},
      {{AddrField::Column, 0}, {AddrField::Row, 0}, {AddrField::BG, 0}, {AddrField::BG, 1}, {AddrField::BA, 0}, {AddrField::BA, 1}},
  };
  skipopu::SplitMix64 rng(2028);
  uint64_t shortcut = 0, straddle = 0;
  for (const auto& m : maps) {
    HbmParams p = load_hbm_preset(kData + "/configs/hbm/u280.json");
    if (!m.empty()) p.mapping = m;
    const detail::AddressMap a(p);
    for (int it = 0; it < 20000; ++it) {
      const uint32_t n = 1 + uint32_t(rng.below(16));
      // starts near 256-beat boundaries half of the time
      const uint64_t beat = it % 2 ? rng.below(uint64_t(1) << 22) : (rng.below(1 << 14) << 8) + 256 - rng.below(20);
      uint8_t bank[16];
      uint32_t row[16];
      a.beats(beat, n, bank, row);
      bool lo_ok = (beat & 255) <= 240, same_row = a.row(beat) == a.row(beat + n - 1);
      shortcut += n > 1 && lo_ok && same_row;
      straddle += n > 1 && !(lo_ok && same_row);
      for (uint32_t i = 0; i < n; ++i) {
        REQUIRE(uint32_t(bank[i]) == a.bank(beat + i));
        REQUIRE(row[i] == a.row(beat + i));
      }
    }
  }
  CHECK(shortcut > 10000);  // both ways are taken
  CHECK(straddle > 1000);
}

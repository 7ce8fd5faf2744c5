// Address map of one pseudo-channel: a beat index (byte address / beat_bytes) to bank and row,
// from the preset's field order (controller.mapping, any bit order of row, column, bgN, baN).
// Bank bits are single disjoint bits, so the bank of a beat is the OR of two table lookups
// (low 8 and next 16 beat-address bits); the row is one shifted field.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm::detail {

class AddressMap {
 public:
  AddressMap() = default;
  explicit AddressMap(const HbmParams& p);
  uint32_t bank(uint64_t beat) const { return uint32_t(lo_[beat & 255]) | hi_[(beat >> 8) & 0xffff]; }
  uint32_t row(uint64_t beat) const { return uint32_t((beat >> row_pos_) & row_mask_); }
  // bank(beat + i) and row(beat + i) for i < n (n <= 16), as the per-beat calls give them, into
  // arrays of 16 (entries n and above are left unspecified). When the 16 beats from `beat` share
  // their bits from 8 up (one `hi_` entry) and the n beats their row: 16 bytes of `lo_` ORed
  // with that entry, one row for all.
  void beats(uint64_t beat, uint32_t n, uint8_t* bank_out, uint32_t* row_out) const {
    const uint32_t lo = uint32_t(beat & 255), r = row(beat);
    if (n == 1) {
      bank_out[0] = uint8_t(bank(beat));
      row_out[0] = r;
      return;
    }
    if (lo <= 256 - 16 && row(beat + n - 1) == r) {
      const uint64_t h = uint64_t(hi_[(beat >> 8) & 0xffff]) * 0x0101010101010101ull;
      uint64_t w[2];
      std::memcpy(w, lo_.data() + lo, 16);
      w[0] |= h;
      w[1] |= h;
      std::memcpy(bank_out, w, 16);
      for (uint32_t i = 0; i < 16; ++i) row_out[i] = r;
      return;
    }
    for (uint32_t i = 0; i < n; ++i) {
      bank_out[i] = uint8_t(bank(beat + i));
      row_out[i] = row(beat + i);
    }
  }
  uint32_t row_pos() const { return row_pos_; }  // lowest beat-address bit of the row field

 private:
  uint32_t row_pos_ = 0;
  uint64_t row_mask_ = 0;
  std::array<uint8_t, 256> lo_{};
  std::vector<uint8_t> hi_;
};

uint32_t log2_ceil(uint64_t v);

}  // namespace skipopu::hbm::detail

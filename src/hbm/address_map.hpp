// Address map of one pseudo-channel: a beat index (byte address / beat_bytes) to bank and row,
// from the preset's field order (controller.mapping, any bit order of row, column, bgN, baN).
// Bank bits are single disjoint bits, so the bank of a beat is the OR of two table lookups
// (low 8 and next 16 beat-address bits); the row is one shifted field.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm::detail {

class AddressMap {
 public:
  AddressMap() = default;
  explicit AddressMap(const HbmParams& p);
  uint32_t bank(uint64_t beat) const { return uint32_t(lo_[beat & 255]) | hi_[(beat >> 8) & 0xffff]; }
  uint32_t row(uint64_t beat) const { return uint32_t((beat >> row_pos_) & row_mask_); }
  uint32_t row_pos() const { return row_pos_; }  // lowest beat-address bit of the row field

 private:
  uint32_t row_pos_ = 0;
  uint64_t row_mask_ = 0;
  std::array<uint8_t, 256> lo_{};
  std::vector<uint8_t> hi_;
};

uint32_t log2_ceil(uint64_t v);

}  // namespace skipopu::hbm::detail

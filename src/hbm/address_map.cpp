#include "address_map.hpp"

#include <stdexcept>

namespace skipopu::hbm::detail {

uint32_t log2_ceil(uint64_t v) {
  uint32_t r = 0;
  while ((uint64_t(1) << r) < v) ++r;
  return r;
}

AddressMap::AddressMap(const HbmParams& p) {
  const uint32_t ba_bits = log2_ceil(p.banks_per_group);
  std::vector<uint32_t> bank_bit_pos(log2_ceil(p.banks()), 0);  // bank index bit i <- beat bit
  uint32_t pos = 0;
  for (const AddrBit& b : p.mapping) {  // LSB first
    switch (b.field) {
      case AddrField::Row: row_pos_ = pos; pos += log2_ceil(p.rows()); break;
      case AddrField::Column: pos += log2_ceil(p.columns()); break;
      case AddrField::BG: bank_bit_pos[ba_bits + b.index] = pos++; break;
      case AddrField::BA: bank_bit_pos[b.index] = pos++; break;
    }
  }
  row_mask_ = p.rows() - 1;
  for (uint32_t bp : bank_bit_pos)
    if (bp >= 24) throw std::logic_error("hbm bank model: bank bits must lie in the low 24 beat-address bits");
  auto slow = [&](uint64_t beat) {
    uint32_t b = 0;
    for (size_t i = 0; i < bank_bit_pos.size(); ++i) b |= uint32_t((beat >> bank_bit_pos[i]) & 1) << i;
    return b;
  };
  for (uint32_t v = 0; v < 256; ++v) lo_[v] = uint8_t(slow(v));
  hi_.resize(1 << 16);
  for (uint32_t v = 0; v < (1u << 16); ++v) hi_[v] = uint8_t(slow(uint64_t(v) << 8));
}

}  // namespace skipopu::hbm::detail

#include "skipopu/kv_state.hpp"

namespace skipopu {

void KvState::record(const std::vector<uint64_t>& attn) {
  int16_t last = -1;
  for (uint32_t l = 0; l < layers_; ++l) {
    const bool ran = (attn[l / 64] >> (l % 64)) & 1u;
    int16_t s;
    switch (policy_) {
      case KvPolicy::Dense: s = static_cast<int16_t>(l); break;
      case KvPolicy::Evict: s = ran ? static_cast<int16_t>(l) : -1; break;
      default:
        if (ran) last = static_cast<int16_t>(l);
        s = last;
        break;
    }
    if (s == static_cast<int16_t>(l)) ++stored_;
    src_.push_back(s);
  }
  ++tokens_;
}

bool KvState::stored(uint32_t t, uint32_t l) const { return source(t, l) == static_cast<int32_t>(l); }

}  // namespace skipopu

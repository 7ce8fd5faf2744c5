// KV-cache bookkeeping under the three K/V policies (SKIPOPU.md section 2):
//   dense : every token has an entry at every layer (K/V projections always run);
//   evict : a token has an entry at layer l only if its attention ran at l;
//   reuse : a token that skipped attention at l uses its entry from src(t,l), the most
//           recent layer <= l where its attention ran (none if it never ran yet).
// Holds one small integer per (token, layer): the bookkeeping the model needs, and the
// only state that grows with the trace.
#pragma once
#include <cstdint>
#include <vector>

#include "skipopu/config.hpp"

namespace skipopu {

class KvState {
 public:
  KvState(KvPolicy policy, uint32_t layers) : policy_(policy), layers_(layers) {}

  // Records token t's attention mask (bit l of attn = attention ran at layer l).
  // Tokens are recorded in order 0, 1, 2, ...
  void record(const std::vector<uint64_t>& attn_mask);
  uint32_t tokens() const { return tokens_; }

  // Layer whose entry token t uses at layer l, or -1 if t has no K/V at l.
  int32_t source(uint32_t t, uint32_t l) const {
    return src_[size_t(t) * layers_ + l];
  }
  bool stored(uint32_t t, uint32_t l) const;  // an entry (t, l) was written to HBM
  uint64_t stored_entries() const { return stored_; }
  KvPolicy policy() const { return policy_; }

 private:
  KvPolicy policy_;
  uint32_t layers_;
  uint32_t tokens_ = 0;
  uint64_t stored_ = 0;
  std::vector<int16_t> src_;
};

}  // namespace skipopu

#pragma once
#include <vector>

#include "completion_heap.hpp"
#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm {

class BurstModel final : public Model {
 public:
  explicit BurstModel(const HbmParams& p);
  void submit(const Request& r) override;
  Cycle next_event() const override;
  bool pop_completion(Cycle until, Completion& out) override;
  Cycle now() const override { return now_; }
  void report(StatGroup& into, Cycle end) override;

 private:
  struct Pc {
    Cycle free = 0;
    uint64_t busy = 0, beats = 0, bytes_read = 0, bytes_written = 0, requests = 0, latency_sum = 0;
  };
  HbmParams p_;
  std::vector<Pc> pcs_;
  detail::CompletionQueue heap_;
  Cycle now_ = 0;
  Cycle last_arrival_ = 0;
};

}  // namespace skipopu::hbm

#pragma once
#include <vector>

#include "completion_heap.hpp"
#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm {

class BurstModel final : public Model {
 public:
  explicit BurstModel(const HbmParams& p);
  void submit(const Request& r) override;
  // Lazy when every PC of the stream is fed by one port and every port feeds one PC: the PC's
  // FCFS queue is reserved for the stream's beats at once, and its next request is taken when
  // the one before it completes (its completion comes later: the completion heap needs only one
  // per PC).
  void submit_stream(RequestStream& s) override;
  Cycle next_event() const override;
  bool pop_completion(Cycle until, Completion& out) override;
  Cycle now() const override { return now_; }
  // Early data (hbm_model.hpp): a completion is fixed when its request is taken.
  bool known(uint64_t id, Completion& out) override { return heap_.find(id, out); }
  void report(StatGroup& into, Cycle end) override;

 private:
  struct Pc {
    Cycle free = 0;
    uint64_t busy = 0, beats = 0, bytes_read = 0, bytes_written = 0, requests = 0, latency_sum = 0;
  };
  struct Feed {  // a stream's requests to one PC, taken one at a time
    RequestStream* s = nullptr;  // null: free
    uint32_t port = 0, pc = 0;
    Cycle start = 0;             // the next one's first beat
    uint64_t id = 0;             // the completion in the heap
  };
  void check(const Request& r) const;
  void serve(Pc& pc, const Request& r, Cycle start);
  void take(Feed& f);
  HbmParams p_;
  std::vector<Pc> pcs_;
  std::vector<Feed> feeds_;
  uint32_t nfeeds_ = 0;  // feeds in use
  std::vector<uint32_t> port_pc_, pc_port_;  // submit_stream scratch
  std::vector<uint64_t> pc_beats_;
  detail::CompletionQueue heap_;
  Cycle now_ = 0;
  Cycle last_arrival_ = 0;
};

}  // namespace skipopu::hbm

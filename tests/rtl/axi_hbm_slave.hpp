// AXI slave side of the AXI3 master co-simulation (tb_axi_rd.cpp, tb_axi_wr.cpp): every burst
// the verilated master issues becomes one request to the simulator's own HBM model
// (hbm::make_model, the "bank" model of configs/hbm/u280.json), submitted in the AXI cycle of
// its address handshake; the request's data beats are due linearly between the completion's
// first and last data cycle (the simulator's in-request arrival rule, timing::piece_arrival),
// responses return in address order (one AXI ID), at most one beat per cycle on the port.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/hbm/hbm_model.hpp"
#include "skipopu/timing.hpp"

namespace axi_tb {

// The data of the beat at byte address a (both testbenches check it).
inline uint32_t pattern(uint64_t a, unsigned word) {
  uint64_t x = (a + 0x9e3779b97f4a7c15ull * (word + 1)) * 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  return static_cast<uint32_t>(x);
}

struct Burst {
  uint64_t addr = 0;  // byte address
  unsigned beats = 0;
  uint64_t issued = 0;  // AXI cycle of the address handshake
  bool complete = false;
  uint64_t first = 0, done = 0;  // from the model
  unsigned sent = 0;             // beats delivered (read) / received (write)
};

class HbmSlave {
 public:
  HbmSlave(const skipopu::hbm::HbmParams& p) : p_(p), model_(skipopu::hbm::make_model(p)) {}
  const skipopu::hbm::HbmParams& params() const { return p_; }

  // Address handshake at AXI cycle t.
  void issue(uint64_t addr, unsigned beats, bool write, uint64_t t, uint32_t id) {
    skipopu::hbm::Request r;
    r.id = bursts_.size();
    r.port = 0;
    r.pc = static_cast<uint32_t>(addr / p_.pc_bytes);
    r.addr = addr % p_.pc_bytes;
    r.bytes = uint64_t{beats} * p_.beat_bytes;
    r.write = write;
    r.arrival = t;
    r.axi_id = id;
    model_->submit(r);
    bursts_.push_back({addr, beats, t, false, 0, 0, 0});
  }
  // Completions up to cycle t.
  void advance(uint64_t t) {
    skipopu::hbm::Completion c;
    while (model_->pop_completion(t, c)) {
      Burst& b = bursts_[c.id];
      b.complete = true;
      b.first = c.first_data;
      b.done = c.done;
    }
  }
  // Read: cycle beat k of burst b is due.
  uint64_t due(const Burst& b, unsigned k) const {
    const uint64_t bytes = uint64_t{b.beats} * p_.beat_bytes;
    return skipopu::timing::piece_arrival(b.first, b.done, bytes, uint64_t{k + 1} * p_.beat_bytes, p_.beat_bytes);
  }
  std::vector<Burst>& bursts() { return bursts_; }

  // The same range as ONE request (the simulator's way: a stream per pseudo-channel), on a
  // fresh model, submitted at cycle t0: its first and last data cycles.
  static std::pair<uint64_t, uint64_t> single_request(const skipopu::hbm::HbmParams& p, uint64_t addr, uint64_t beats,
                                                      bool write, uint64_t t0) {
    auto m = skipopu::hbm::make_model(p);
    skipopu::hbm::Request r;
    r.pc = static_cast<uint32_t>(addr / p.pc_bytes);
    r.addr = addr % p.pc_bytes;
    r.bytes = beats * p.beat_bytes;
    r.write = write;
    r.arrival = t0;
    m->submit(r);
    skipopu::hbm::Completion c;
    while (!m->pop_completion(m->next_event(), c)) {
    }
    return {c.first_data, c.done};
  }

 private:
  skipopu::hbm::HbmParams p_;
  std::unique_ptr<skipopu::hbm::Model> model_;
  std::vector<Burst> bursts_;
};

}  // namespace axi_tb

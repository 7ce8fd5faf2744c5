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

#ifndef AXI_TB_NO_SYSTEMC  // tb_processor.cpp drives a --cc model: no SystemC clocking
#include <systemc.h>
#endif

#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/hbm/hbm_model.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/timing.hpp"

namespace axi_tb {

#ifndef AXI_TB_NO_SYSTEMC
// One clock cycle of the testbench: inputs set, clock low (outputs settle and are sampled),
// clock high (the edge).
struct Clocking {
  sc_signal<bool>& clk;
  void settle() {
    clk = false;
    sc_start(1, SC_NS);
  }
  void edge() {
    clk = true;
    sc_start(1, SC_NS);
  }
  void cycles(int n) {
    for (int k = 0; k < n; ++k) {
      settle();
      edge();
    }
  }
};

#endif

// One master command of the test.
struct Cmd {
  const char* name;
  uint64_t addr, beats;
  bool stalls;
};
// Directed: one beat ending a 4 KB page, one full burst, a range across 4 KB boundaries, a
// 4096-beat stream, a 700-beat stream with stalls; then n random ones (1..600 beats anywhere in
// a pseudo-channel, every third with stalls).
inline std::vector<Cmd> commands(const skipopu::hbm::HbmParams& hp, unsigned max_burst, unsigned n,
                                 skipopu::SplitMix64& rng) {
  const uint64_t pc = hp.pc_bytes, BB = hp.beat_bytes;
  std::vector<Cmd> cmds;
  cmds.push_back({"one-beat", 3 * pc + 4096 - BB, 1, false});
  cmds.push_back({"one-burst", 5 * pc, max_burst, false});
  cmds.push_back({"4KB-crossing", 7 * pc + 4096 - 3 * BB, 2 * uint64_t{max_burst} + 5, false});
  cmds.push_back({"long-stream", 11 * pc + 65536, 4096, false});
  cmds.push_back({"long-stalls", 13 * pc + 8192 + 5 * BB, 700, true});
  for (unsigned k = 0; k < n; ++k) {
    const uint64_t p = rng.next() % hp.pseudo_channels;
    const uint64_t off = (rng.next() % (pc / BB - 1024)) * BB;
    cmds.push_back({"random", p * pc + off, 1 + rng.next() % 600, k % 3 == 2});
  }
  return cmds;
}

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
  void issue(uint64_t addr, unsigned beats, bool write, uint64_t t, uint32_t id, uint32_t port = 0) {
    skipopu::hbm::Request r;
    r.id = bursts_.size();
    r.port = port;
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

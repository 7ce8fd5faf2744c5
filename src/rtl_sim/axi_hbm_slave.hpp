// AXI3 slave transactor of one port of the verilated processor (blocks.top "rtl",
// rtl_processor.cpp): every burst the RTL's master issues becomes one job on the top's HBM
// block (HbmIf, its public interface: the same HbmBlock and hbm::Model the SystemC top uses),
// submitted in the core cycle of its address handshake. Read data: a burst's beats, up to two per
// core cycle (the core side of the AXI clock crossing: the HBM port's AXI clock is twice the core
// clock; r* and r2*, the beat after it), in address-handshake order on the port, each no earlier
// than its due cycle: the
// simulator's in-request arrival rule, timing::piece_arrival (what the SystemC blocks use for
// K/V entries and weight tiles), between the burst's first and last data, which the HBM block
// gives as soon as its model has fixed them (HbmIf::data_known: for the bank model once the
// burst's last column command has issued, about 40 AXI cycles before its first data); a beat
// due before its burst was known goes when it is known (counted: known_late). The last beat
// waits for the job's completion too (its due cycle is the last data's). Write: the response
// once the job is done and the last W beat has been taken (the cycle after it at the earliest).
//
// Models: the slave side of AR, R, AW, W, B on one port (ready always high on AR, AW, W),
// one HBM request per burst (the DRAM sees the RTL's bursts, not the SystemC engines' merged
// per-pseudo-channel requests).
// Abstracts away: read-data interleaving (responses in handshake order whatever their ID), the
// data values (a pattern of the address), error responses, the AXI clock (core cycles: the HBM
// block converts).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "skipopu/hbm_block.hpp"
#include "skipopu/timing.hpp"

namespace skipopu {

class AxiHbmSlave {
 public:
  // Port `port` on pseudo-channels of pc_bytes each; one beat is beat_bytes.
  AxiHbmSlave(HbmIf& hbm, uint32_t pcs, uint64_t pc_bytes, uint32_t beat_bytes)
      : hbm_(hbm), pcs_(pcs), pc_bytes_(pc_bytes), beat_(beat_bytes) {}

  // What the slave drives in cycle `now`.
  struct Out {
    bool rvalid = false, rlast = false, bvalid = false;
    uint32_t rid = 0, bid = 0;
    uint64_t raddr = 0;  // the read beat's byte address (its data pattern)
    bool r2valid = false, r2last = false;  // the second lane: the beat after it, due too
    uint32_t r2id = 0;
    uint64_t r2addr = 0;
  };
  // Before outputs(now): which read bursts' data times are fixed by now (HbmIf::data_known).
  void poll(uint64_t now) {
    for (size_t k : rd_) {
      Burst& b = jobs_[k];
      if (b.known) continue;
      if (!b.job.busy()) {
        b.first = b.job.first;
        b.done = b.job.done;
      } else if (!hbm_.data_known(b.job, b.first, b.done)) {
        continue;
      }
      b.known = true;
      if (due(b) < now) ++known_late_;
    }
  }
  Out outputs(uint64_t now) const {
    Out o;
    if (!rd_.empty()) {
      const Burst& b = jobs_[rd_.front()];
      if (ready(b, b.sent, now)) {
        o.rvalid = true;
        o.rlast = b.sent + 1 == b.beats;
        o.rid = b.id;
        o.raddr = b.addr + uint64_t{b.sent} * beat_;
        // the next beat: of this burst, or the next burst's first
        const Burst* n = o.rlast ? (rd_.size() > 1 ? &jobs_[rd_[1]] : nullptr) : &b;
        const uint32_t k = o.rlast ? 0 : b.sent + 1;
        if (n && ready(*n, k, now)) {
          o.r2valid = true;
          o.r2last = k + 1 == n->beats;
          o.r2id = n->id;
          o.r2addr = n->addr + uint64_t{k} * beat_;
        }
      }
    }
    if (!wr_.empty()) {
      const Burst& b = jobs_[wr_.front()];
      if (b.got == b.beats && !b.job.busy() && now > b.last_w) {
        o.bvalid = true;
        o.bid = b.id;
      }
    }
    return o;
  }
  // Handshakes at the edge ending cycle `now` (an address handshake submits its burst now).
  // Returns false on a protocol error (a W beat before its address, wlast misplaced).
  void read_address(uint64_t addr, unsigned beats, uint32_t id, Traffic t) { rd_.push_back(submit(addr, beats, id, false, t)); }
  void write_address(uint64_t addr, unsigned beats, uint32_t id) { wr_.push_back(submit(addr, beats, id, true, Traffic::KvWrite)); }
  void read_beat() {  // rvalid && rready, then r2valid && r2ready (taken with it)
    Burst& b = jobs_[rd_.front()];
    ++rd_beats_;
    if (++b.sent == b.beats) {
      free_.push_back(rd_.front());
      rd_.pop_front();
    }
  }
  bool write_beat(uint64_t now, bool wlast) {  // wvalid (wready is always high)
    for (size_t k : wr_) {
      Burst& b = jobs_[k];
      if (b.got < b.beats) {
        ++b.got;
        ++wr_beats_;
        b.last_w = now;
        return wlast == (b.got == b.beats);
      }
    }
    return false;
  }
  void write_response() {  // bvalid && bready
    free_.push_back(wr_.front());
    wr_.pop_front();
  }
  bool idle() const { return rd_.empty() && wr_.empty(); }
  uint64_t rd_bursts() const { return rd_bursts_; }
  uint64_t wr_bursts() const { return wr_bursts_; }
  uint64_t rd_beats() const { return rd_beats_; }
  uint64_t wr_beats() const { return wr_beats_; }
  uint64_t known_late() const { return known_late_; }

 private:
  struct Burst {
    HbmJob job;
    uint64_t addr = 0;
    uint32_t id = 0, beats = 0, sent = 0, got = 0;
    uint64_t last_w = 0;
    bool known = false;          // first and done are fixed (HbmIf::data_known)
    uint64_t first = 0, done = 0;  // its first and last data (core cycles)
  };
  // Beat k of b is due: the piece_arrival of its last byte.
  uint64_t due(const Burst& b, uint32_t k) const {
    const uint64_t bytes = uint64_t{b.beats} * beat_;
    return timing::piece_arrival(b.first, b.done, bytes, uint64_t{k + 1} * beat_, beat_);
  }
  uint64_t due(const Burst& b) const { return due(b, b.sent); }
  // Beat k of b can go in cycle now: its burst known, the beat due, the last one after the job.
  bool ready(const Burst& b, uint32_t k, uint64_t now) const {
    return b.known && now >= due(b, k) && (k + 1 < b.beats || !b.job.busy());
  }
  size_t submit(uint64_t addr, unsigned beats, uint32_t id, bool write, Traffic t) {
    size_t k;
    if (!free_.empty()) {
      k = free_.back();
      free_.pop_back();
    } else {
      k = jobs_.size();
      jobs_.emplace_back();
    }
    Burst& b = jobs_[k];
    b.job.init(pcs_, t);
    b.job.reqs.clear();
    b.job.reqs.add(static_cast<uint32_t>(addr / pc_bytes_), addr % pc_bytes_, uint64_t{beats} * beat_, write);
    b.addr = addr;
    b.id = id;
    b.beats = beats;
    b.sent = b.got = 0;
    b.last_w = 0;
    b.known = false;
    hbm_.submit(b.job);
    ++(write ? wr_bursts_ : rd_bursts_);
    return k;
  }

  HbmIf& hbm_;
  uint32_t pcs_;
  uint64_t pc_bytes_;
  uint32_t beat_;
  std::deque<Burst> jobs_;  // stable addresses (HbmJob holds an event)
  std::vector<size_t> free_;
  std::deque<size_t> rd_, wr_;  // bursts in handshake order
  uint64_t rd_bursts_ = 0, wr_bursts_ = 0, rd_beats_ = 0, wr_beats_ = 0, known_late_ = 0;
};

}  // namespace skipopu

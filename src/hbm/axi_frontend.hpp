// AXI front end: a decorator of any hbm::Model (burst or bank) that adds what the AXI side of
// the U280 HBM subsystem imposes before a request reaches a controller and after its data
// leaves it. make_model() wraps the model in it when the preset's "axi" section asks for it
// (HbmParams::axi_front_end()); every user (hbm-bench, the SystemC HbmBlock) gets it unchanged.
//
// Models (per AXI port, reads and writes separately, as AXI has separate AR and AW channels):
//   - the address channel as an in-order queue: a transaction that may not issue blocks the
//     ones behind it on the same channel (head of line);
//     Heads due at the same cycle issue in submit order, one at a time, so that with nothing
//     held the inner model sees exactly the caller's submit sequence;
//   - the outstanding limit: at most axi.max_outstanding_reads / _writes transactions issued
//     and not yet responded (0: unlimited);
//   - AXI response ordering (axi.id_ordering per_id_in_order or single_slave_per_id): the
//     responses of one (port, direction, ID) return in issue order. A response the inner
//     model finishes early is held until every earlier one of its ID has returned; a read then
//     takes its beats on the ID's read-data stream after the previous one:
//       first' = max(first, P + 1), done' = max(done, P + beats)   (P = previous done' of the ID)
//     and a write response comes at least one cycle after the previous one: done' = max(done, P + 1);
//   - the switch's single-slave-per-ID rule (axi.id_ordering single_slave_per_id): a
//     transaction whose ID has transactions outstanding to a different pseudo-channel waits
//     until they have all responded (PG310: the hardened AXI3 switch lets a master have
//     outstanding transactions of one ID with only one slave);
//   - a response at cycle t frees its slot and its ID for an issue at t + axi.release_cycles.
// Abstracts away: the AXI handshakes themselves (an issue takes no cycle here; the inner model
// already paces a port at one burst address per cycle), read-data interleaving between
// different IDs of one port (responses of different IDs do not share the port's R channel
// here), write data (W) beats, and arbitration between ports inside the switch (left to the
// inner model's port and lateral-link stage).
//
// Protocol (hbm_model.hpp) and causality: requests are handed to the inner model in
// nondecreasing arrival order and never before inner.now(). Every internal event (a queue
// head to evaluate, a slot freed by a response) is processed in time order, and while any
// queue head is blocked the inner model is stepped only to min(until, next internal event,
// inner.next_event()), so it never runs past a cycle at which a blocked request could still
// be released. With id_ordering none and no limits every completion equals the inner model's
// (tests/hbm/test_axi_frontend.cpp).
#pragma once
#include <memory>
#include <vector>

#include "completion_heap.hpp"
#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm {

class AxiFrontEnd final : public Model, private RequestStream::Hook, private CompletionSink {
 public:
  // direct: take the inner model's completions as it fixes them (Model::set_sink), where it
  // supports that, instead of popping each; the results are the same (tests/hbm/test_axi_frontend.cpp).
  AxiFrontEnd(const HbmParams& p, std::unique_ptr<Model> inner, bool direct = true);
  bool direct() const { return direct_; }
  void submit(const Request& r) override;
  // When submit() would issue every request of the stream at once (nothing queued or blocked,
  // no outstanding limit, single_slave_per_id: each ID of the stream to one PC, the one its
  // outstanding transactions go to), the stream goes on to the inner model, which takes each
  // request when it needs it; each gets its slot then, and its place in its ID's response
  // order is held meanwhile by a marker slot (the stream's requests of that ID not yet taken).
  // Otherwise every request is submitted now.
  void submit_stream(RequestStream& s) override;
  Cycle next_event() const override;
  bool pop_completion(Cycle until, Completion& out) override;
  Cycle now() const override { return now_; }
  // Early data (hbm_model.hpp): a response already returned (final), or an issued one whose
  // inner completion is known, with the ID's ordering applied as on_inner_completion will
  // (every earlier response of its ID known too); else false.
  void keep_known() override { inner_->keep_known(); }
  // The inner model's port stage (this front end's own holds, an ID waiting for another PC, not
  // counted: none with one PC a port).
  Cycle command_start(uint32_t port, bool write, Cycle arrival) const override {
    return inner_->command_start(port, write, arrival);
  }
  void bursts_at_handshakes() override { inner_->bursts_at_handshakes(); }
  bool known(uint64_t id, Completion& out) override;
  void report(StatGroup& into, Cycle end) override;

 private:
  static constexpr uint32_t kNone = ~0u;
  struct Slot {              // one transaction from submit to response
    Request r;               // as the caller gave it
    uint64_t seq = 0;        // submit order: heads due at one cycle issue in it
    uint64_t beats = 0;
    Completion raw;          // the inner model's completion, while held
    uint32_t lane = 0;       // port * 2 + write
    uint32_t id_index = 0;   // lane * ids_per_port + axi_id
    uint32_t next = kNone;   // next issued transaction of the same ID (ordering list)
    bool has_raw = false;
    bool live = false;       // a transaction from new_slot to deliver (not a marker)
    bool stalled = false;    // counted once in the stall statistics
    uint64_t marker = 0;     // a streamed ID's marker: requests of it not yet taken (0: a transaction)
  };
  struct IdState {
    uint32_t outstanding = 0;       // issued, slot not yet freed
    uint32_t pc = 0;                // their pseudo-channel
    uint32_t head = kNone, tail = kNone;  // issued, response not yet returned, in issue order
    Cycle last_done = 0;            // done' of the last response returned
    bool any = false;
    uint32_t marker = kNone;        // ordering list: a stream's marker slot
    // Lazy frees (lazy_frees_): the cycles at which this ID's returned responses free their
    // slots, not yet applied to `outstanding` (increasing: one ID's responses return in order).
    std::vector<Cycle> frees;
    uint32_t frees_head = 0;
  };
  struct Lane {                     // one address channel: queued transactions in order
    std::vector<uint32_t> ring;     // power-of-two ring of slot indices
    uint32_t head = 0, size = 0;
    uint32_t inflight = 0;
    bool blocked = false;
  };
  struct Timed {
    Cycle t;
    uint64_t seq;  // the head's submit order
    uint32_t a, b;
  };
  struct Later {
    bool operator()(const Timed& x, const Timed& y) const {
      return x.t != y.t ? x.t > y.t : x.seq != y.seq ? x.seq > y.seq : (x.a != y.a ? x.a > y.a : x.b > y.b);
    }
  };

  void check(const Request& r) const;
  void taken(Request& r, uint64_t index) override;
  uint32_t alloc_slot();
  uint32_t new_slot(const Request& r, uint64_t seq);
  void lane_push(Lane& l, uint32_t s);
  bool may_issue(const Slot& sl);
  void settle(IdState& st);
  void go_eager();
  void issue(uint32_t s, Cycle t);
  void evaluate(Cycle t, uint32_t lane);
  void schedule_head(uint32_t lane, Cycle not_before);
  void free_slot_event(const Completion& f);
  void on_inner_completion(const Completion& c);
  void on_completion(const Completion& c) override { on_inner_completion(c); }
  static void in_id_order(const Slot& x, bool any, Cycle last, Cycle& first, Cycle& done);
  void deliver(uint32_t s, Cycle first, Cycle done);
  static void heap_push(std::vector<Timed>& h, const Timed& x);
  static Timed heap_pop(std::vector<Timed>& h);

  HbmParams p_;
  std::unique_ptr<Model> inner_;
  bool ordered_ = false, single_slave_ = false;
  bool direct_ = false;  // the inner model hands its completions over (set_sink)
  // Ordered and no outstanding limits: a freed slot only lowers its ID's count (read only by
  // the single-slave check), so frees wait in their ID's list instead of freeq_ and are applied
  // when the count is read (those due by inner_now_, as freeq_ would have applied them). The
  // first blocked head moves them all to freeq_ for good (a blocked lane wakes at each free).
  bool lazy_frees_ = false;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<Lane> lanes_;
  std::vector<IdState> ids_;
  std::vector<Timed> evalq_;   // (cycle, head's seq, lane): a lane head to evaluate
  detail::CompletionQueue freeq_;  // done: the cycle a response frees its slot and ID; id: lane << 32 | id index
  detail::CompletionQueue outq_;   // responses, by (done, caller's id)
  uint32_t nblocked_ = 0;
  Cycle now_ = 0, inner_now_ = 0, last_arrival_ = 0;
  uint64_t seq_ = 0;
  RequestStream* passing_ = nullptr;  // the stream passed to the inner model, until all taken
  uint64_t passing_left_ = 0, passing_seq_ = 0;  // its requests not yet taken; its first's seq
  std::vector<uint64_t> id_count_;   // submit_stream scratch: per ID, its requests in the stream
  std::vector<uint32_t> id_pc_;
  // statistics
  uint64_t issued_ = 0, held_ = 0, id_stalls_ = 0, limit_stalls_ = 0, wait_cycles_ = 0;
};

}  // namespace skipopu::hbm

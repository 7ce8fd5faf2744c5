// HBM timing-model interface, shared by every HBM model and by the SystemC HBM block.
//
// A model is a plain C++ discrete-event engine over one HBM stack set (all pseudo-
// channels and AXI ports). It works in AXI port-clock cycles (the clock of the 256-bit
// ports, 450 MHz on the U280); any device clock (tCK) lives inside the model. The SystemC
// wrapper (include/skipopu/hbm_block.hpp) converts to and from the core clock exactly.
//
// Protocol (DRAMSys-like: the engine computes the time of its next event, the wrapper
// sleeps until then, no idle cycle is ever ticked):
//   submit(r)            r.arrival must be >= every earlier arrival and >= now().
//   submit_stream(s)     the same for every request of a RequestStream in order, all at
//                        s.arrival(); the model takes each when it needs it (bounded memory).
//   next_event()         earliest cycle at which a submitted request may complete,
//                        given what was submitted so far (kNever if nothing pending).
//   pop_completion(t,c)  advances the engine to cycle t (t <= the next submit's arrival)
//                        and returns completed requests with done <= t, one per call,
//                        in order of done (ties by id). A model may leave channels that
//                        cannot complete anything by t behind and catch them up later.
// A request may span many bursts and many rows inside one pseudo-channel; models are
// free to compute such streams in closed form when that is exact.
#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "skipopu/stats.hpp"

namespace skipopu::hbm {

using Cycle = uint64_t;  // AXI port-clock cycles
constexpr Cycle kNever = std::numeric_limits<Cycle>::max();

struct Request {
  uint64_t id = 0;       // caller's tag, returned in the completion
  uint32_t port = 0;     // AXI port that issues it
  uint32_t pc = 0;       // target pseudo-channel
  uint64_t addr = 0;     // byte address inside the pseudo-channel
  uint64_t bytes = 0;    // > 0; split by the model into AXI bursts
  bool write = false;
  Cycle arrival = 0;     // cycle the request is presented at the port
  uint32_t axi_id = 0;   // AXI transaction ID on that port: responses of one ID return in order
};

struct Completion {
  uint64_t id = 0;
  Cycle arrival = 0;     // the request's arrival, echoed (callers need no lookup for latency)
  Cycle first_data = 0;  // cycle the first data beat transfers
  Cycle done = 0;        // cycle the last beat transfers (read) or the write is acknowledged
};

// A long job's requests made on demand, in submit order (the prefill's embedding lookup:
// hundreds of thousands of requests that are never held whole). port, pc, addr, bytes, write
// and axi_id are set; id and arrival are the stream's.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual void rewind() = 0;              // back to the first request
  virtual bool next(Request& r) = 0;      // the next one; false after the last
};

// One streamed submission (Model::submit_stream): the requests of a source, with the ids
// first_id, first_id + 1, ... in submit order, all arriving at one cycle. A model takes them
// port by port (each port's requests in submit order) when it needs them; requests of other
// ports made on the way wait in a per-port buffer. Owned by the caller, alive and untouched
// until every request of it has completed.
class RequestStream {
 public:
  // A front end that passes the stream to an inner model sees each request as it is taken
  // (it gives it its own id there).
  class Hook {
   public:
    virtual void taken(Request& r, uint64_t index) = 0;

   protected:
    ~Hook() = default;
  };

  // Binds a source (rewound) and counts its requests.
  void reset(RequestSource& src, uint64_t first_id, Cycle arrival);
  uint64_t size() const { return size_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t first_id() const { return first_id_; }
  Cycle arrival() const { return arrival_; }
  uint32_t ports() const { return uint32_t(bufs_.size()); }  // 1 + the largest port
  uint64_t left(uint32_t port) const { return port < bufs_.size() ? bufs_[port].left : 0; }
  void set_hook(Hook* h) { hook_ = h; }
  // f(request) for every request in submit order, the stream left as it was. Only before
  // anything is taken (a model sizes its lazy state from it when the stream is submitted).
  template <class F>
  void scan(F&& f) {
    src_->rewind();
    Request r;
    for (uint64_t k = 0; src_->next(r); ++k) {
      r.id = first_id_ + k;
      r.arrival = arrival_;
      f(static_cast<const Request&>(r));
    }
    src_->rewind();
  }
  // The next request of `port` (false: none left) and its index in submit order (id before
  // a hook changes it). One call per request, never per burst.
  bool next(uint32_t port, Request& r, uint64_t& index);
  // The next request in submit order: a model that takes the whole stream at once, before
  // anything was taken port by port.
  bool next_in_order(Request& r, uint64_t& index);

 private:
  struct Buf {  // requests of one port made while looking for another port's
    std::vector<Request> ring;  // power of two
    size_t head = 0, n = 0;
    uint64_t left = 0;          // not yet taken
  };
  bool make(Request& r);
  void hooked(Request& r, uint64_t& index);
  RequestSource* src_ = nullptr;
  Hook* hook_ = nullptr;
  uint64_t first_id_ = 0, size_ = 0, bytes_ = 0, made_ = 0;
  Cycle arrival_ = 0;
  std::vector<Buf> bufs_;
};

// Receives a model's completions as soon as each is final (Model::set_sink): each once, its
// first data and done fixed, in no set order across requests (done may be in the future).
class CompletionSink {
 public:
  virtual void on_completion(const Completion& c) = 0;

 protected:
  ~CompletionSink() = default;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual void submit(const Request& r) = 0;
  // Every request of `s` (not empty) at s.arrival(), with the results of submit() of each in
  // submit order. The default takes them all now; a model that keeps each port's requests in
  // order may take a port's next one only when it needs it (bounded memory for a long job).
  virtual void submit_stream(RequestStream& s) {
    Request r;
    uint64_t k;
    while (s.next_in_order(r, k)) submit(r);
  }
  virtual Cycle next_event() const = 0;
  virtual bool pop_completion(Cycle until, Completion& out) = 0;
  // Early data, for a caller that hands a read's data on as the DRAM delivers them (the AXI
  // slave transactor of blocks.top=rtl, src/rtl_sim/axi_hbm_slave.hpp): after keep_known(),
  // known(id, c), called after pop_completion(t), says whether request `id`'s completion is
  // already fixed though not yet popped (its first and last data final, perhaps still to come)
  // and gives it. A model that cannot tell says false until it pops the completion (the
  // default). keep_known() may change how a model advances, never its results.
  virtual void keep_known() {}
  virtual bool known(uint64_t id, Completion& out) {
    (void)id;
    (void)out;
    return false;
  }
  // Direct completion path (for a decorator such as the AXI front end): a model that supports
  // it (true) hands each completion to `sink` once it is final instead of queueing it for
  // pop_completion. pop_completion(until) still advances the model (and hands on what it fixes
  // then), and next_event() still counts a handed completion until a pop_completion reaches its
  // done, so a caller polls as it would without the sink. Results are the same either way.
  virtual bool set_sink(CompletionSink* sink) {
    (void)sink;
    return false;
  }
  virtual Cycle now() const = 0;
  // The design's AXI masters (HbmParams::master_command_gap): the AXI cycle at which a request
  // of `port` arriving at `arrival`, submitted next, would send its first burst address, i.e.
  // when the port's master takes it (a client that holds its next request until then: EMBED's
  // one request a port, docs/rtl.md step 22). The default has no port stage: `arrival`.
  virtual Cycle command_start(uint32_t port, bool write, Cycle arrival) const {
    (void)port;
    (void)write;
    return arrival;
  }
  // A caller whose every request is one burst submitted at its own address handshake (the
  // blocks.top=rtl slave transactor, behind the design's own masters): call once, before any
  // submit; the model then adds no master command gap (the masters' gaps are in those cycles).
  virtual void bursts_at_handshakes() {}
  // Per-pseudo-channel and total statistics (bytes, busy cycles, row hits, refreshes...),
  // with every channel processed up to the last pop_completion time (not const: a model may
  // defer work on channels that cannot complete anything yet, and finishes it here).
  virtual void report(StatGroup& into, Cycle end) = 0;
};

}  // namespace skipopu::hbm

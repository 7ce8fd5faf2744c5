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

class Model {
 public:
  virtual ~Model() = default;
  virtual void submit(const Request& r) = 0;
  virtual Cycle next_event() const = 0;
  virtual bool pop_completion(Cycle until, Completion& out) = 0;
  virtual Cycle now() const = 0;
  // Per-pseudo-channel and total statistics (bytes, busy cycles, row hits, refreshes...),
  // with every channel processed up to the last pop_completion time (not const: a model may
  // defer work on channels that cannot complete anything yet, and finishes it here).
  virtual void report(StatGroup& into, Cycle end) = 0;
};

}  // namespace skipopu::hbm

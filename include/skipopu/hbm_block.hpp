// HbmBlock: the U280's HBM (all pseudo-channels and AXI ports) as one SystemC module.
//
// Models: the clock-domain crossing between the core and the AXI clock, and the memory
// timing through an hbm::Model engine ("burst" or "bank", see include/skipopu/hbm/).
// Clients hand it an HbmJob (a list of per-pseudo-channel requests built with the
// MemoryMap); the block submits them at the current cycle (or a job's requests in parts over
// several cycles, submit_part: the attention's K/V walk) and notifies the job's event when
// the last one completes. Like DRAMSys' controller, its thread sleeps until the
// engine's next event or a new submission; it never ticks idle cycles.
// Abstracts away: the AXI handshake signals (a pin-level transactor would sit between
// this interface and a verilated HBM controller).
#pragma once
#include <array>
#include <memory>
#include <systemc>
#include <vector>

#include "skipopu/block_interfaces.hpp"
#include "skipopu/hbm/hbm_model.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/recorder.hpp"
#include "skipopu/sim_clock.hpp"

namespace skipopu {

// Traffic classes, for the bytes-moved report.
enum class Traffic : uint8_t { Weights, Embedding, KvRead, KvWrite, KvPrefetch, RouterWeights, Count };
const char* to_string(Traffic t);

// When one request of a job delivered its first and its last data (core cycles).
struct RequestArrival {
  uint64_t first = 0, done = 0;
};

// A request of a job submitted one by one (submit_next) whose data is known: its index in the
// job, its first and last data (core cycles).
struct CompletedRequest {
  uint32_t index = 0;
  uint64_t first = 0, done = 0;
};

struct HbmJob {
  HbmJob() = default;
  HbmJob(const HbmJob&) = delete;
  HbmJob& operator=(const HbmJob&) = delete;
  void init(uint32_t pcs, Traffic t) { reqs.reset_pcs(pcs); traffic = t; }
  RequestList reqs;        // filled by the client, then submitted
  hbm::RequestStream stream;  // a streamed job's requests (HbmBlock::submit_stream)
  Traffic traffic = Traffic::Weights;
  // The program instruction the job belongs to (timeline only); kNoInstr: the instruction
  // the controller executes when the job is submitted.
  static constexpr uint32_t kNoInstr = UINT32_MAX;
  uint32_t instr = kNoInstr;
  uint32_t outstanding = 0;
  uint32_t staged = 0;  // requests of a job submitted in parts (submit_part) not yet submitted
  uint64_t submitted_at = 0;  // core cycle
  uint64_t first_id = 0;      // the HBM model's id of its first request
  uint64_t first = 0;      // core cycle the first data of every request is visible (max)
  uint64_t done = 0;       // core cycle the whole job is visible
  // Per request (index in reqs), recorded when track_requests is set: K/V reads, whose
  // consumer follows the data entry by entry (PeArray::attention).
  bool track_requests = false;
  std::vector<RequestArrival> arrivals;
  // A job submitted with submit_next: with log_completions, each request's arrival is appended
  // to `completed` as the block collects it (the client drains it: EMBED's activation buffer).
  bool log_completions = false;
  uint32_t submitted_requests = 0;
  std::vector<CompletedRequest> completed;
  sc_core::sc_event finished;
  bool busy() const { return outstanding > 0 || staged > 0; }
};

// The crossing between the config's core clock and its HBM preset's AXI clock.
ClockCrossing core_axi_crossing(const HardwareConfig& c);

class HbmBlock : public sc_core::sc_module, public HbmIf {
 public:
  HbmBlock(sc_core::sc_module_name name, std::unique_ptr<hbm::Model> model, const CoreClock& clk,
           ClockCrossing xing);

  // HbmIf: submit a job at the current core cycle; block until a job has completed.
  void submit(HbmJob& job) override;
  void submit_part(HbmJob& job, size_t begin, size_t end) override;
  void wait_for(HbmJob& job) override;
  void keep_known() override { model_->keep_known(); }
  void bursts_at_handshakes() override { model_->bursts_at_handshakes(); }
  uint64_t command_start(uint32_t port, bool write, uint64_t now) override;
  bool data_known(HbmJob& job, uint64_t& first, uint64_t& done) override;
  // The same submission with the requests made by `src` in order (job.reqs stays unused; no
  // track_requests): same ids, order and cycle as submit() of the whole list, so the same
  // results, but the HBM model takes each request only when it needs it (a port's next once
  // the one before it has moved on, hbm::Model::submit_stream), so a long job (the prefill's
  // embedding lookup, one request per row piece) is never held whole. While not recording a
  // timeline its requests take no slot either (one id range per job). `src` stays alive and
  // untouched until the job has completed.
  void submit_stream(HbmJob& job, hbm::RequestSource& src);
  // A job made one request at a time, each at the current core cycle (EMBED: one a core cycle,
  // as the generated processor takes its er_* stream; docs/rtl.md step 19), never held whole:
  // `first` for its first request, `more` while requests are still to come (until the last the
  // job is not done). Never tracks requests.
  void submit_next(HbmJob& job, hbm::Request r, bool first, bool more);

  uint64_t bytes(Traffic t) const { return bytes_[static_cast<size_t>(t)]; }
  uint64_t requests() const { return requests_; }
  void report(StatGroup& g, uint64_t end_core_cycle) const;

  // Timeline (recorder.hpp): slices of jobs submitted while recording go to `out`, tagged with
  // the controller's current instruction and token. Off (nullptr) by default.
  void record_into(std::vector<HbmSlice>* out, uint32_t pcs);
  void set_recording(bool on) { recording_ = on && rec_ != nullptr; }
  void set_tag(uint32_t instr, uint32_t token) {
    tag_instr_ = instr;
    tag_token_ = token;
  }

 private:
  void run();
  // Pops the model's completions up to AXI cycle `until` into their jobs.
  void collect(uint64_t until);
  void start(HbmJob& job);
  void submit_one(HbmJob& job, hbm::Request& r);
  void finish(HbmJob& job, uint64_t bytes);
  uint64_t stream_arrival_ = 0;  // AXI cycle of the job being submitted
  uint32_t stream_index_ = 0;    // index of its next request
  // A job streamed while not recording takes no slots (a long one would double the table
  // up to its length): its requests have the consecutive ids [first, end).
  struct Range {
    uint64_t first, end;
    HbmJob* job;
  };
  std::vector<Range> ranges_;
  std::unique_ptr<hbm::Model> model_;
  const CoreClock& clk_;
  ClockCrossing xing_;
  sc_core::sc_event submitted_;
  // Request id -> job. Ids are sequential; the table is a power of two and doubles when an
  // id would land on a slot still in flight.
  struct Slot {
    uint64_t id = 0;
    HbmJob* job = nullptr;
    uint32_t index = 0;  // the request's index in the job
    int64_t rec = -1;  // index of the timeline slice, or -1
  };
  std::vector<Slot> slots_;
  void grow();
  uint64_t next_id_ = 0;
  std::array<uint64_t, static_cast<size_t>(Traffic::Count)> bytes_{};
  uint64_t requests_ = 0;
  std::vector<HbmSlice>* rec_ = nullptr;
  bool recording_ = false;
  uint32_t tag_instr_ = 0, tag_token_ = 0;
  std::vector<int64_t> pc_slice_;  // per pseudo-channel: this job's slice, or -1
};

}  // namespace skipopu

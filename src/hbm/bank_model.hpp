// "bank" model: bank-level HBM2 pseudo-channels behind AXI ports and the switch.
// See docs/hbm.md for the semantics. The engine (this file) owns the queues and the event
// loop; each concern lives in its own unit:
//   address_map   beat -> bank, row (any bit order)
//   timing_table  the declarative constraint table; TimingChecker (detailed) and
//                 TimingRegisters (fast), both built from it
//   scheduler     the command policy (fcfs, frfcfs, frfcfs_cap; page policy; per-bank refresh)
//   refresh       (in the engine loop) all-bank REF every tREFI or REFsb every tREFI / banks
//   port_stage    AXI ports, the switch and its lateral links
//   completion_heap  completion ordering
// Per pseudo-channel: ingress of AXI bursts into a read and a write queue, per direction (in
// order per port; a read waiting for room does not hold a write, nor a write a read), each burst
// served beat by beat (one column command per beat) as the policy picks, write drain by
// watermarks (bounded by an optional starvation limit), separate row-command and
// column-command buses.
// Two paths, identical results (tests/hbm/test_bank_equivalence.cpp):
//   detailed (simulator.fast_path=false): per step, every bank's view from a full scan of the
//     queue, earliest times from the TimingChecker;
//   fast: per-(mode, bank) age-ordered lists of pending beats with hit counts kept
//     incrementally, views only for banks with work, TimingRegisters.
// Lazy channels: a PC is advanced only when it may complete something by the time popped.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "address_map.hpp"
#include "completion_heap.hpp"
#include "edge_table.hpp"
#include "key_index.hpp"
#include "port_stage.hpp"
#include "scheduler.hpp"
#include "skipopu/hbm/hbm_config.hpp"
#include "timing_table.hpp"

namespace skipopu::hbm {

class BankModel final : public Model {
 public:
  explicit BankModel(const HbmParams& p);
  void submit(const Request& r) override;
  // Fast path, each port of the stream to one PC on its own switch: a port's requests wait in
  // the stream behind a marker in their lane (same order, same sequence numbers, the port's
  // AXI cycles reserved at once) and each is taken into a slot when the lane's head reaches it
  // (or when its PC has at most four requests open and waiting in all). Otherwise all now.
  void submit_stream(RequestStream& s) override;
  Cycle next_event() const override;
  bool pop_completion(Cycle until, Completion& out) override;
  Cycle now() const override { return now_; }
  void report(StatGroup& into, Cycle end) override;

  // Device-cycle <-> AXI-cycle conversions (exact, rounding up).
  uint64_t to_dev(Cycle axi) const {
    return p_.dev_den == 1 ? axi * p_.dev_num : (axi * p_.dev_num + p_.dev_den - 1) / p_.dev_den;
  }
  Cycle to_axi(uint64_t dev) const {
    return num_shift_ >= 0 ? (dev * p_.dev_den + p_.dev_num - 1) >> num_shift_
                           : (dev * p_.dev_den + p_.dev_num - 1) / p_.dev_num;
  }
  // The last device cycle d >= 0 with to_axi(d) + lat <= until (-1: none), at most
  // kNoBound - 1: a PC whose completion bound is above it completes nothing by `until`.
  detail::T last_dev_by(Cycle until, Cycle lat) const;
  static constexpr detail::T kNoBound = INT64_MAX;  // a completion bound: nothing open

  // Command trace for directed tests (device cycles). Off unless enabled; not on hot paths.
  using Cmd = detail::Cmd;
  struct TraceCmd {
    uint64_t t;
    uint32_t pc;
    Cmd cmd;
    uint32_t bank;
    uint32_t row;
  };
  void enable_trace(bool on) { trace_on_ = on; }
  const std::vector<TraceCmd>& trace() const { return trace_; }
  // Lazy pseudo-channels (default): pop_completion advances only the PCs that may complete a
  // request by the time popped. Off: every PC with an event before it (for tests: same results).
  void set_lazy(bool on) { lazy_ = on; }
  // Early data (hbm_model.hpp): every PC is advanced at each pop (as without set_lazy), so a
  // request's completion is known once its last column command has issued; a read crossing
  // switches only when popped (its link stage runs in done order).
  void keep_known() override { early_ = true; }
  bool known(uint64_t id, Completion& out) override { return heap_.q.find(id, out); }
  Cycle command_start(uint32_t port, bool write, Cycle arrival) const override {
    return ports_.start(port, write, arrival);
  }
  void bursts_at_handshakes() override { ports_.drop_gap(); }
  bool set_sink(CompletionSink* sink) override {
    heap_.sink = sink;
    return true;
  }

  // Stream extrapolation (fast path, simulator.stream_extrapolation; src/hbm/stream_memo.cpp):
  // how much work was replayed from the memo instead of simulated. Not part of report() (the
  // report is the same with and without extrapolation).
  uint64_t extrapolated_jumps() const { return x_jumps_; }
  uint64_t extrapolated_bursts() const { return x_bursts_; }
  size_t extrapolation_states() const { return x_nodes_.size(); }
  size_t extrapolation_refresh_edges() const { return x_redges_.size(); }
  size_t extrapolation_refresh_drains() const { return x_rdrains_.size(); }  // drain edges across a refresh, known
  uint64_t extrapolated_refreshes() const { return x_refreshes_; }  // refreshes replayed on refresh edges
  uint64_t extrapolated_completions() const { return x_completions_; }  // requests completed on edges
  uint64_t drain_completions() const { return x_drain_completions_; }    // ... of them on drain edges
  uint64_t extrapolated_skips() const { return x_skips_; }  // steps over kXSkip edges at once
  uint64_t extrapolated_short_skips() const { return x_short_skips_; }  // ... over kXSkipLen[0] edges
  uint64_t extrapolated_drains() const { return x_drains_; }  // runs drained in one step
  uint64_t extrapolated_refresh_drains() const { return x_ref_drains_; }  // ... of them across a refresh
  // drains stood before while another PC recorded the same one (x_follow)
  uint64_t followed_drains() const { return x_followed_; }
  // walks that went on from a request's last burst into the next request of its lane (x_cross)
  uint64_t extrapolated_crossings() const { return x_crossed_; }
  // ... of them where the next request's first burst reached the PC only after the crossing's end
  uint64_t crossings_before_arrival() const { return x_cross_early_; }
  uint64_t extrapolation_restarts() const { return x_gen_ - 1; }  // times the memo started over
  uint64_t extrapolation_kept() const { return x_kept_; }  // nodes kept over those starts (in use)
  uint64_t virtual_landings() const { return x_virtual_; }          // advances ended at a node, queue not rebuilt
  uint64_t virtual_drains() const { return x_vdrains_; }
  uint64_t idle_refreshes_replayed() const { return x_idle_refs_; }
  uint64_t walks_to_last_burst() const { return x_to_last_; }  // walks that ended just before a request's last burst
  // walks taken while requests of other lanes waited (their heads ready only after the
  // entering request's last burst, x_stream_run)
  uint64_t walks_past_lanes() const { return x_past_lanes_; }
  // walks stopped before an edge that ends at or after the first burst of another lane's
  // waiting head reaches the PC (the other direction, or a same-direction head ready before
  // the entering request's last burst)
  uint64_t walks_clamped() const { return x_clamped_; }
  // walks that took an edge from an arrival node (x_visit's `arrival`: a request's first burst
  // entering as it reaches the PC)
  uint64_t arrival_walks() const { return x_arr_walks_; }
  uint64_t walks_to_drain() const { return x_last_drains_; }    // ... and went on into a known drain, queue not rebuilt  // refreshes of idle PCs in closed form  // drains stood before (past the limit), completions delivered

 private:
  using T = detail::T;
  static constexpr T kInf = detail::kInf;
  static constexpr int kMaxBanks = 64;
  static constexpr int kMaxBeats = 16;
  // stream extrapolation: a PC with a request this long open (8 bursts: a 4-KiB request of
  // 512-B bursts); requests of one run (draining + entering: 4 KiB ones queue four deep)
  static constexpr uint32_t kXMinBursts = 8;
  static constexpr uint32_t kXRun = 5;

  struct alignas(64) Slot {  // one submitted request
    uint64_t id;
    Cycle arrival;
    // device cycles of the first column command of its first burst and of its last column
    // command (kInf / kNeg: none)
    T first_col, last_col;
    // Its bursts' data in AXI order (chain_term): the largest term of a finished burst (kNoChain:
    // none), and the same since the PC's last memo snapshot (stream_memo.cpp)
    int64_t chain, chain_x;
    uint64_t bytes;
    uint64_t beat0, beats;  // first beat index inside the PC, beat count
    uint64_t unissued;      // beats without a column command yet (for the next_event bound)
    uint64_t seq;
    detail::PortTiming port;
    uint32_t open_idx;      // its index in its PC's `open` list
    uint32_t bursts, done_bursts, admitted;
    uint32_t pc, port_id;
    bool write;
    bool delivered;  // its completion is in the heap already (a PC standing before a drain)
  };
  struct alignas(64) Entry {  // one AXI burst in a controller queue
    uint64_t ord;             // admission order in its PC (beat age = ord * kMaxBeats + beat)
    uint64_t beat;            // first beat
    uint32_t slot;
    uint16_t n, left;         // beats, beats without a column command
    uint16_t pend;            // bit i: beat i not yet issued
    bool write;
    int32_t prev, next;       // age-ordered list of its mode (read / write)
    std::array<uint8_t, kMaxBeats> bank;
    std::array<uint32_t, kMaxBeats> row;
  };
  struct Link {
    int32_t next, prev;
  };
  struct BankList {  // fast path: one (mode, bank) list of pending beats, oldest first
    int32_t head = -1, tail = -1;
    uint32_t count = 0;  // pending beats
    uint32_t hits = 0;   // ... that hit the bank's open row
  };
  struct Bank {
    int64_t open_row = -1;
    uint32_t bypass = 0;  // frfcfs_cap: hits served since the ACT while an older miss waited
  };
  static constexpr uint32_t kFeedBit = 1u << 31, kNoFeed = ~0u;
  struct Lane {  // requests of one port and direction to this PC, in order (their bursts become
                 // ready in order; a read may be ready before an earlier write of its port whose
                 // data waits for a lateral link)
    uint32_t port;
    bool write;
    std::vector<uint32_t> fifo;  // slots; kFeedBit | f: feed f's requests, never at the head
    size_t head = 0;
    uint32_t feed = kNoFeed;     // the feed waiting in it
  };
  struct Feed {  // a stream's requests of one port, not yet taken into slots
    RequestStream* s = nullptr;  // null: free
    uint32_t port = 0;
    uint64_t seq0 = 0;           // the stream's first sequence number
    Cycle base = 0;              // the next one's port timing base
    uint64_t left = 0;
  };
  struct Pc {
    T time = 0;      // last processed event
    T next = 0;      // time of the next event as of the last advance (valid unless dirty)
    bool dirty = true;
    bool write_mode = false;
    // starvation_limit: read bursts served while writes waited, since the last write burst, and
    // write bursts served while reads waited, since the last read burst
    uint32_t writes_wait = 0, reads_wait = 0;
    // refresh: all-bank (ref_active: PREA then REF) or per-bank (ref_bank pending since ref_start)
    bool ref_active = false;
    int32_t ref_bank = -1;
    uint32_t ref_next_bank = 0;
    T ref_due = 0, ref_start = 0;
    // ingress cache (fast path): per direction (read, write), the lane whose head burst is
    // the earliest ready, that burst's slot and ready time
    bool in_valid = false;
    std::array<uint32_t, 2> in_slot{{UINT32_MAX, UINT32_MAX}};
    std::array<size_t, 2> in_lane{{0, 0}};
    std::array<T, 2> in_ready{{0, 0}};
    uint64_t open_banks = 0;  // bit b: bank b open
    // queue storage: pool of entries with stable indices, two age-ordered mode lists
    int32_t head[2] = {-1, -1}, tail[2] = {-1, -1};
    uint32_t count[2] = {0, 0};  // bursts with beats left, per mode
    uint32_t nr = 0, nw = 0;     // queue occupancy
    uint64_t admissions = 0;
    uint64_t min_unissued = 1;   // lower bound over open slots, for the next_event bound
    uint64_t pending = 0;        // requests submitted, waiting in a feed (not in `open`)
    // fast path: per (mode, bank) age-ordered lists of pending beats (node = entry * 16 + beat)
    std::array<uint64_t, 2> pend_banks{{0, 0}};  // bit b: the (mode, b) list is not empty
    std::vector<Link> nlink;
    std::vector<BankList> blist;  // per (mode, bank): index mode * banks + bank
    std::vector<Entry> pool;
    std::vector<int32_t> free_e;
    std::vector<uint32_t> incoming;  // detailed path: slots with bursts not yet admitted
    std::vector<Lane> lanes;         // fast path: the same, per port
    std::vector<uint32_t> open;      // slots submitted and not complete
    std::vector<Bank> bank;
    // fast path: each bank's choice and the bank/group part of its times, kept for the mode
    // c_wm while c_valid; banks in `c_dirty` are recomputed before the next selection
    bool c_valid = false, c_wm = false;
    uint64_t c_dirty = ~uint64_t(0);
    uint64_t c_col_stale = 0, c_row_stale = 0;  // only the bank/group part of the time moved
    uint64_t c_actm = 0, c_refsb = 0;           // banks whose row choice is an ACT / a REFsb
    // bank/group part of each bank's column and row-command time (kInf: no such choice; the
    // REFsb of a refresh-pending bank is kept out and compared on its own)
    alignas(64) std::array<T, kMaxBanks> c_col_own{}, c_row_own{};
    std::array<detail::BankChoice, kMaxBanks> c_choice{};
    // each bank's column / row candidate age (c_choice's col_age / row_age), contiguous for the
    // tie-break among the banks tied at the earliest time
    alignas(64) std::array<uint64_t, kMaxBanks> c_col_age{}, c_row_age{};
    // column-bus selection kept between events (select, col_key_moved): the earliest of the
    // banks' keys max(c_col_own, k_c) (k_c: the clamp, shared part and present, of the last
    // full scan), the banks tied there, and a lower bound of the keys above it
    bool k_valid = false;
    uint64_t k_tied = 0;
    T k_bt = 0, k_k2 = 0, k_c = 0;
    // row-bus selection kept between events (select): earliest, banks tied there, the next
    // larger key, and the shared parts it was computed with
    bool r_valid = false;
    uint64_t r_tied = 0;
    T r_bt = 0, r_k2 = 0, r_pre = 0, r_act = 0;
    detail::TimingChecker chk;       // detailed path
    detail::TimingRegisters reg;     // fast path
    // stats
    uint64_t n_act = 0, n_pre = 0, n_rd = 0, n_wr = 0, n_ref = 0, ref_cycles = 0, ref_bank_cycles = 0;
    uint64_t bytes_read = 0, bytes_written = 0, requests = 0, bursts = 0;
    uint64_t events = 0, advances = 0;
    // stream extrapolation: open slots it may follow, the memo node last visited (x_gen
    // generation) and the counters there
    uint32_t n_long = 0;
    int32_t x_prev = -1;
    uint32_t x_gen = 0;
    bool x_landed = false;  // just restored a node: its ingress comes next, do not revisit it
    T x_t = 0;
    uint32_t x_slot = 0, x_adm = 0;
    uint64_t x_events = 0, x_act = 0, x_pre = 0, x_rd = 0, x_wr = 0, x_bursts = 0, x_anchor = 0;
    uint64_t x_ref = 0, x_refc = 0;
    // the run at that node (requests draining, oldest first, then the one entering) and each
    // one's finished bursts, unissued beats and whether it had a column command
    uint32_t x_nrun = 0;
    bool x_arr = false;  // that node is an arrival node (XNode::arr)
    // that node is the ingress of the entering request's last burst with the next request of
    // its lane waiting behind it, no other lane busy: the stretch to that request's first
    // ingress is recorded as a crossing (x_cedges_), if nothing else comes between; x_cross_seq
    // is the entering request's (x_slot's) sequence number
    bool x_cross = false;
    uint64_t x_cross_seq = 0;
    // the clamp there (x_stream_run): a request of another lane, outside the key, may enter
    // from then on, so a stretch reaching it is no edge (as a walk stops short of it)
    T x_clamp = 0;
    std::array<uint32_t, kXRun> x_run{}, x_fin{};
    std::array<uint64_t, kXRun> x_uni{};
    std::array<bool, kXRun> x_hadcol{};
    // refresh edge being recorded: the node last visited when a refresh started, how long
    // after that node the refresh was due, and that due time (-1: none)
    int32_t xr_node = -1;
    uint32_t xr_gen = 0;
    T xr_d = 0, xr_due = 0;
    // drain being recorded: the node of the run's last ingress (-1: none) and the refresh due
    // time there
    int32_t xd_node = -1;
    uint32_t xd_gen = 0;
    T xd_due = 0;
    // virtual landing: the stream stands at memo node xv_node (time pc.time, queue not
    // rebuilt); its next edge ends at xv_t2, at or after the limit it was advanced to
    bool xv = false, xv_real = false;  // xv_real: the queue is still the node's (nothing to rebuild)
    bool xv_drain = false;  // standing before a drain edge of the node (xv_t2: next completion's last column)
    int32_t xv_node = -1;
    int32_t xv_dedge = -1;  // ... that one (an index into x_dedges_; -1: following xf_leader)
    // standing before a drain not known yet that PC xf_leader is recording from the same node
    // and refresh distance, xf_shift earlier: this PC's drain is that one shifted by xf_shift,
    // known as far as the leader has been advanced (its slots: sequence numbers xf_seq)
    int32_t xf_leader = -1;
    T xf_shift = 0;
    std::array<uint64_t, kXRun> xf_seq{};
    uint64_t xv_anchor = 0;
    T xv_t2 = 0;
  };
  // Stream extrapolation memo (stream_memo.cpp): one node per canonical PC state met just
  // before the ingress of a burst while the PC serves one port's run alone (the request
  // entering and up to four draining); an edge leads to the next such state with the time
  // and counters it took, per request of the run.
  // An edge without padding (208 B, not 256): each request's flags are bit masks of the edge,
  // every other field keeps its width (the ranges below are by construction); and the node's
  // composed edges out of line: a node is 256 B, not 784 (docs/hbm-speed.md, spd13o).
  struct XSlotDelta {  // what an edge does to one request of the run (24 B)
    // the largest chain_term of the bursts it finished on the edge (d_fin > 0), relative to the
    // successor node: less chain_ref(successor's time and anchor)
    int64_t chain = 0;
    int32_t first = 0, last = 0;  // its first (if it had none before) and last column command on
                                  // the edge, relative to the successor node (|x| <= the edge's
                                  // time: under kXMaxEdge, x_record; kXSkip of them under 2^31)
    uint32_t d_fin = 0;       // bursts finished
    uint32_t d_uni = 0;       // beats issued (a request has fewer than 2^32 beats)
  };
  struct XEdge {
    int32_t succ = -1;
    uint32_t d_adm = 0, nrun = 0;
    uint8_t d_ref = 0;  // refresh edges and drains: the refresh on the way (at most one, x_record)
    // bit k: request k of the run has its first column command on the edge (XSlotDelta::first
    // valid), completes on it (its last beat issued), is a write (the chain's units, chain_scale)
    uint8_t has_first = 0, completes = 0, writes = 0;
    T dt = 0;
    uint64_t d_events = 0, d_act = 0, d_pre = 0, d_rd = 0, d_wr = 0, d_bursts = 0, d_anchor = 0;
    uint64_t d_refc = 0;  // ... the refresh's cycles
    std::array<XSlotDelta, kXRun> sl{};
  };
  static_assert(kXRun <= 8, "XEdge's masks: one bit per request of the run");
  // The small fields first, next to `next`'s head: a walk step reads `arr`, `use` and the
  // head of `next` of each node it passes, one cache line (x_walk). 256 B: a power of two, so
  // that x_nodes_[i] is one shift (at 240 B the index costs more instructions than the 784 B's
  // multiply did).
  struct alignas(64) XNode {
    uint64_t hash = 0;  // of its key (x_keys_), for x_index_
    // at the ingress of the run's last burst with nothing behind it: the drain to an empty
    // queue (every request of the run completes), to the end state `succ`, when no refresh
    // starts on the way (an index into x_dedges_, -1: none; few nodes have one; drains across
    // one refresh are in x_rdrains_, x_drain_at)
    int32_t drain = -1;
    std::array<uint8_t, 2> skip_tries{};  // x_compose's tries of each level
    // an arrival node (x_visit): the state at the ingress of a request's first burst as it
    // reaches the PC, the request's later bursts reaching it on the port's schedule (its key
    // ends with that schedule's phase); its edges are walked without the "every burst at the
    // PC" check, which the schedule replaces
    bool arr = false;
    uint8_t use = 0;  // times met again, walked through or drained from (halved at each start, x_evict)
    // kXSkipLen[l] consecutive `next` edges composed into one (none completes a request), so a
    // walk over a long stream takes one step per kXSkip bursts, and a walk to a nearer limit
    // one per kXSkipLen[0]; built on first use, out of line (in x_sedges_; null: none): about
    // one node in ten has one
    std::array<const XEdge*, 2> skip{};
    XEdge next;  // to the next node when no refresh starts on the way
  };
  static_assert(sizeof(XNode) == 256, "XNode: 256 B (see its comment)");
  static constexpr uint32_t kXSkip = 16;
  static constexpr uint8_t kXComposeTries = 4;  // x_compose gives a composed edge up after these
  // the composed edges' lengths, shortest first: walks end at the engine's limit, most between
  // 4 and 40 edges from their start (one advance per completion bound), so between the long
  // steps and single edges a walk takes short ones
  static constexpr std::array<uint32_t, 2> kXSkipLen{{4, kXSkip}};
  // An edge is a stretch between two ingresses of a full queue, or a drain of the run's queued
  // bursts (with at most one refresh): a few thousand device cycles. x_record stops with an
  // error past this bound rather than let XSlotDelta's 32-bit times wrap.
  static constexpr T kXMaxEdge = T(1) << 26;
  // x_horizon follows at most this many edges (composed ones count one)
  static constexpr uint32_t kXHorizon = 64;
  // memo size bound, the preset's simulator.memo_nodes (about 0.7 KB a node with its packed
  // key, edge and map entry): past it the memo starts over, keeping the nodes
  // in use (x_evict)
  size_t x_max_nodes_ = 0;
  // How a walk over memo edges ended.
  enum class XStop { Limit, Other };
  struct XWalk {
    int32_t node;
    uint64_t anchor;
    uint64_t steps = 0, refreshes = 0;
    XStop why = XStop::Other;
    bool last = false;  // ended just before the entering request's last burst
    bool clamped = false;  // stopped before another lane's head may enter (x_stream_run's clamp)
    T t2 = 0;  // Limit: the end of the edge that crosses the limit
  };

  // submission
  void check(const Request& r) const;
  uint32_t new_slot(const Request& r, uint64_t seq, const Pc* avoid = nullptr);
  Lane& lane_of(Pc& pc, uint32_t port, bool write);
  void take(Pc& pc, Lane& l, size_t pos);
  void take_all(Pc& pc);
  void lane_pop(Pc& pc, Lane& l);  // the head has entered whole
  size_t lane_waiting(const Lane& l) const {
    return l.fifo.size() - l.head + (l.feed != kNoFeed ? feeds_[l.feed].left - 1 : 0);
  }
  // queue bookkeeping
  int32_t admit(Pc& pc, uint32_t si);
  int32_t admit_entry(Pc& pc, uint32_t si, uint64_t beat, uint32_t n, uint16_t pend);
  // The same without the fast path's selection marks (c_dirty, pend_banks), for x_restore's
  // rebuild of a queue: it drops the kept selection (c_valid = false: every bank is recomputed
  // at the next select) and recounts pend_banks from the lists when it ends.
  int32_t admit_rebuilt(Pc& pc, uint32_t si, uint64_t beat, uint32_t n, uint16_t pend);
  template <bool kMarks>
  int32_t admit_burst(Pc& pc, uint32_t si, uint64_t beat, uint32_t n, uint16_t pend);
  void issue_column(Pc& pc, int32_t node, T t);
  void finish_burst(Pc& pc, int32_t ei, T t);
  // AXI cycle at which the data of slot s's column command issued at device cycle `col` is on
  // the port (read: its last beat; write: the acknowledge); the one definition of completion time.
  Cycle data_at(const Slot& s, T col) const {
    const T lat = T(s.write ? p_.timing.tCWL : p_.timing.tCL) + tB_;
    return to_axi(uint64_t(col + lat)) + (s.write ? p_.write_latency : p_.read_latency) +
           ports_.return_latency(s.port.hops);
  }
  // A completion as the DRAM delivers it, with what the lateral-link stage needs for a read
  // crossing switches (lateral: its data returns over the links; port_stage.hpp).
  struct Pending : Completion {
    uint32_t port, pc;
    uint64_t beats;
    uint64_t seq;  // the request's submit order (age): the lateral-link stage's tie-break
    bool lateral;
  };
  // The lateral-link stage's order: pre-link done, then oldest first (submit order; never the
  // caller's id, which an AXI front end reuses as a slot index).
  struct PendingLater {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.done != b.done ? a.done > b.done : a.seq > b.seq;
    }
  };
  // Completions as the DRAM delivers them: reads crossing switches wait in `lat` (pre-link
  // done) for the read-data link stage, which pop_completion applies in (done, age) order and
  // hands on; every other completion is handed on at once. Handed on: to the sink when one is
  // set (set_sink; `handed` keeps its done for next_event until a pop reaches it), else into
  // `q` for pop_completion.
  struct Delivered {
    detail::CompletionQueue q;
    detail::BasicCompletionHeap<Pending, PendingLater> lat;
    CompletionSink* sink = nullptr;
    detail::DoneTimes handed;  // the handed completions' done not yet reached by a pop
    void push(const Pending& c) {
      if (c.lateral) lat.push(c);
      else hand(c);
    }
    void hand(const Completion& c) {
      if (!sink) return q.push(c);
      sink->on_completion(c);
      handed.add(c.done);
    }
  };
  // A request's bursts return their data in AXI order (one ID per request: the AXI front end's
  // rule for the responses of one ID, applied to the bursts of one request, docs/hbm.md): burst
  // k's last beat (read) or response (write) D'_k = max(D_k, D'_{k-1} + w_k), w_k its beats
  // (read) or 1 (write), D_k when the DRAM delivers it. So the request is done at
  // max_k (D_k + W - c_k), W the sum of all w, c_k the sum up to burst k: a maximum over its
  // bursts in any order of finishing. Kept exactly, without the conversion's rounding, as the
  // largest chain_term: col * den * S - u * num (col: the burst's last column command, device
  // cycles; u: the end of the burst in beats (read), rounded up to a burst (write); S 1 (read)
  // or max_burst_beats (write)), so that done = ceil((chain + (u0 + lat * den * S)) / (num * S))
  // + ... (chain_done).
  static constexpr int64_t kNoChain = INT64_MIN;
  int64_t chain_scale(bool write) const { return write ? int64_t(p_.max_burst_beats) : 1; }
  int64_t chain_u(bool write, uint64_t end_beat) const {  // end_beat: one past the burst's last beat
    return write ? int64_t((burst_of(end_beat - 1) + 1) * p_.max_burst_beats) : int64_t(end_beat);
  }
  int64_t chain_term(const Slot& s, T col, uint64_t end_beat) const {
    return int64_t(col) * int64_t(p_.dev_den) * chain_scale(s.write) - chain_u(s.write, end_beat) * int64_t(p_.dev_num);
  }
  // What a chain term is measured from on a memo edge: its end's time t and anchor (a beat).
  int64_t chain_ref(bool write, T t, uint64_t anchor) const {
    return int64_t(t) * int64_t(p_.dev_den) * chain_scale(write) - int64_t(anchor) * int64_t(p_.dev_num);
  }
  Cycle chain_done(const Slot& s, int64_t chain) const {
    const int64_t S = chain_scale(s.write), den = int64_t(p_.dev_den), num = int64_t(p_.dev_num);
    const int64_t u0 = s.write ? int64_t(burst_of(s.beat0) * p_.max_burst_beats) : int64_t(s.beat0);
    const int64_t lat = int64_t(s.write ? p_.timing.tCWL : p_.timing.tCL) + int64_t(tB_);
    const int64_t x = chain + u0 * num + lat * den * S, d = num * S;
    const int64_t c = x >= 0 ? (x + d - 1) / d : -((-x) / d);  // ceil(x / d)
    const uint64_t w = s.write ? uint64_t(s.bursts) : s.beats;
    return Cycle(c + int64_t(w)) + (s.write ? p_.write_latency : p_.read_latency) + ports_.return_latency(s.port.hops);
  }
  // The completion of slot s whose first burst's first column command issues at `first`, with
  // chain `chain` (every burst finished).
  Pending completion_of(const Slot& s, T first, int64_t chain) const {
    Pending c;
    c.port = s.port_id;
    c.pc = s.pc;
    c.beats = s.beats;
    c.seq = s.seq;
    c.lateral = !s.write && s.port.hops;
    c.id = s.id;
    c.arrival = s.arrival;
    c.first_data = data_at(s, first);
    c.done = chain_done(s, chain);
    return c;
  }
  void row_opened(Pc& pc, uint32_t b);
  // timing
  template <bool kFast>
  T earliest(const Pc& pc, Cmd c, uint32_t b) const {
    if constexpr (kFast) return pc.reg.earliest(c, b);
    else return pc.chk.earliest(c, b);
  }
  void issue_row(Pc& pc, uint32_t pci, Cmd c, uint32_t b, uint32_t row, T t);
  template <bool kFast>
  T prea_earliest(const Pc& pc) const;
  // scheduling: the views of every bank with work, then the policy
  // (fast path: col and row carry their time and the banks tied there; resolve_col /
  // resolve_row pick the winner among them, only for the bus that issues)
  template <bool kFast>
  void select(Pc& pc, bool wm, detail::ColCand& col, detail::RowCand& row) const;
  void resolve_col(const Pc& pc, detail::ColCand& col) const;
  void col_key_moved(Pc& pc, uint32_t b, T own) const;
  void resolve_row(const Pc& pc, detail::RowCand& row) const;
  void view_fast(const Pc& pc, bool wm, uint32_t b, detail::BankView& v) const;
  void advance(Pc& pc, uint32_t pci, T limit);
  void in_candidates(Pc& pc) const;
  template <bool kFast>
  void advance_impl(Pc& pc, uint32_t pci, T limit);
  uint64_t burst_of(uint64_t beat) const {  // index of the aligned max_burst_beats block
    return burst_shift_ >= 0 ? beat >> burst_shift_ : beat / p_.max_burst_beats;
  }
  // Burst k of slot s: its first beat and beat count. Inline: the memo's walks and run checks
  // call these once per edge and per lane (stream_memo.cpp), the engine once per ingress.
  void burst_range(const Slot& s, uint32_t k, uint64_t& beat, uint32_t& n) const {
    const uint64_t M = p_.max_burst_beats;
    const uint64_t start = k == 0 ? s.beat0 : (burst_of(s.beat0) + k) * M;
    const uint64_t end = std::min((burst_of(start) + 1) * M, s.beat0 + s.beats);
    beat = start;
    n = uint32_t(end - start);
  }
  // Device cycle at which burst k of slot s is at the PC.
  T ready_dev(const Slot& s, uint32_t k) const {
    uint64_t cum = 0;
    if (s.port.hops) {
      uint64_t beat;
      uint32_t n;
      burst_range(s, k, beat, n);
      cum = beat + n - s.beat0;
    }
    return T(to_dev(ports_.ready(s.port, k, cum)));
  }
  // Of two bursts at the PC at one time, the one to enter first: each burst's own age, the
  // AXI cycle of its address at the port (PortStage: burst k of a request at base + k x pace), then
  // the earlier request. So a request of n bursts enters as n requests of one burst each
  // would, each submitted at its address's cycle (tests/hbm/test_burst_split.cpp).
  bool older_burst(const Slot& a, const Slot& b) const {
    const Cycle x = ports_.address(a.port.base, a.admitted), y = ports_.address(b.port.base, b.admitted);
    return x != y ? x < y : a.seq < b.seq;
  }
  uint32_t group_of(uint32_t b) const { return b >> group_shift_; }
  uint64_t group_mask(uint32_t b) const {
    return ((uint64_t(1) << p_.banks_per_group) - 1) << (group_of(b) << group_shift_);
  }
  // device cycles from a column command to its data (the least of read and write): the part of
  // a completion bound after the last column command (sync_pc)
  T col_to_data() const { return T(std::min(p_.timing.tCL, p_.timing.tCWL) + tB_); }
  void settle();
  bool idle_refreshes(Pc& pc, uint32_t pci, T stop);
  void sync_pc(uint32_t i);
  // stream extrapolation (stream_memo.cpp)
  void complete(Pc& pc, uint32_t si);
  uint32_t x_stream_run(const Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, T& clamp, bool* last = nullptr,
                        uint32_t* lanes = nullptr) const;
  void x_apply(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, const XEdge& e, T t2, uint64_t anchor);
  int32_t x_node(const std::string& key);
  void x_use(int32_t id) {
    if (x_nodes_[id].use < 255) ++x_nodes_[id].use;
  }
  void x_evict();
  int32_t x_drain_at(const Pc& pc, int32_t id) const;
  void x_encode_end(const Pc& pc, uint64_t anchor, std::string& out) const;
  static void x_pack(const std::string& raw, std::string& out);
  const int32_t* x_unpack(const std::string& key);  // into x_raw_ (x_nwords_ words)
  static int32_t x_first_word(const std::string& key);
  void x_drain_end(Pc& pc);
  void x_record(const Pc& pc, XEdge& e, int32_t succ, uint32_t admitted, uint64_t anchor) const;
  void x_clear_queue(Pc& pc);
  void x_unlink_beats(Pc& pc, int32_t ei, uint16_t gone, uint64_t moved);
  void x_drop_entry(Pc& pc, int32_t ei, uint64_t moved);
  void x_drop_prefix(Pc& pc, int m, int32_t keep, uint64_t moved);
  int32_t* x_encode_banks(const Pc& pc, int32_t* w, uint64_t anchor) const;
  const int32_t* x_restore_banks(Pc& pc, const int32_t* k, T t, uint64_t anchor);
  static void x_encode_entry(int32_t* w, int64_t off, uint32_t n, uint32_t k, uint16_t pend);
  static void x_decode_entry(const int32_t* w, int64_t& off, uint32_t& n, uint32_t& k, uint16_t& pend);
  void x_encode(const Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, uint64_t anchor,
                std::string& out) const;
  int x_visit(Pc& pc, T limit, bool arrival = false);
  bool x_resume(Pc& pc, T limit);
  T x_horizon(const Pc& pc) const;
  const XEdge* x_compose(int32_t from, uint32_t lv);
  XWalk x_walk(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, int32_t from, uint64_t anchor, T limit,
               T clamp);
  void x_snapshot(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, int32_t node, uint64_t anchor, T clamp);
  void x_land(Pc& pc);
  void x_drain_apply(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, int32_t di, uint64_t anchor);
  void x_drain_deliver(Pc& pc, T limit);
  bool x_follow(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, int32_t id, uint64_t anchor, T limit,
                bool real);
  bool x_follow_deliver(Pc& pc, T limit);
  // the lane whose head is slot si if no other lane of the PC is busy (null: none)
  Lane* x_sole_lane(Pc& pc, uint32_t si);
  bool x_cross_arm(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, int32_t node);
  bool x_cross_step(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, int32_t& cur, XWalk& w, T limit,
                    T clamp, uint32_t& si);
  int x_last_drain(Pc& pc, std::array<uint32_t, kXRun>& run, uint32_t& nrun, const XWalk& w, T limit);
  // requests wait behind slot si (the head of its lane), in its lane or another
  bool x_behind(const Pc& pc, uint32_t si) const;
  void x_restore(Pc& pc, const std::array<uint32_t, kXRun>& run, uint32_t nrun, const std::string& key, T t,
                 uint64_t anchor);

  HbmParams p_;
  uint32_t nb_ = 0;
  uint32_t tB_ = 0;
  T ref_interval_ = 0;   // all-bank: tREFI; per-bank: tREFI / banks
  int num_shift_ = -1;   // log2(dev_num) when a power of two
  int burst_shift_ = -1; // log2(max_burst_beats) when a power of two
  uint32_t group_shift_ = 0;
  uint32_t beat_shift_ = 0;
  detail::AddressMap amap_;
  detail::PortStage ports_;
  detail::SchedulerPolicy policy_;
  std::vector<detail::Constraint> table_;

  std::vector<Pc> pcs_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<Feed> feeds_;
  std::vector<uint32_t> sp_pc_;  // submit_stream scratch, per port
  std::vector<uint64_t> sp_bursts_, sp_long_, sp_min_;
  std::vector<uint8_t> sp_dir_;  // per port: 1 reads, 2 writes, 3 both
  Delivered heap_;
  // compact per-PC summary (sync_pc): advance it when limit > due_ (kNeg: submitted since);
  // completion bound max(lim_, nb_base_) + nb_add_ (nb_add_ < 0: nothing open)
  std::vector<T> due_, nb_base_, nb_add_;
  std::vector<T> lim_;  // per PC: the limit it was last advanced to
  // per PC: that completion bound in device cycles, max(lim_, nb_base_) + nb_add_, or kNoBound
  // when nothing is open (rebound(): after every change of lim_, nb_base_ or nb_add_), so that
  // next_event and pop_completion scan one array
  std::vector<T> bound_;
  void rebound(uint32_t i) { bound_[i] = nb_add_[i] < 0 ? kNoBound : std::max(lim_[i], nb_base_[i]) + nb_add_[i]; }
  Cycle now_ = 0, last_arrival_ = 0;
  Cycle advanced_ = 0;
  uint64_t seq_ = 0;
  bool trace_on_ = false;
  bool x_virtual_ok_ = true;  // false while report() settles: every PC lands for real
  bool lazy_ = true;
  bool early_ = false;  // keep_known()
  std::vector<TraceCmd> trace_;
  // stream extrapolation
  bool x_on_ = false;       // enabled and applicable (fast path, all-bank refresh, row field topmost)
  bool x_idle_ = false;     // idle refreshes in closed form (fast path, extrapolation on, all-bank refresh)
  uint64_t x_period_ = 0;   // beats per address period (bank pattern repeats, row + 1)
  std::vector<std::string> x_keys_;  // per node: its packed key (x_pack)
  detail::KeyIndex x_index_;         // key -> node
  std::vector<XNode> x_nodes_;
  std::vector<XEdge> x_dedges_;  // drain edges (XNode::drain, x_rdrains_)
  std::deque<XEdge> x_sedges_;   // composed edges (XNode::skip; a deque: they stay where they are)
  // drains across one all-bank refresh: (node, refresh due - node time) -> index into x_dedges_
  detail::EdgeTable<int32_t> x_rdrains_;
  detail::EdgeTable<XEdge> x_redges_;  // (node, refresh due - node time) -> edge
  // Crossings: from a node at the ingress of the entering request's last burst (A's), with the
  // next request of its lane (B) submitted behind it and no other lane busy, the stretch to the
  // ingress B's first burst waited for (room in the queue). B enters only then (its lane is in
  // order), and nothing before depends on it, so the stretch is a function of the state at
  // that ingress alone (x_cross_step); the state it ends in also depends on where B starts
  // (the anchor's move, the edge's d_anchor). The node a walk reaches there may hold another
  // last-burst size in its last word (a key does not hold a request's length: x_last_drain),
  // so a crossing is keyed on (node, A's last burst's beats, B's first burst - A's last burst
  // in beats), the last two kept and checked. x_cedge: the crossing for them (null: none).
  struct XCross {
    uint32_t n0 = 0;  // A's last burst's beats
    XEdge e;          // e.d_anchor: B's first burst - A's last burst
  };
  detail::EdgeTable<XCross> x_cedges_;
  static uint64_t x_ckey(int32_t node, uint32_t n0, uint64_t d) {
    return uint64_t(uint32_t(node)) << 32 | (uint32_t(d) * 32u + n0);
  }
  const XEdge* x_cedge(int32_t node, uint32_t n0, uint64_t d) const {
    const XCross* c = x_cedges_.find(x_ckey(node, n0, d));
    return !c || c->e.d_anchor != d || c->n0 != n0 ? nullptr : &c->e;
  }
  // The key of a refresh edge (x_redges_) and of a drain across a refresh (x_rdrains_): the node
  // and the distance from its time to the refresh due (a refresh edge's: under one refresh
  // interval; a drain's: under 2^32, which x_drain_end and x_drain_at check). x_redge: the
  // refresh edge from `node` with that distance (null: none).
  static uint64_t x_rkey(int32_t node, T d) { return uint64_t(uint32_t(node)) << 32 | uint64_t(d); }
  const XEdge* x_redge(int32_t node, T d) const { return x_redges_.find(x_rkey(node, d)); }
  uint32_t x_gen_ = 1;
  uint64_t x_kept_ = 0;
  std::vector<int32_t> x_remap_;  // x_evict: old node -> new node (-1: dropped)
  std::string x_buf_;   // a packed key (x_pack)
  std::string x_raw_;   // a key's words (x_encode, x_unpack)
  size_t x_nwords_ = 0;
  uint64_t x_jumps_ = 0, x_bursts_ = 0, x_refreshes_ = 0, x_virtual_ = 0, x_completions_ = 0, x_skips_ = 0, x_drains_ = 0, x_vdrains_ = 0, x_idle_refs_ = 0, x_to_last_ = 0, x_last_drains_ = 0, x_drain_completions_ = 0, x_past_lanes_ = 0, x_clamped_ = 0, x_ref_drains_ = 0, x_followed_ = 0, x_short_skips_ = 0, x_arr_walks_ = 0, x_crossed_ = 0, x_cross_early_ = 0;
};

}  // namespace skipopu::hbm

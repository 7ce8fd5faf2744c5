// "bank" model: bank-level HBM2 pseudo-channels behind AXI ports and the switch.
// See docs/hbm.md for the semantics; summary:
//  - port stage (AXI cycles, feed-forward): one burst address per cycle per port, FCFS;
//    a port reaching a PC of another switch pays hop_latency per switch each way and
//    reserves the lateral links on its path for its beats;
//  - per pseudo-channel controller (device cycles): in-order ingress into a read and a
//    write queue of AXI bursts, FR-FCFS (oldest row-hit burst first, write drain by
//    watermarks), look-ahead ACT/PRE on a separate row-command bus, open or closed page,
//    all-bank refresh every tREFI; column commands of a burst issue back to back;
//  - detailed path: one command per event, earliest times from the declarative timing
//    table; fast path: each burst's column commands in one step from timing registers;
//  - lazy channels: a PC is advanced only when it may complete something by the time popped.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "completion_heap.hpp"
#include "skipopu/hbm/hbm_config.hpp"

namespace skipopu::hbm {

class BankModel final : public Model {
 public:
  explicit BankModel(const HbmParams& p);
  void submit(const Request& r) override;
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

  // Command trace for directed tests (device cycles). Off unless enabled; not on hot paths.
  enum Cmd : uint8_t { ACT = 0, PRE = 1, RD = 2, WR = 3, REF = 4, PREA = 5 };
  struct TraceCmd {
    uint64_t t;
    uint32_t pc;
    Cmd cmd;
    uint32_t bank;
    uint32_t row;
  };
  void enable_trace(bool on) { trace_on_ = on; }
  // Lazy pseudo-channels (default): pop_completion advances only the PCs that may complete a
  // request by the time popped. Off: every PC with an event before it (for tests: same results).
  void set_lazy(bool on) { lazy_ = on; }
  const std::vector<TraceCmd>& trace() const { return trace_; }

  // Stream extrapolation (fast path, controller.stream_extrapolation): how much work was
  // replayed from the memo instead of simulated. Not part of report() (the report is the
  // same with and without extrapolation).
  uint64_t extrapolated_jumps() const { return x_jumps_; }
  uint64_t extrapolated_bursts() const { return x_bursts_; }
  size_t extrapolation_states() const { return x_nodes_.size(); }

 private:
  using T = int64_t;  // device cycles; kNeg marks "never issued"
  static constexpr T kNeg = -(T(1) << 50);
  static constexpr T kInf = T(1) << 62;
  static constexpr int kMaxBanks = 64;
  static constexpr int kMaxBeats = 16;
  static constexpr uint32_t kXMinBursts = 64;  // stream extrapolation: requests of at least this many bursts

  // Slots and entries are cache-line aligned, with the fields a burst's ingress, pick and end
  // read in their first line.
  struct alignas(64) Slot {  // one submitted request
    uint64_t id;
    Cycle arrival;
    Cycle first_data, done;
    uint64_t bytes;
    uint32_t hops;
    uint32_t open_idx;     // its index in its PC's `open` list
    uint32_t bursts, done_bursts;
    uint32_t admitted;
    bool write;
    uint64_t beat0, beats;  // first beat index inside the PC, beat count
    Cycle base;            // AXI cycle of its first burst address
    uint64_t link_start;   // lateral-link start, units of AXI cycles * lateral_beats
    uint64_t unissued;     // beats not yet scheduled (for the next_event bound)
    uint64_t seq;
    uint32_t pc;
  };
  struct alignas(64) Entry {  // one AXI burst in a controller queue
    uint64_t seq;
    uint64_t ord;   // admission order in its PC (the order of the mode lists)
    uint64_t beat;
    uint32_t slot;
    uint16_t n;
    uint8_t npairs;
    uint8_t missing;  // pairs whose bank is not open at the pair's row
    bool write;
    int32_t prev, next;  // age-ordered list of its mode (read / write)
    std::array<uint8_t, kMaxBeats> bank;
    std::array<uint32_t, kMaxBeats> row;
  };
  struct Link {
    int32_t next, prev;
  };
  struct Bank {
    int64_t open_row = -1;
    T next_act = 0, next_pre = 0, next_rd = 0, next_wr = 0;  // fast-path registers
  };
  struct Group {
    T next_act = 0, next_rd = 0, next_wr = 0;
  };
  struct RowCand {  // one row command candidate
    T raw = 0;       // earliest legal time (before clamping to the present)
    uint64_t age = 0;
    uint32_t bank = 0, row = 0;
    Cmd cmd = ACT;
    bool some = false;
  };
  struct Lane {  // requests of one port to this PC, in order (their bursts become ready in order)
    uint32_t port;
    std::vector<uint32_t> fifo;
    size_t head = 0;
  };
  struct Pc {
    // Hot scalars first (read by every scheduler step), so that one PC's step touches few cache
    // lines: time, the burst in progress, ingress cache, refresh, selection and global registers.
    T time = 0;      // last processed event
    T next = 0;      // time of the next event as of the last advance (valid unless dirty)
    bool dirty = true;
    bool busy = false;
    bool write_mode = false;
    bool ref_active = false;
    bool in_valid = false;           // fast path: cached next ingress (slot, lane, ready time)
    bool bc_valid = false, bc_wm = false;
    bool sel_valid = false;
    // burst in progress
    int32_t cur = -1;
    uint32_t cur_i = 0;   // next beat (detailed)
    T cur_t = 0;          // next beat time (detailed) or last beat time (fast)
    T cur_first = 0;
    uint64_t busy_banks = 0;
    uint32_t in_slot = UINT32_MAX;
    size_t in_lane = 0;
    T in_ready = 0;
    // refresh
    T ref_due = 0;
    T ref_start = 0;
    // cached selection over bc_* (valid until a row command, refresh or a change to its bank)
    T sel_key = kInf;  // the selected bank's key clamped to the time it was made (kInf: none);
                       // for any later time t, max(sel_key, t) is its issue time; every
                       // losing candidate with a key at or below it tied there
    uint64_t sel_age = 0;
    uint32_t sel_bank = 0;
    T sel_k2 = kInf;   // smallest key above sel_key; the selection holds while time < sel_k2
    // fast-path global registers
    T g_next_act = 0, g_next_rd = 0, g_next_wr = 0, g_next_ref = 0, row_bus = 0;
    std::array<T, 4> faw{{kNeg, kNeg, kNeg, kNeg}};
    uint32_t faw_pos = 0;
    uint64_t bc_actm = 0;                      // bit b: bank b's candidate is an ACT (else a PRE)
    // queue storage: pool of entries with stable indices, two age-ordered mode lists
    int32_t head[2] = {-1, -1}, tail[2] = {-1, -1};
    uint32_t count[2] = {0, 0};  // entries in the lists (not the burst in progress)
    uint32_t ready[2] = {0, 0};  // entries with missing == 0
    uint32_t nr = 0, nw = 0;     // queue occupancy incl. the burst in progress
    // fast path: oldest entry of each mode list with missing == 0 (-1: none), valid while rdy_ok
    int32_t rdy_e[2] = {-1, -1};
    bool rdy_ok[2] = {false, false};
    uint32_t n_long = 0;  // open slots that stream extrapolation may follow (bursts >= kXMinBursts)
    uint64_t admissions = 0;
    uint64_t min_unissued = 1;  // lower bound over open slots, for the next_event bound
    // stats
    uint64_t n_act = 0, n_pre = 0, n_rd = 0, n_wr = 0, n_ref = 0, ref_cycles = 0;
    uint64_t bytes_read = 0, bytes_written = 0, requests = 0, bursts = 0;
    uint64_t events = 0, advances = 0;  // simulator work: events processed, advance calls
    // fast path: per-bank row-command candidate, kept current incrementally; `own` is the
    // bank and bank-group part of its earliest time (the global part is added at selection)
    std::array<T, kMaxBanks> bc_raw{};       // kInf: no candidate
    std::array<uint64_t, kMaxBanks> bc_age{};
    std::array<uint32_t, kMaxBanks> bc_row{};
    std::vector<Entry> pool;
    std::vector<int32_t> free_e;
    // per (mode, bank) age-ordered lists of (entry, pair) nodes: node = entry * kMaxBeats + pair
    std::vector<Link> nlink;  // per node: next / previous node in its list
    std::vector<int32_t> bhead, btail;
    std::vector<uint32_t> bhits;  // nodes of (mode, bank) whose row is the open row
    // ingress
    std::vector<uint32_t> incoming;  // detailed path: slots with bursts not yet admitted
    std::vector<Lane> lanes;         // fast path: the same, per port
    std::vector<uint32_t> open;      // slots submitted and not complete
    std::vector<Bank> bank;
    std::vector<Group> group;
    // detailed-path "last issue" tables: [cmd][bank], [cmd][group], [cmd]
    std::vector<T> last_bank, last_group;
    std::array<T, 6> last_all{};
    T last_row_cmd = kNeg;
    // stream extrapolation: the memo node last visited (x_gen_ generation) and the counters there
    int32_t x_prev = -1;
    uint32_t x_gen = 0;
    bool x_landed = false;  // just restored a node: its pick comes next, do not revisit it
    T x_t = 0;
    uint32_t x_slot = 0, x_adm = 0, x_fin = 0;
    uint64_t x_events = 0, x_act = 0, x_pre = 0, x_rd = 0, x_wr = 0, x_bursts = 0, x_unissued = 0, x_anchor = 0;
  };
  // Stream extrapolation memo: one node per canonical PC state met just before a burst pick
  // while the PC serves one long request alone; an edge leads to the next such state, with
  // the time and counters it took (see docs/hbm.md, "Stream extrapolation").
  struct XNode {
    const std::string* key = nullptr;
    int32_t succ = -1;
    bool fin = false;     // some burst finished on the edge; lastfin is its last column command
    T dt = 0, lastfin = 0;  // edge time; lastfin relative to the successor's time
    uint32_t d_adm = 0, d_fin = 0;
    uint64_t d_events = 0, d_act = 0, d_pre = 0, d_rd = 0, d_wr = 0, d_bursts = 0, d_unissued = 0, d_anchor = 0;
  };

  // queue bookkeeping (both paths)
  int32_t admit(Pc& pc, uint32_t si);
  int32_t admit_range(Pc& pc, uint32_t si, uint64_t beat, uint32_t n);
  void take(Pc& pc, int32_t e);  // remove a picked entry from the lists
  void row_change(Pc& pc, uint32_t b, int dir);  // after ACT (+1) / before PRE (-1)
  // scheduling
  bool bank_cand(const Pc& pc, uint32_t b, bool front, uint64_t front_seq, uint32_t front_row, uint32_t hits,
                 uint64_t oldest, RowCand& out) const;
  static bool better(const RowCand& a, const RowCand& b, T now);
  RowCand row_scan(const Pc& pc, bool wm) const;                  // detailed: from a full queue scan
  void bank_cand_fast(Pc& pc, uint32_t b, bool wm) const;  // fast: from the incremental lists
  void touch_fast(Pc& pc, uint32_t b);
  int32_t pick_scan(const Pc& pc, bool wm) const;
  int32_t pick_fast(Pc& pc, bool wm) const;
  void advance(Pc& pc, uint32_t pci, T limit);
  template <bool kFast>
  void advance_impl(Pc& pc, uint32_t pci, T limit);
  void decode(uint64_t beat, uint32_t& bank, uint32_t& row) const;
  uint64_t burst_of(uint64_t beat) const {  // index of the aligned max_burst_beats block
    return burst_shift_ >= 0 ? beat >> burst_shift_ : beat / p_.max_burst_beats;
  }
  T ready_dev(const Slot& s, uint32_t k) const;
  void burst_range(const Slot& s, uint32_t k, uint64_t& beat, uint32_t& n) const;
  // earliest legal issue times
  T earliest(const Pc& pc, Cmd c, uint32_t b) const;
  T earliest_fast(const Pc& pc, Cmd c, uint32_t b) const;
  T earliest_table(const Pc& pc, Cmd c, uint32_t b) const;
  void issue(Pc& pc, uint32_t pci, Cmd c, uint32_t b, uint32_t row, T t);
  void column_registers(Pc& pc, Cmd c, uint32_t b, T t) const;  // fast path: RD/WR at t
  T prea_earliest(const Pc& pc) const;
  void finish_burst(Pc& pc, int32_t ei, T first, T last);
  uint32_t group_of(uint32_t b) const { return b >> group_shift_; }
  // stream extrapolation
  uint32_t x_stream_slot(const Pc& pc) const;
  void x_encode(const Pc& pc, const Slot& s, uint64_t anchor, std::string& out) const;
  bool x_visit(Pc& pc, T limit);
  void x_restore(Pc& pc, uint32_t si, const std::string& key, T t, uint64_t anchor);

  HbmParams p_;
  uint32_t nb_ = 0, ng_ = 0;
  uint32_t tB_ = 0;
  int num_shift_ = -1;  // log2(dev_num) when a power of two
  int burst_shift_ = -1;  // log2(max_burst_beats) when a power of two
  uint32_t group_shift_ = 0;  // log2(banks_per_group) (a power of two, validated)
  uint32_t beat_shift_ = 0;  // log2(beat_bytes)
  std::vector<uint32_t> switch_of_port_, switch_of_pc_;
  // address decode: beat-index bit positions
  uint32_t col_pos_ = 0, row_pos_ = 0;
  uint64_t row_mask_ = 0;
  std::vector<uint32_t> bank_bit_pos_;  // bank index bit i comes from beat bit bank_bit_pos_[i]
  // bank index as OR of two table lookups: low 8 beat-address bits, and bits 8..23
  std::array<uint8_t, 256> bank_lo_{};
  std::vector<uint8_t> bank_hi_;
  uint32_t bank_hi_shift_ = 8;
  // declarative timing table: rows (from, to, scope, cycles)
  struct Constraint {
    uint8_t from, to, scope;  // scope 0 bank, 1 group, 2 all
    int32_t cycles;
  };
  std::vector<Constraint> table_;
  std::array<std::vector<Constraint>, 6> by_to_;
  int32_t rd_to_wr_ = 0, wr_to_rd_s_ = 0, wr_to_rd_l_ = 0, wr_to_pre_ = 0, ccd_s_ = 0, ccd_l_ = 0;

  std::vector<Pc> pcs_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<Cycle> port_free_;
  std::vector<uint64_t> link_free_;
  detail::CompletionQueue heap_;
  // compact per-PC summary (sync_pc): advance it when limit > due_ (kNeg: submitted since);
  // completion bound max(lim_, nb_base_) + nb_add_ (nb_add_ < 0: nothing open)
  std::vector<T> due_, nb_base_, nb_add_;
  std::vector<T> lim_;  // per PC: the limit it was last advanced to (every event before it processed)
  void settle();        // advance every PC to to_dev(advanced_) (report() does it first)
  void sync_pc(uint32_t i);
  Cycle now_ = 0, last_arrival_ = 0;
  Cycle advanced_ = 0;  // the last time popped; PCs that cannot complete by then may lag (lim_)
  uint64_t seq_ = 0;
  uint64_t latency_sum_ = 0;
  bool trace_on_ = false;
  bool lazy_ = true;
  std::vector<TraceCmd> trace_;
  // stream extrapolation
  bool x_on_ = false;          // enabled and applicable (fast path, row field topmost)
  uint64_t x_period_ = 0;      // beats per address period (bank pattern repeats, row + 1)
  std::unordered_map<std::string, int32_t> x_map_;
  std::vector<XNode> x_nodes_;
  uint32_t x_gen_ = 1;
  std::string x_buf_;
  uint64_t x_jumps_ = 0, x_bursts_ = 0;
};

}  // namespace skipopu::hbm

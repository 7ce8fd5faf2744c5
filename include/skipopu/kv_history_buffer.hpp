// KvHistoryBuffer: SkipOPU's proactive on-chip KV history buffer (URAM).
//
// Models (policy "reuse" only): a token that skipped attention at layer l attends with
// its entry from src(t,l) < l (kv_state.hpp). The buffer holds such reused entries, one
// per token at most, so that layer l reads them on chip instead of with irregular HBM
// reads. KV_PREFETCH l runs after layer l-1's routing is known: for every context token
// whose entry at l is reused, the entry is
//   kept      if already resident (the token keeps skipping: same source layer),
//   captured  if the buffer taps the K/V stream (kv_buffer.capture), its source is l-1 and
//             layer l-1's K/V stream runs (no extra HBM read); or, in any case, if the
//             entry is produced in this step at layer l-1 (a prompt token in prefill): the
//             K/V projection's output is on chip and written to the buffer as it is stored
//             (it is not yet in HBM when the prefetch is issued),
//   fetched   from HBM in the background otherwise (irregular single-entry reads),
// within the capacity (urams * uram_bytes / entry bytes), in token order; entries that
// do not fit are misses, read from HBM by layer l's attention itself. Capacity counts
// the entries live for layer l-1 and layer l together (both are resident during l-1).
// Reading hits out: the buffer's URAM288s have two ports of port_bits each; read_ports of
// them per URAM stream hits to the PE array (the other writes fills), each carrying
// floor(port_bits / element_bits) K/V elements a cycle, so the buffer delivers
//   read_bytes = urams * read_ports * floor(port_bits / element_bits) * element_bits / 8
// bytes a core cycle; an attention's on-chip entries are read in stream order from its
// start, and hit k (bytes B_k of on-chip K/V up to and including it) is visible at
// start + ceil(B_k / read_bytes) (read_done()).
// Layout assumption: every entry is striped over all the buffer's URAMs (one wide word
// per address), so two entries never compete for one URAM's port: the bank conflicts of a
// narrower banking are absent by construction, and the read rate above is the only limit.
// Abstracts away: the fill (write) port's rate (with read_ports 1, one port per URAM:
// 4096 B a cycle, twice the whole HBM's, so a fill never waits for it; with read_ports 2
// fills would share the read ports, which is not modelled; docs/studies.md, study 3).
#pragma once
#include <systemc>
#include <vector>

#include "skipopu/hbm_block.hpp"
#include "skipopu/kv_state.hpp"
#include "skipopu/memory_map.hpp"

namespace skipopu {

// read_bytes above: K/V bytes the buffer's read ports deliver to the PE array a core cycle.
inline uint64_t kv_buffer_read_bytes(const HardwareConfig& cfg) {
  return uint64_t(cfg.kv_buffer.urams) * cfg.kv_buffer.read_ports * (cfg.kv_buffer.port_bits / cfg.kv.element_bits) *
         cfg.kv.element_bits / 8;
}

class KvHistoryBuffer : public sc_core::sc_module {
 public:
  // Reaches the HBM through its port, bound here to `hbm`.
  KvHistoryBuffer(sc_core::sc_module_name name, const HardwareConfig& cfg, const MemoryMap& map,
                  const KvState& kv, HbmIf& hbm, uint32_t max_tokens);

  uint64_t capacity_entries() const { return capacity_; }
  // Plans layer l for the context tokens [0, context): issues the background fetch.
  // `stream_prev` = layer l-1's attention read its K/V stream (captures possible);
  // tokens from `step_first` on are the step's own (their layer l-1 entries are produced now).
  void prefetch(uint32_t layer, uint32_t context, bool stream_prev, uint32_t step_first);
  // The fetch issued for `layer` (its attention waits on it), or nullptr.
  HbmJob* pending(uint32_t layer);
  // Whether token t's reused entry for `layer` is resident (call after prefetch(layer)).
  bool resident(uint32_t t, uint32_t layer) const;
  // Waits until every background fetch has completed (end of the run).
  void drain();
  // Counts a lookup outcome (hit: served on chip; miss: read from HBM by the attention).
  void count(bool hit) { hit ? ++hits_ : ++misses_; }
  void report(StatGroup& g) const;
  // Bytes of K/V the buffer reads out to the PE array per core cycle (0 without URAMs).
  uint64_t read_bytes_per_cycle() const { return read_bytes_; }
  // The cycle an attention starting at `start` has the first `bytes` on-chip bytes (in
  // stream order) visible.
  uint64_t read_done(uint64_t start, uint64_t bytes) const {
    return read_bytes_ == 0 ? start : start + (bytes + read_bytes_ - 1) / read_bytes_;
  }

  sc_core::sc_port<HbmIf> hbm;  // background fetches

 private:
  const KvState& kv_;
  const MemoryMap& map_;
  bool enabled_;
  bool prefetch_on_;
  bool capture_;
  uint64_t capacity_;
  uint64_t read_bytes_;
  std::vector<int16_t> cur_, next_;  // per token: source layer of the resident entry, -1 none
  uint32_t next_layer_ = 0;
  bool has_next_ = false;
  uint32_t cur_layer_ = 0;
  HbmJob fetch_[2];            // double-buffered by layer parity
  uint32_t fetch_layer_[2] = {0, 0};
  std::vector<uint64_t> pc_bytes_;  // scratch: per-channel bytes of a fetch
  double fetch_balance_sum_ = 0.0;  // channel max/mean summed over fetches with bytes
  uint64_t fetch_jobs_ = 0;
  uint64_t hits_ = 0, misses_ = 0, kept_ = 0, captured_ = 0, fetched_ = 0, overflow_ = 0, peak_ = 0;
};

}  // namespace skipopu

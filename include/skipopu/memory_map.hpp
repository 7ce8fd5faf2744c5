// Where everything lives in HBM, as the overlay compiler lays it out.
//
// Weights: each matrix is split evenly over all pseudo-channels (PC), each PC holding one
// contiguous slice (padded to whole AXI beats), matrices packed in program order. A
// matrix read is therefore one sequential stream per PC.
// KV cache: one entry = K and V of one token at one layer (2 * kv_dim elements).
//   token mapping:       entry (t, l) lives whole in PC t mod P, at slot
//                        (l * slots_per_layer + t / P); a layer's entries are contiguous
//                        per PC, so reading a layer is one stream per PC.
//   interleaved mapping: entries are laid out linearly (l * max_tokens + t) in a global
//                        space striped over the PCs every interleave_bytes.
// The KV region follows the weights, the embedding table and the router weights in every
// PC. kv.reserve "dense": a slot for every (token, layer) of the request's context
// (max_tokens = prompt + decode of the trace), whatever the policy stores. "paged": the
// region is a pool of pages, each page_entries entries of one layer (per PC with the token
// mapping, in the striped space with the interleaved one); an entry gets the next index of
// its (layer, PC) when it is first stored, and a page is taken from the pool when that
// index starts one, so only stored entries take space and a layer's entries stay contiguous
// inside each page. When the pool runs out the workload does not fit: an InputError.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/config.hpp"
#include "skipopu/hbm/hbm_model.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/program.hpp"

namespace skipopu {

// Where a piece added to a RequestList landed: request `req` of the list, ending `end`
// bytes into that request (a merged request keeps its start address, so this stays valid).
struct RequestPiece {
  uint32_t req = 0;
  uint64_t end = 0;
};

// A list of per-PC requests being assembled; adjacent pieces in the same PC merge.
// Storage is reused across jobs (no allocation in steady state).
class RequestList {
 public:
  explicit RequestList(uint32_t pcs = 0) { reset_pcs(pcs); }
  void reset_pcs(uint32_t pcs) { last_.assign(pcs, -1); }
  // Most bytes of one request (0: no limit): a piece is cut, and adjacent pieces merge, only
  // inside one aligned window of that many bytes (one access of the K/V gather engine).
  void set_max_request(uint64_t bytes) { max_request_ = bytes; }
  void clear();
  void add(uint32_t pc, uint64_t addr, uint64_t bytes, bool write);
  // While set, every add() also appends where its piece landed (K/V streams: which
  // request carries which entry).
  void record_pieces(std::vector<RequestPiece>* to) { pieces_ = to; }
  const std::vector<hbm::Request>& requests() const { return reqs_; }
  std::vector<hbm::Request>& requests() { return reqs_; }
  uint64_t bytes() const { return bytes_; }
  // Streaming (a job too long to hold whole, an hbm::RequestSource): takes the oldest request
  // if nothing added later can merge into it any more (its pseudo-channel has a newer
  // request), or with `all` whatever is left; false when there is none. Taken requests leave
  // the list (bytes() still counts them), so it holds only the open ones; the order is the
  // list's, as if it had been built whole.
  bool take(hbm::Request& r, bool all);
  // Per-channel load balance of the list: the most loaded pseudo-channel's bytes over the
  // mean over all pseudo-channels (1 = even; 0 for an empty list). `scratch` holds the
  // per-channel sums (sized once, then reused).
  double channel_max_over_mean(std::vector<uint64_t>& scratch) const;

 private:
  std::vector<hbm::Request> reqs_;
  size_t head_ = 0;            // streaming: requests before it are handed over
  std::vector<int64_t> last_;  // index of the last request per PC in reqs_, or -1
  uint64_t bytes_ = 0;
  uint64_t max_request_ = 0;
  std::vector<RequestPiece>* pieces_ = nullptr;
  void add_one(uint32_t pc, uint64_t addr, uint64_t bytes, bool write);
};

class MemoryMap;

// The prefill's embedding lookup of tokens [first, first + count), one request per row piece,
// as a request source (HbmBlock::submit_stream): made row by row on demand, in the order and
// with the merges of a RequestList built whole. Token ids are not in the trace; token t reads
// row (t * 2654435761) mod vocab (rows spread deterministically).
class EmbeddingLookup final : public hbm::RequestSource {
 public:
  EmbeddingLookup(const MemoryMap& map, uint32_t vocab);
  void set_tokens(uint32_t first, uint32_t count) {
    first_ = first;
    count_ = count;
    rewind();
  }
  void rewind() override {
    list_.clear();
    next_ = 0;
  }
  bool next(hbm::Request& r) override;

 private:
  const MemoryMap& map_;
  uint32_t vocab_;
  uint32_t first_ = 0, count_ = 0, next_ = 0;
  RequestList list_;
};

class MemoryMap {
 public:
  // The KV region is sized for `context_tokens` (the request being replayed: prompt +
  // decode), as a runtime allocates it per request.
  MemoryMap(const ModelCard& m, const HardwareConfig& c, const Program& p, uint32_t context_tokens);

  uint32_t pcs() const { return pcs_; }
  uint64_t kv_entry_bytes() const { return entry_bytes_; }
  uint64_t embedding_row_bytes() const { return emb_row_bytes_; }

  // Appends the requests that read bytes [from, from+len) of every PC's slice of matrices
  // m0..m1 (adjacent in every PC: one stream), i.e. the same fraction of every slice (the
  // weight DMA's prefetch window and the rest).
  void weight_range(uint32_t m0, uint32_t m1, uint64_t from_per_pc, uint64_t len_per_pc,
                    RequestList& out) const;
  uint64_t weight_bytes_per_pc(uint32_t m) const { return slice_bytes_[m]; }

  void embedding_row(uint32_t token_id_slot, RequestList& out) const;
  // Router weights of one module (d x 2), striped like the embedding table.
  void router_weights(uint32_t layer, uint32_t module, uint64_t bytes, RequestList& out) const;
  // Gives entry (token, layer) its place (paged reservation; a no-op when dense or already
  // placed). Throws InputError when the pool is exhausted. Call before its first write.
  void kv_allocate(uint32_t token, uint32_t layer);
  // The requests of entry (token, layer); paged: the entry must have been allocated.
  void kv_entry(uint32_t token, uint32_t layer, bool write, RequestList& out) const;
  // Bytes [from, from+len) of that entry (K is its first half, V its second).
  void kv_part(uint32_t token, uint32_t layer, uint64_t from, uint64_t len, bool write, RequestList& out) const;
  // Bytes per PC before the K/V region (weights, embedding, router weights).
  uint64_t bytes_per_pc_fixed() const { return kv_base_; }
  // The embedding table's per-PC region: [embedding_base(), router_base()).
  uint64_t embedding_base() const { return emb_base_; }
  uint64_t router_base() const { return router_base_; }
  // Dense reservation: the K/V region's bytes per PC; paged: the pages taken so far (most
  // of any PC) times the page size.
  uint64_t kv_bytes_per_pc() const;
  uint64_t kv_pages_used() const { return pages_used_; }

 private:
  uint32_t pcs_;
  uint32_t beat_;
  KvMapping mapping_;
  uint32_t interleave_;
  KvOrder order_;
  bool kv_split_;
  uint32_t groups_ = 1;        // head groups per K (or V) of an entry
  uint64_t piece_bytes_ = 0;   // one head group of K or of V
  void kv_block(uint64_t base, int64_t pc, uint64_t slots, uint64_t slot, uint64_t from, uint64_t len,
                bool write, RequestList& out) const;
  uint32_t layers_;
  uint64_t max_tokens_;
  uint64_t entry_bytes_;
  uint64_t emb_row_bytes_;
  uint64_t emb_base_ = 0;      // embedding table, striped like interleaved KV
  uint64_t router_base_ = 0;   // router weights (used when not on chip), striped
  uint64_t router_bytes_ = 0;  // per module
  std::vector<uint64_t> slice_base_, slice_bytes_;
  uint64_t kv_base_ = 0;
  uint64_t slots_per_layer_ = 0;
  uint64_t kv_bytes_per_pc_ = 0;
  // Paged reservation.
  KvReserve reserve_;
  uint64_t pc_bytes_;
  uint32_t page_entries_;
  uint32_t pools_ = 1;                            // PCs (token mapping) or 1 (striped)
  std::vector<uint32_t> index_;                   // (layer, token) -> index in its (layer, pool)
  std::vector<uint32_t> count_;                   // (layer, pool) -> entries placed
  std::vector<std::vector<uint64_t>> pages_;      // (layer, pool) -> page offsets in the pool
  std::vector<uint64_t> pool_next_;               // per pool: next free byte
  uint64_t pool_bytes_ = 0;                       // per pool
  uint64_t pages_used_ = 0, max_pool_used_ = 0;
  std::string model_name_, config_file_;
  void striped(uint64_t base, uint64_t offset, uint64_t len, bool write, RequestList& out) const;
};

}  // namespace skipopu

// Cycle formulas of the compute blocks: the one source of every compute-cycle number.
//
// Models: the compute cycles of the PE array (GEMM, attention), the router and the
// nonlinear unit, and their overlap with the weight / K/V / router-weight streams. Each
// SystemC block calls these; tests/sim/test_timing.cpp checks each closed form against
// hand-derived counts and against a step-by-step reference recurrence (the *_reference
// functions below). All results are in core-clock cycles.
// Abstracts away: the arrival profile of a stream inside [first, last] (linear for weight
// streams and inside one K/V request) -- what the RTL co-simulation checks.
//
// PE array mapping (weight-stationary): a rows x cols tile of the weight matrix (rows
// output neurons, cols input elements) is loaded, then the M token vectors stream
// through it, one per cycle. A GEMM of M tokens, K inputs and N outputs therefore takes
//   ceil(N/rows) * ceil(K/cols) * M   cycles of compute, plus the pipeline latency.
// Attention maps each query separately (query-stationary): for a query that sees n
// context entries, Q.K^T takes heads*ceil(n/rows)*ceil(head_dim/cols) cycles and P.V
// heads*ceil(head_dim/rows)*ceil(n/cols) cycles.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace skipopu::timing {

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

struct ArrayShape {
  uint32_t rows = 0;
  uint32_t cols = 0;
};

// Weight tiles of a K x N matrix, and the compute cycles for M tokens.
inline uint64_t gemm_tiles(const ArrayShape& a, uint64_t k, uint64_t n) {
  return ceil_div(n, a.rows) * ceil_div(k, a.cols);
}
inline uint64_t gemm_cycles(const ArrayShape& a, uint64_t m, uint64_t k, uint64_t n) {
  return gemm_tiles(a, k, n) * m;
}

// Compute cycles of one query over n context entries.
inline uint64_t attn_qk_cycles(const ArrayShape& a, uint64_t heads, uint64_t head_dim, uint64_t n) {
  return heads * ceil_div(n, a.rows) * ceil_div(head_dim, a.cols);
}
inline uint64_t attn_pv_cycles(const ArrayShape& a, uint64_t heads, uint64_t head_dim, uint64_t n) {
  return heads * ceil_div(head_dim, a.rows) * ceil_div(n, a.cols);
}

// A streaming unit (throughput per cycle, pipeline latency) over `elems` elements.
inline uint64_t stream_cycles(uint64_t elems, uint32_t per_cycle, uint32_t latency) {
  return ceil_div(elems, per_cycle) + latency;
}

// Producer/consumer overlap of a weight (or K/V) stream with the array's compute.
// The consumer needs n_tiles tiles of `tile_cycles` each, may start at `start`, and
// tile i is available at arrival(i). For an arrival profile that is linear between
// `first` (tile 0) and `last` (tile n-1) -- what a constant-rate stream delivers --
// the time the last tile's compute ends is exactly
//   max(max(start, first) + n_tiles*tile_cycles, last + tile_cycles)
// (proved against the tile-by-tile recurrence in tests/sim/test_timing.cpp).
// The pipeline latency is added by the caller.
inline uint64_t overlap_finish(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                               uint64_t tile_cycles) {
  if (n_tiles == 0) return start;
  const uint64_t s = start > first ? start : first;
  const uint64_t a = s + n_tiles * tile_cycles;
  const uint64_t b = last + tile_cycles;
  return a > b ? a : b;
}

// The same, tile by tile: the detailed reference used by tests. arrival(i) is
// first + floor(i*(last-first)/(n-1)).
uint64_t overlap_finish_reference(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                                  uint64_t tile_cycles);

// ---------------------------------------------------------------- GEMM (general form)
// One matrix of a fused GEMM and the tokens that multiply it (k inputs, n outputs).
struct GemmPart {
  uint64_t k = 0, n = 0, tokens = 0;
};

// What a fused GEMM over parts[0..nparts) asks of the array, in weight-stream order.
struct GemmWork {
  uint64_t compute = 0;  // sum over parts of tiles * tokens: cycles of tile steps
  uint64_t tail = 0;     // cycles of the stream's last tile (the last part's tokens)
  uint64_t macs = 0;     // multiply-accumulates (k * n * tokens summed)
  // Whether token counts never increase along the stream (the precondition of
  // gemm_finish's closed form; the compiler emits K/V projection (all tokens) first).
  bool ordered = true;
};
// `tile_read` > 0: a tile step with tokens lasts at least tile_read cycles (the weight
// buffer's ports read one tile out in tile_read cycles; PeArray); tile_read 1 or 0: no limit.
// Costs max(tokens, tile_read) keep the order of the token counts, so gemm_finish stays exact.
GemmWork gemm_work(const ArrayShape& a, const GemmPart* parts, size_t nparts, uint64_t tile_read = 0);

// Finish of the GEMM's last tile step (pipeline latency excluded) when the weight stream's
// tiles arrive linearly between `first` and `last` (one stream over all parts) and each tile
// of part i takes parts[i].tokens cycles. With non-increasing token counts the tile steps'
// costs never grow along the stream, so arrival(j) + (remaining work from tile j) is largest
// at the first or the last tile and the finish is exactly
//   max(max(start, first) + compute, last + tail)
// (proved against gemm_finish_reference in tests/sim/test_timing.cpp; with uniform tokens it
// is overlap_finish). Callers check w.ordered.
inline uint64_t gemm_finish(uint64_t start, uint64_t first, uint64_t last, const GemmWork& w) {
  const uint64_t begin = start > first ? start : first;
  const uint64_t a = begin + w.compute;
  const uint64_t b = last + w.tail;
  return a > b ? a : b;
}

// The same, tile step by tile step: tile j of the stream (parts in order, each part's tiles
// in turn) arrives at first + floor(j*(last-first)/(N-1)) (N tiles in all).
// A tile step of part i takes max(tokens, tile_read) cycles (tokens > 0), as gemm_work says.
uint64_t gemm_finish_reference(const ArrayShape& a, const GemmPart* parts, size_t nparts, uint64_t start,
                               uint64_t first, uint64_t last, uint64_t tile_read = 0);

// ---------------------------------------------------------------- router
// The d->2 dot product of `tokens` vectors at `lanes` MACs per cycle: ceil(d/lanes) cycles a
// token. With weights read from HBM, the weight vector is one tile: no product starts before
// all of it is visible (`weights_done`); on chip it is there at `start`. The latency (which
// includes the 2-way argmax) follows the last product.
inline uint64_t router_compute(uint64_t tokens, uint64_t d, uint32_t lanes) { return tokens * ceil_div(d, lanes); }
inline uint64_t router_finish(uint64_t start, bool from_hbm, uint64_t weights_first, uint64_t weights_done,
                              uint64_t tokens, uint64_t d, uint32_t lanes, uint32_t latency) {
  const uint64_t c = router_compute(tokens, d, lanes);
  return (from_hbm ? overlap_finish(start, weights_first, weights_done, 1, c) : start + c) + latency;
}
// Token by token, lane chunk by lane chunk (each chunk one cycle; the last may be partial).
uint64_t router_finish_reference(uint64_t start, bool from_hbm, uint64_t weights_done, uint64_t tokens, uint64_t d,
                                 uint32_t lanes, uint32_t latency);

// ---------------------------------------------------------------- attention
// Attention of one step at one layer: query i attends to context[i] entries (itself
// included); K/V arrive as one stream visible from `first` to `last`.
struct AttentionShape {
  uint64_t heads = 0, head_dim = 0;
  const uint64_t* context = nullptr;
  size_t queries = 0;
};
struct AttentionCycles {
  uint64_t qk = 0, pv = 0;   // tile-step cycles of Q.K^T and P.V over every query
  uint64_t tail = 0;         // the tile steps of one context entry: one Q.K^T and one P.V per head
  uint64_t softmax_elems = 0;  // heads * context summed: the softmax passes' elements
};
AttentionCycles attention_cycles(const ArrayShape& a, const AttentionShape& s);
// Tile steps per key block of a.rows entries (Q.K^T) and per entry chunk of a.cols entries (P.V)
// of one query, all heads (attention_stream_finish's; the RTL processor's attention schedule).
struct StepCounts {
  uint64_t qk_block, pv_chunk;
};
StepCounts step_counts(const ArrayShape& a, const AttentionShape& s);

// Attention follows its K/V stream entry by entry. ready[e] is the core cycle context
// entry e (stream order = token order) is visible: the arrival of the last byte of its
// pieces in the K/V job's requests (on-chip entries: 0, i.e. at the start). Each tile
// step of the mapping above needs the entries up to the last one it reads: a Q.K^T step
// of key block kb the entries < min(kb + rows, n), a P.V step of entry chunk ec those
// < min(ec + cols, n) (n the query's context). The step engine takes the entries in stream
// order, one a cycle, none before the start: entry e is taken in cycle
// A(e) = max(ready[e], A(e - 1) + 1), A(-1) = start - 1 (the generated RTL's entry queue, one
// pop a cycle, an entry with no step of its own included: docs/rtl.md step 17). The array runs
// the steps in the order their data is taken (stable: Q.K^T before P.V, queries and heads in
// order), one cycle each, so the step recurrence t = max(t, A(need)) + 1 ends at exactly
//   max(start + S, max over e of (A(e) + steps needing entry e or later))
// (S all steps; proved against attention_stream_reference in tests/sim/test_timing.cpp).
// Which tile steps a pass runs: both (fused), or, unfused, Q.K^T alone (softmax and P.V
// follow: PeArray) or P.V alone (following a V stream whose entry e is visible at ready[e]).
enum class AttnSteps { Both, QkOnly, PvOnly };
// `entries` >= every context[q]. Returns the last step's end, latency excluded.
uint64_t attention_stream_finish(const ArrayShape& a, const AttentionShape& s, uint64_t start, const uint64_t* ready,
                                 size_t entries, AttnSteps steps);

// The same, step by step: every tile step of the walk (query, head, Q.K^T key blocks x
// head_dim chunks, then P.V head_dim blocks x entry chunks; each only when `steps` runs it)
// with the entry it needs, stably sorted by that entry, each entry's take cycle A(e) from the
// one-a-cycle rule, then the one-cycle recurrence above.
uint64_t attention_stream_reference(const ArrayShape& a, const AttentionShape& s, uint64_t start,
                                    const uint64_t* ready, size_t entries, AttnSteps steps);

// A request's data arrives linearly between its first and its last beat: the cycle the
// beat holding byte `end - 1` of a `bytes`-byte request transferred (beats of `beat` bytes).
inline uint64_t piece_arrival(uint64_t first, uint64_t done, uint64_t bytes, uint64_t end, uint32_t beat) {
  const uint64_t beats = ceil_div(bytes, beat);
  if (beats <= 1) return done;
  const uint64_t k = ceil_div(end, beat) - 1;
  return first + (k * (done - first)) / (beats - 1);
}

// EMBED's rows into the activation buffer (the generated processor's e_sel, docs/rtl.md step 24):
// each cycle the lowest port with a row beat visible gives the buffer one beat, two when the
// request's next beat is visible too, up to `lanes` (the generated buffer's two lanes: embedding.intake_beats_per_cycle; the read master passes a second
// beat only of the same command); a port's beats in its requests' order, beat j of an n-beat
// request visible at piece_arrival's rule (first + j (done - first) / (n - 1)); EMBED is done in
// the cycle of its last beat taken. Fed as the requests' data become known, never holding the
// lookup: add() each request in its port's order, advance(h) once every beat visible before
// cycle h has been added; a port keeps its all-visible requests not taken as runs of equal
// sizes and the requests not all visible yet.
class EmbedIntake {
 public:
  // lanes: beats of one request the buffer takes in a cycle (embedding.intake_beats_per_cycle)
  void start(uint32_t ports, uint64_t start, uint32_t lanes);
  void add(uint32_t port, uint32_t beats, uint64_t first, uint64_t done);
  void advance(uint64_t horizon);
  bool idle() const { return left_ == 0; }  // every beat added taken
  uint64_t end() const { return end_; }     // the last beat's cycle (start: none)

 private:
  struct Part {
    uint64_t first, done;
    uint32_t beats, taken;
  };
  struct Run {  // `count` all-visible requests of `beats` beats each, in order
    uint32_t beats;
    uint64_t count;
  };
  struct Port {
    std::deque<Run> runs;    // all visible at cycle_, before parts
    uint32_t run_taken = 0;  // beats taken of the first request of runs
    std::deque<Part> parts;  // not all visible at cycle_, in order
  };
  int take(Port& q, uint64_t c);  // 0: no beat visible; 1: one taken, its request goes on; 2: its last
  std::vector<Port> ports_;
  uint64_t cycle_ = 0, end_ = 0, left_ = 0;
  uint32_t lanes_ = 1;
};
// The same, beat by beat over the whole lookup (rows in its order): every beat's visible cycle
// listed per port, then the cycles one by one from `start`.
struct IntakeRow {
  uint32_t port = 0;
  uint32_t beats = 0;
  uint64_t first = 0, done = 0;
};
uint64_t embed_intake_reference(const IntakeRow* rows, size_t n, uint32_t ports, uint64_t start, uint32_t lanes);

// ---------------------------------------------------------------- the attention's context walk
// The gather engine's walk over an attention's context (the generated processor's ATTN engine,
// docs/rtl.md step 26), in core cycles after the attention's start. Token c of the context is
// reached request_cycles + c * walk_cycles after the start, unless a lookup held the walk
// before it:
// - an own entry (Read) is requested as the walk reaches it, and the walk goes on;
// - a reused entry is looked up in the history buffer in the cycle the walk reaches it, once the
//   buffer is idle (one lookup at a time: the next waits for the previous hit's last beat, and
//   goes the cycle after it). A Hit's beats (of `beat_bytes`) come from hit_latency after the
//   lookup, one a cycle at most, each once the buffer's read ports have read out its bytes since
//   the start (read_bytes a cycle: beat n of the attention's hits, counted from 1, not before
//   cycle ceil(n * beat_bytes / read_bytes); 0: no limit); the walk takes the first beat and goes
//   on: the next token is reached 1 + request_cycles after that beat (the walk rereads its
//   table as at the start). A Miss is answered miss_latency after its lookup; the entry is
//   requested 2 cycles after the answer (the walk's append state, then the request as an own
//   entry's), and the next token is reached 2 + request_cycles after the answer; the buffer is
//   idle the cycle after the answer.
// walk_cycles 0 (every address known at the start): every request at request_cycles, whatever
// the lookups; the hits' beats still follow the rules above.
struct KvWalkTiming {
  uint64_t request_cycles = 0;  // kv.request_cycles
  uint64_t walk_cycles = 0;     // kv.walk_cycles_per_token
  uint64_t hit_latency = 0;     // kv_buffer.hit_latency_cycles: lookup to a hit's first beat
  uint64_t miss_latency = 0;    // kv_buffer.miss_latency_cycles: lookup to a miss's answer
  uint64_t read_bytes = 0;      // the buffer's read-out bytes a cycle (kv_buffer_read_bytes; 0: no limit)
  uint64_t beat_bytes = 1;      // bytes of one read-out beat
};
enum class WalkKind : uint8_t { Read, Hit, Miss };
struct WalkEntry {
  uint32_t token = 0;  // context token (walk order: increasing)
  WalkKind kind = WalkKind::Read;
  uint64_t bytes = 0;  // a Hit's on-chip bytes (its beats: ceil(bytes / beat_bytes), at least 1)
};
// at[i]: a Read's or a Miss's request cycle; a Hit's last beat (the entry on chip). Needs
// beat_bytes >= read_bytes (a beat's credit then takes a cycle at least, and a hit's last beat is
// max(lookup + hit_latency + beats - 1, its credit cycle): closed form, no loop over beats).
// With `reads`: the walk's reads of the K/V entry table (the generated ATTN engine's kt_a_req,
// which has the table before the fill engine and KV_STORE), one for every token of the context
// [0, context) (context >= the last entry's token + 1), token c's request_cycles before the walk
// reaches it: runs of walk_cycles-spaced cycles, a new run after each lookup (none when
// walk_cycles is 0: every address is known at the start).
// The walk's end (`end`): the cycle after it has classified the context's last
// token (the generated walk's A_FL): that token's reach + walk_cycles - 1 when it is classified in
// turn (own, or no entry), or the cycle after its lookup's answer was taken (a hit's first beat
// + 1, a miss's answer + 2); 0 for an empty context. A prefill's step engine starts there.
struct TableReadRun {
  uint64_t first = 0;  // the run's first read, cycles after the start
  uint64_t count = 0;  // reads first, first + walk_cycles, ...
};
void kv_walk(const KvWalkTiming& t, const WalkEntry* e, size_t n, uint64_t* at, uint32_t context = 0,
             std::vector<TableReadRun>* reads = nullptr, uint64_t* end = nullptr);
// The same, cycle by cycle: the generated walk's states (classify, lookup, response, append,
// table reread), the buffer's lookup pipeline with its two-entry response queue (a beat issued
// only while fewer than two wait, the issue-to-queue latency hit_latency - 2) and the read-out
// credit (read_bytes added a cycle, beat_bytes taken a beat). Needs request_cycles >= 1,
// walk_cycles >= 1, hit_latency >= 2 and miss_latency >= 2. The walk goes on to token
// context - 1; `reads` gets each token's table read (the cycle it enters RD, or for a token
// classified straight after the previous one, request_cycles before it is reached), `end` the
// cycle it is over.
void kv_walk_reference(const KvWalkTiming& t, const WalkEntry* e, size_t n, uint64_t* at, uint32_t context = 0,
                       std::vector<uint64_t>* reads = nullptr, uint64_t* end = nullptr);

}  // namespace skipopu::timing

// Hardware configuration of one SkipOPU instance, parsed once from JSON into validated
// structs (schema and every key's meaning: docs/config.md; default: configs/u280.json).
//
// A config file may name a "base" config (path relative to itself) and override any
// subset of its keys; command-line --set key.path=value overrides come last. After
// merging, every key of the schema must be present and no other key may be: a typo is
// an error naming the file and the JSON path, never a silent default.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/json_reader.hpp"

namespace skipopu {

enum class KvPolicy { Dense, Evict, Reuse };
enum class KvMapping { Interleaved, Token };
enum class KvReserve { Dense, Paged };
enum class KvOrder { TokenMajor, HeadMajor };

struct ClockConfig {
  uint64_t core_hz = 0;     // PE array, nonlinear units, router, controller
  uint32_t cdc_sync_cycles = 0;  // synchroniser stages, in cycles of the receiving clock
  // The HBM AXI clock is the HBM preset's (hbm.axi_mhz): one source for it.
};

// The controller that issues the overlay program (docs/isa.md).
struct ControllerConfig {
  // Core cycles between two instruction issues: the controller decodes the next
  // instruction while the current one runs, so issue costs time only when an instruction
  // is done (or handed to a DMA engine) sooner than this after its own issue. 0: free.
  uint32_t issue_cycles = 0;
};

struct PeArrayConfig {
  uint32_t rows = 0;  // output neurons per cycle (lanes down)
  uint32_t cols = 0;  // input elements per cycle (lanes across)
  uint32_t dsps = 0;  // DSP48E2 slices in the array
  std::string layout_fp16_int4;  // DSP packing layout for activation x weight products
  std::string layout_fp16_fp16;  // DSP packing layout for attention (Q.K^T, P.V) products
  uint32_t pipeline_latency = 0;  // cycles from the last operand in to the last result out
  uint64_t weight_prefetch_bytes = 0;  // weight-buffer window the DMA may run ahead
  // Bytes a core cycle the weight buffer's ports read out to the array (0: no limit): a
  // tile step lasts at least ceil(tile bytes / this) cycles (docs/config.md).
  uint64_t weight_buffer_bytes = 0;
  // Request and beat-to-array latencies (docs/config.md; the generated RTL's, docs/rtl.md):
  // core cycles from a LOADW's issue to the weight DMA's first HBM request,
  uint32_t dma_request_cycles = 0;
  // from a GEMM's issue to its first tile step (weights already in the buffer),
  uint32_t gemm_start_cycles = 0;
  // and from a weight beat's arrival to the tile step that uses it.
  uint32_t weight_beat_cycles = 0;
};

struct WeightFormat {
  uint32_t bits = 0;           // weight bits (GPTQ-style fixed point)
  uint32_t group_size = 0;     // weights per quantisation group
  uint32_t scale_bits = 0;     // per-group scale
  uint32_t zero_point_bits = 0;  // per-group zero point (0 = symmetric)
  uint32_t lm_head_bits = 0;   // LM head weight bits (same group format)
  uint32_t embedding_bits = 0; // embedding table element bits (one row read per token)
};

struct UnitTiming {
  uint32_t elems_per_cycle = 0;  // throughput of the unit for this operation
  uint32_t latency = 0;          // pipeline latency in cycles
};

struct NonlinearConfig {
  UnitTiming rmsnorm_reduce;  // sum of squares (reduction part)
  UnitTiming rmsnorm_apply;   // x * rsqrt(mean) * gamma (element-wise part)
  UnitTiming softmax_reduce;  // running max and running sum (reduction part)
  UnitTiming softmax_apply;   // exp(x - max) / sum (element-wise part)
  UnitTiming swiglu;          // silu(gate) * up
  UnitTiming rope;            // rotary position embedding on Q and K
  UnitTiming residual;        // residual add
  UnitTiming argmax;          // over the LM head's logits
};

struct RouterConfig {
  uint32_t lanes = 0;    // multiply-accumulates per cycle of the d->2 dot product
  uint32_t latency = 0;  // pipeline latency including the argmax of 2 logits
  bool weights_on_chip = true;  // router weights held on chip (else read from HBM per use)
  uint32_t weight_bits = 0;
};

struct KvConfig {
  uint32_t element_bits = 0;  // K/V element format (FP16 = 16)
  KvPolicy policy = KvPolicy::Reuse;
  KvMapping mapping = KvMapping::Token;
  uint32_t interleave_bytes = 0;  // granularity of the interleaved mapping across PCs
  // Layout of K/V inside a block of T token slots (a layer's region, or a page), in pieces of
  // heads_per_access heads of K or of V (docs/config.md):
  //   token_major, together: token, then K|V, then head group (an entry is contiguous)
  //   token_major, split:    K|V, then token, then head group
  //   head_major,  together: head group, then token, then K|V
  //   head_major,  split:    K|V, then head group, then token
  KvOrder order = KvOrder::TokenMajor;
  bool kv_split = false;           // K and V in separate planes of the block
  uint32_t heads_per_access = 0;   // kv heads per piece (divides the model's kv_heads)
  uint32_t gather_bytes = 0;       // most bytes of one K/V read request (0: no limit)
  // How the runtime reserves K/V space: "dense" a slot for every (token, layer) of the
  // request's context whatever the policy; "paged" pages of page_entries entries of one
  // layer, taken on demand from the HBM left after weights, embedding and router weights
  // (only the entries the policy stores).
  KvReserve reserve = KvReserve::Paged;
  uint32_t page_entries = 0;
  // The attention's K/V requests: core cycles from the ATTN's start to the first context
  // token's request, and the walk's cycles per context token after it (token c's request at
  // start + request_cycles + c * walk_cycles_per_token; 0, 0: the whole job at the start).
  uint32_t request_cycles = 0;
  uint32_t walk_cycles_per_token = 0;
};

// The EMBED instruction's row reads.
struct EmbeddingConfig {
  uint32_t request_cycles = 0;  // core cycles from EMBED's issue to its first HBM request
  uint32_t intake_beats_per_cycle = 0;  // beats of one port's row the activation buffer takes a core cycle
};

struct KvBufferConfig {
  uint32_t urams = 0;       // URAM288 blocks given to the KV history buffer
  uint32_t uram_bytes = 0;  // bytes per URAM288 (288 Kb = 36864 B)
  bool prefetch = true;     // prefetch next layer's reused entries in the background
  // Whether the buffer's write port taps the attention's K/V read stream, so that an entry
  // reused at layer l from layer l-1 is captured while layer l-1 reads it (no HBM read);
  // false: every entry not already resident is fetched from HBM (docs/config.md).
  bool capture = false;
  uint32_t port_bits = 0;   // width of one URAM288 port (72)
  uint32_t read_ports = 0;  // ports per URAM that read hits out to the PE array (of 2)
  // The attention walk's lookups (timing::kv_walk): core cycles from a lookup to a hit's first
  // read-out beat, and to a miss's answer.
  uint32_t hit_latency_cycles = 0;
  uint32_t miss_latency_cycles = 0;
};

// Which registered implementation each compute block uses (block_registry.hpp).
struct BlockImpls {
  std::string pe_array, nonlinear, router;
  std::string controller = "systemc";  // optional key: the program sequencer (sequencer.hpp)
  // Optional key: "rtl" runs the whole verilated processor (skipopu-rtl only, docs/rtl.md
  // "The whole processor in the loop"); the SystemC blocks then stay idle.
  std::string top = "systemc";
};

enum class UnfusedAttention { KvTogether, KvSplit };

struct HardwareConfig {
  std::string name;
  std::string file;  // where it came from (for messages)
  ClockConfig clocks;
  ControllerConfig controller;
  PeArrayConfig pe;
  WeightFormat weights;
  uint32_t activation_bits = 0;  // FP16 activations = 16
  NonlinearConfig nl;
  RouterConfig router;
  KvConfig kv;
  KvBufferConfig kv_buffer;
  EmbeddingConfig embedding;
  hbm::HbmParams hbm;  // the "hbm" section: preset + overrides (docs/hbm.md)
  bool fusion = true;  // fuse reductions/element-wise ops with the neighbouring matmul/router
  // The unfused attention dataflow (fusion off; a baseline, not a hardware fact): K and V of
  // an entry read together before Q.K^T, or K and V read as two streams (K first) so that
  // P.V follows the V stream while Q.K^T and the softmax passes run (docs/config.md).
  UnfusedAttention unfused_attention = UnfusedAttention::KvSplit;
  BlockImpls blocks;   // the "blocks" section
  Json resolved;       // the fully merged document (echoed into reports)

  uint64_t macs_per_cycle() const { return uint64_t(pe.rows) * pe.cols; }
  double peak_hbm_bytes_per_s() const {
    return hbm.peak_bytes_per_s();
  }
  uint64_t kv_buffer_bytes() const { return uint64_t(kv_buffer.urams) * kv_buffer.uram_bytes; }
};

// Loads `path` (following "base" links), applies `overrides` ("a.b=value"), validates.
// `data_dir` is where configs/hbm/ presets are looked up by name.
HardwareConfig load_hardware_config(const std::string& path, const std::vector<std::string>& overrides,
                                    const std::string& data_dir);

const char* to_string(KvPolicy p);
const char* to_string(KvMapping m);

}  // namespace skipopu

// Generator of the RTL variant of the compute blocks (Verilog-2005, the subset Verilator
// 5.006 and Yosys 0.23 both accept), from the same hardware config the simulator reads.
//
// Models: the DSP packing datapath of a layout (one DSP48E2 multiply-add, P = (D +/- A) * B
// + C, with its port packing, C-port corrections and lane extraction in fabric logic,
// bit-identical to dsp::evaluate with corrections on); the hybrid PE array (rows x cols
// FP16 x INT4 products per cycle, block floating point per group of cols columns, the
// group's FP32 partial bit-identical to dsp::hybrid_group_accumulate + hybrid_group_partial)
// with a start/done handshake whose start-to-done cycles are
// timing::gemm_cycles + pe_array.pipeline_latency.
// Abstracts away: the weight double buffer and the activation buffer (the array takes one
// token vector per cycle and a whole weight tile with a tile's first token), the FP32 group
// scale and the cross-tile FP32 row sum (after the array), placement of the pipeline
// registers (the datapath computes in two register stages; the remaining
// pipeline_latency - 2 stages are a delay line at the output that retiming would spread
// over the datapath, see docs/rtl.md).
#pragma once
#include <string>
#include <vector>

#include "skipopu/config.hpp"
#include "skipopu/dsp/hybrid_mac.hpp"
#include "skipopu/dsp/packing.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/program.hpp"

namespace skipopu::rtl {

struct RtlFile {
  std::string name;  // file name inside the output folder
  std::string text;
};

// Verilog module name of a layout's packing datapath: "skipopu_pack_<layout name>".
std::string pack_module_name(const dsp::PackingLayout& l);
// The packing datapath of one layout (combinational). Ports: op<i> (operand i of the
// layout, its width), lane<i> (signed, lane_width(l, i) bits: the corrected lane value).
std::string generate_pack_module(const dsp::PackingLayout& l);
unsigned lane_width(const dsp::PackingLayout& l, unsigned lane);

// Shape and timing of the generated PE array.
struct PeArrayRtl {
  unsigned rows = 0, cols = 0, lanes = 0;
  unsigned guard_bits = 0, acc_bits = 0;
  unsigned latency = 0;        // pe_array.pipeline_latency
  unsigned datapath_stages = 2;  // register stages the datapath itself needs
  std::string layout;
};
// Checks that the config can be generated (InputError naming the config file and field).
PeArrayRtl pe_array_params(const HardwareConfig& c, const dsp::HybridMacConfig& h);
std::string generate_pe_array(const PeArrayRtl& p, const dsp::PackingLayout& l);
std::string generate_pe_column(const PeArrayRtl& p, const dsp::PackingLayout& l);  // one column, all rows

// The nonlinear unit (skipopu_nonlinear.v + skipopu_nl_lane.v): width = the largest
// elems_per_cycle; per operation (dsp::NlOp order) its lanes and latency from "nonlinear".
// Fixed-point arithmetic bit-identical to dsp::nl_pass; edges from start to done with
// in_valid held high = timing::stream_cycles(n, lanes, latency). Abstracts away: FP16
// conversion at the ports, placement of pipeline registers (2 datapath stages, the rest a
// delay line), the operand buffers (ports instead).
struct NonlinearRtl {
  unsigned width = 0;
  unsigned lanes[8] = {}, latency[8] = {};
  unsigned datapath_stages = 2;
};
NonlinearRtl nonlinear_params(const HardwareConfig& c);  // InputError naming the config field
std::string generate_nonlinear(const NonlinearRtl& p);
std::string generate_nl_lane();
// The router (skipopu_router.v): router.lanes MACs per cycle, two exact 48-bit logits,
// decision logit1 > logit0, router.latency; start..done = timing::router_finish with the
// weights on chip (the weights enter on ports beside the activations).
struct RouterRtl {
  unsigned lanes = 0, latency = 0;
  unsigned datapath_stages = 2;
};
RouterRtl router_params(const HardwareConfig& c);
std::string generate_router(const RouterRtl& p);

// Vivado hand-off (docs/rtl.md): a top-level wrapper (skipopu_u280_top.v) with the HBM IP's
// AXI3 ports (hbm.ports of them, beat_bytes*8 data bits) on axi_clk that instantiates the whole
// processor on core_clk and one AXI clock crossing per port (skipopu_axi_cdc.v: an asynchronous
// FIFO per channel, skipopu_axi_cdc_fifo.v), the clock constraints (skipopu_u280.xdc:
// clocks.core_mhz, hbm.axi_mhz, the crossing's CDC paths) and a Vivado project Tcl sketch for
// xcu280-fsvh2892-2L-e (skipopu_u280_project.tcl). Never run with Vivado here.
struct HandoffRtl {
  unsigned ports = 0, data_bits = 0, addr_bits = 0, id_bits = 0;
  double core_mhz = 0, axi_mhz = 0;
  unsigned cdc_sync_cycles = 0;  // synchroniser flops of the crossing (clocks.cdc_sync_cycles, >= 2)
  unsigned cdc_fifo_bits = 0;    // log2 of each crossing FIFO's depth (kCdcFifoBits)
};
// Depth of the crossing's FIFOs: 16 entries, one full AXI3 burst of W or R beats, and more than
// the pointers' round trip (about 2 * (sync + 1) cycles), so a burst streams at the slower clock's rate.
constexpr unsigned kCdcFifoBits = 4;
HandoffRtl handoff_params(const HardwareConfig& c);  // InputError naming the config field
std::string generate_axi_cdc_fifo(const HandoffRtl& h);  // skipopu_axi_cdc_fifo.v
std::string generate_u280_xdc(const HandoffRtl& h, const std::string& config_name);
std::string generate_u280_tcl(const HandoffRtl& h, const std::string& config_name,
                              const std::vector<std::string>& verilog_files);

// The KV history buffer (src/rtl/generator_mem.cpp, docs/rtl.md): skipopu_kv_store.v, the
// storage (kv_buffer.urams * uram_bytes bytes as rows of one 256-bit beat; Yosys
// synth_xilinx -family xcup -uram infers URAM288), and
// skipopu_kv_history.v, the buffer: two entry sets of max_tokens tokens, a free-slot FIFO,
// the fetch queue, capture, fill and lookup ports. Its keep / capture / fetch / overflow
// decisions and its resident() answers are KvHistoryBuffer's (co-simulated). The entry size
// is a run-time input (cfg_entry_beats: the model's 2 * kv_dim * element_bits / 256).
// Abstracts away: HBM addresses of entries (fetch requests carry token and source layer).
struct KvHistoryRtl {
  static constexpr uint64_t kBeatBytes = 32;  // one 256-bit beat (the AXI data width)
  unsigned urams = 0;
  uint64_t bytes = 0;       // kv_buffer.urams * uram_bytes
  uint64_t rows = 0;        // 256-bit beats the store holds: bytes / 32
  unsigned addr_bits = 0;   // ceil(log2(rows))
  uint32_t max_tokens = 0;  // context tokens the entry sets cover (gen-rtl --kv-tokens)
  unsigned token_bits = 0;
  uint64_t free_slots = 0;  // free-list and fetch-queue depth: 2 * max_tokens
  bool prefetch = true;     // kv_buffer.prefetch
  bool capture = false;     // kv_buffer.capture
};
// InputError naming /kv_buffer/urams (less than one beat of storage) or --kv-tokens.
KvHistoryRtl kv_history_params(const HardwareConfig& c, uint32_t max_tokens);
std::string generate_kv_store(const KvHistoryRtl& p, const std::string& config_name);
std::string generate_kv_history(const KvHistoryRtl& p, const std::string& config_name);

// The weight DMA's issue logic (skipopu_weight_dma.v) and the weight buffer
// (skipopu_weight_buffer.v), src/rtl/generator_mem.cpp: WeightDma's ring of 4 LOADW streams,
// each stream's head (min(bytes per PC, window_per_pc)) requested once the previous tail was,
// its tail when the PE array starts on it (co-simulated against WeightDma); the buffer is a
// ring of two prefetch windows of beats. Abstracts away: addresses (requests carry per-PC byte
// ranges of the stream and its tag), the tile layout of the array's weight port.
struct WeightDmaRtl {
  uint64_t window_per_pc = 0;  // ceil(pe_array.weight_prefetch_bytes / hbm.pseudo_channels)
  uint64_t buffer_beats = 0;   // 2 windows of 256-bit beats, rounded up to a power of two
  unsigned buffer_bits = 0;    // log2(buffer_beats)
};
WeightDmaRtl weight_dma_params(const HardwareConfig& c);  // InputError naming the config field
std::string generate_weight_dma(const WeightDmaRtl& p, const std::string& config_name);
std::string generate_weight_buffer(const WeightDmaRtl& p, const std::string& config_name);
// AXI3 masters (src/rtl/generator_axi.cpp; docs/rtl.md "AXI3 masters"): one command (address,
// beats, ID) -> INCR bursts of at most hbm max_burst_beats full beats, never across 4 KB, with at
// most max_outstanding_reads / _writes bursts in flight (0 in the config: 255, the counter's
// range). Abstracts away: the core/AXI clock crossing (the masters run on one clock), narrow
// or unaligned transfers, W data before its address, read-data interleaving (one ID per command).
struct AxiMasterRtl {
  unsigned data_bits = 0, addr_bits = 0, id_bits = 0, beat_bytes = 0;
  unsigned max_burst = 0, max_rd = 0, max_wr = 0;
  // Commands the read master holds awaiting data (a power of two; its queue of beats and IDs, and
  // the processor's queue of each command's client): a design constant of the generated master.
  unsigned rd_commands = 4;
  bool rd_limited = false, wr_limited = false;  // the config sets the limit (else the counter's range)
};
AxiMasterRtl axi_master_params(const HardwareConfig& c);  // InputError naming the config field
std::string generate_axi_read_master(const AxiMasterRtl& p);
std::string generate_axi_write_master(const AxiMasterRtl& p);

// The whole processor (skipopu_processor.v, src/rtl/generator_top.cpp, docs/rtl.md "The whole
// processor"): the controller's slot 0 dispatched to the PE array, nonlinear unit, router, weight
// DMA (its requests to every port's AXI3 read master, the data into one weight buffer per port),
// the KV history buffer (fetches, lookups by the attention walk), a host-written K/V entry table
// (where each (token, layer)'s K/V lives: the run's memory map), KV_STORE writes and the
// attention's gathers on the port of each entry's pseudo-channel, EMBED requests streamed by the
// host on their ports, the attention's tile-step schedule; an activation buffer between the units.
// Abstracts away: operand values (a unit's operands are the activation buffer's row replicated,
// its results folded back onto a row), the attention arithmetic (its steps are counted), the K/V
// page allocation and embedding addresses (the host's), the core/AXI clock crossing (one
// clock), the weights' tile layout.
struct ControllerRtl;

struct ProcessorRtl {
  unsigned ports = 0;        // AXI ports (hbm.ports)
  uint64_t pc_bytes = 0;     // port p's weight slice starts at p * pc_bytes
  unsigned pc_bits = 0;      // log2(pc_bytes): an address's port is address >> pc_bits
  unsigned kv_layer_bits = 0;  // the K/V entry table covers 2^kv_layer_bits layers
  unsigned wbuf_bits = 0;    // each port's weight buffer: 2^wbuf_bits beats (its share of two windows)
  unsigned act_bits = 0;     // activation buffer: 2^act_bits rows of 256 bits
  unsigned matrix_bits = 0;  // matrix table: 2^matrix_bits entries
};
// The request and beat-to-array latencies the generated processor's registers fix (docs/rtl.md
// "The whole processor in the loop"), in core cycles. The config says them too (the SystemC
// blocks wait them); check_processor_latencies refuses a config whose keys disagree.
struct ProcessorLatencies {
  // embedding.request_cycles: EMBED's first row request taken in the issue cycle, the read master's AR register
  static constexpr uint32_t kEmbedRequest = 1;
  // embedding.intake_beats_per_cycle: the activation buffer takes a port's r and r2 lanes (e_sel)
  static constexpr uint32_t kEmbedIntakeBeats = 2;
  // pe_array.dma_request_cycles: the DMA's stream queue, its request state, the AR register
  static constexpr uint32_t kDmaRequest = 3;
  // pe_array.gemm_start_cycles: the array latches start, takes tiles from the next cycle
  static constexpr uint32_t kGemmStart = 1;
  // pe_array.weight_beat_cycles: the weight buffer's output register, the tile register
  static constexpr uint32_t kWeightBeat = 2;
  // kv.request_cycles: the entry table read, the classification, the AR register give token 0's AR
  // 2 cycles after the issue (VCD). The one more cycle the attention took elsewhere is its step
  // engine's one entry a cycle (timing::attention_stream_finish; docs/rtl.md step 17)
  static constexpr uint32_t kKvRequest = 2;
  // kv.walk_cycles_per_token: the walk classifies a context token a cycle
  static constexpr uint32_t kKvWalk = 1;
  // kv_buffer.hit_latency_cycles: the lookup's table stage (L_TBL), the read issue (L_RD), the store's
  // read register (p_v), the response queue: a hit's first beat 4 cycles after the lookup
  static constexpr uint32_t kKvHitLatency = 4;
  // kv_buffer.miss_latency_cycles: a miss answered from the table stage, one cycle earlier
  static constexpr uint32_t kKvMissLatency = 3;
  // hbm.master_ar_cycles, in core cycles: the AXI read and write masters raise arvalid / awvalid
  // again in the cycle after a handshake (skipopu_axi_rd_master, _wr_master), one burst address a
  // core cycle; the key says it in AXI cycles (x the AXI clock / the core clock: 2 at 450 / 225 MHz)
  static constexpr uint32_t kMasterArCoreCycles = 1;
  // hbm.master_command_gap_cycles, in core cycles: the read master takes a command only once the
  // one before has sent every burst address (cmd_ready = ar_left == 0, skipopu_axi_rd_master), so
  // a cycle goes between one command's last AR and the next's first; in AXI cycles like the pace
  static constexpr uint32_t kMasterCommandGapCoreCycles = 1;
};
void check_processor_latencies(const HardwareConfig& c);
struct RtlPort {
  bool out = false, reg = false;
  unsigned bits = 1;
  std::string name;
};
std::string port_decl(const RtlPort& p);  // "input  wire [7:0] name"
// matrices: the program's, 0 without a model; layers: the model's (kDefaultKvLayers without one).
ProcessorRtl processor_params(const HardwareConfig& c, const WeightDmaRtl& wd, const HandoffRtl& ho,
                              size_t matrices, uint32_t layers);
std::vector<RtlPort> processor_ports(const ProcessorRtl& pp, const ControllerRtl& ct, const KvHistoryRtl& kv,
                                     const AxiMasterRtl& ax);
// Whether a field of a processor AXI port (m_axi_NN_<field>, `field` without the prefix) exists
// only on the core side of the clock crossing: the read data's second lane (r2*), which the
// crossing fills from the AXI port's R channel.
bool core_side_only(const std::string& field);
std::string generate_processor(const ProcessorRtl& pp, const std::string& config_name, const ControllerRtl& ct,
                               const PeArrayRtl& pe, const NonlinearRtl& nl, const RouterRtl& rt,
                               const KvHistoryRtl& kv, const AxiMasterRtl& ax);
// The matrix table of the model's program for the processor's mt_* port ($readmemh format, one
// 64-bit word a line): entry k = {tiles, per-PC weight bytes} of matrices 0..k-1.
std::string matrix_table_hex(const ModelCard& m, const HardwareConfig& c, const Program& prog);
// The wrapper instantiating skipopu_processor on core_clk with the processor's ports as its own.
std::string generate_u280_top(const HandoffRtl& h, const std::string& config_name, const std::vector<RtlPort>& ports);
// skipopu_axi_cdc.v: one AXI port's crossing, its fields as the processor's m_axi_00_* (`processor`:
// processor_ports).
std::string generate_axi_cdc(const HandoffRtl& h, const std::vector<RtlPort>& processor);

// Every file of the design: the pack module of each configured layout (or of every builtin
// layout when all_layouts), the PE array, a C++ header of the parameters for testbenches
// (skipopu_rtl_params.h), the Vivado hand-off files and a manifest (rtl.json). Deterministic.
// kv_tokens: the KV history buffer's token capacity (gen-rtl --kv-tokens).
constexpr uint32_t kDefaultKvTokens = 4096;  // gen-rtl's default: Llama-2's max_seq_len
constexpr uint32_t kDefaultKvLayers = 32;    // without --model: Llama-2-7B's layers (the K/V entry table)
// With `model`: also the controller sized for its program and the program itself
// (skipopu_program.hex, $readmemh format; skipopu_program.txt, the listing).
std::vector<RtlFile> generate_design(const HardwareConfig& c, const dsp::HybridMacConfig& h, bool all_layouts,
                                     const ModelCard* model = nullptr, uint32_t kv_tokens = kDefaultKvTokens);

}  // namespace skipopu::rtl

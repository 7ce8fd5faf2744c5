// The whole processor of `skipopu gen-rtl` (skipopu_processor.v, docs/rtl.md "The whole
// processor"): the generated controller issuing to the compute blocks, the weight DMA, the KV
// history buffer and the AXI3 masters, on one clock.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "rtl_text.hpp"
#include "skipopu/error.hpp"
#include "skipopu/memory_map.hpp"
#include "skipopu/timing.hpp"
#include "skipopu/program.hpp"
#include "skipopu/rtl/controller.hpp"
#include "skipopu/rtl/generator.hpp"

namespace skipopu::rtl {

namespace {

using text::clog2;
using text::S;

std::string port_id(unsigned i) { return (i < 10 ? "0" : "") + S(i); }

// {n{x}} truncated to `bits`: an operand of `bits` from the 256-bit activation row `x`.
// Declares `name` (and `unused_<name>` for the bits above).
void replicate(std::ostringstream& v, const std::string& name, const std::string& x, unsigned bits) {
  const unsigned reps = (bits + 255) / 256;
  v << "  wire [" << reps * 256 - 1 << ":0] " << name << "_rep = {" << reps << "{" << x << "}};\n"
    << "  wire [" << bits - 1 << ":0] " << name << " = " << name << "_rep[" << bits - 1 << ":0];\n";
  if (reps * 256 > bits)
    v << "  wire [" << reps * 256 - bits - 1 << ":0] unused_" << name << " = " << name << "_rep[" << reps * 256 - 1 << ":"
      << bits << "];\n";
}

// XOR of the 256-bit chunks of `x` (`bits` wide, zero-padded): a unit's output folded onto one
// activation row.
void fold(std::ostringstream& v, const std::string& name, const std::string& x, unsigned bits) {
  const unsigned chunks = (bits + 255) / 256;
  v << "  wire [" << chunks * 256 - 1 << ":0] " << name << "_pad = {";
  if (chunks * 256 > bits) v << chunks * 256 - bits << "'d0, ";
  v << x << "};\n  wire [255:0] " << name << " = ";
  for (unsigned k = 0; k < chunks; ++k)
    v << (k ? " ^ " : "") << name << "_pad[" << (k + 1) * 256 - 1 << ":" << k * 256 << "]";
  v << ";\n";
}

// Zero-extends (or truncates) the `from`-bit expression `x` to `to` bits.
std::string ext(const std::string& x, unsigned from, unsigned to) {
  if (from == to) return x;
  if (from > to) return "(" + x + ")[" + S(to - 1) + ":0]";
  return "{" + S(to - from) + "'d0, " + x + "}";
}

}  // namespace

std::string port_decl(const RtlPort& p) {
  std::string s = p.out ? (p.reg ? "output reg  " : "output wire ") : "input  wire ";
  if (p.bits > 1) s += "[" + S(p.bits - 1) + ":0] ";
  return s + p.name;
}

std::vector<RtlPort> processor_ports(const ProcessorRtl& pp, const ControllerRtl& ct, const KvHistoryRtl& kv,
                                     const AxiMasterRtl& ax) {
  const unsigned P = ct.pc_bits, TB = kv.token_bits, EB = kv.addr_bits + 1, A = ax.addr_bits, I = ax.id_bits;
  std::vector<RtlPort> v = {
      {false, false, 1, "clk"},           {false, false, 1, "rst"},
      {false, false, 1, "im_we"},         {false, false, P, "im_addr"},
      {false, false, kInstrBits, "im_wdata"}, {false, false, P + 1, "prog_len"},
      {false, false, 1, "mt_we"},         {false, false, pp.matrix_bits, "mt_addr"},
      {false, false, 64, "mt_wdata"},     {false, false, A, "cfg_weight_base"},
      {false, false, 1, "kt_we"},         {false, false, pp.kv_layer_bits + TB, "kt_addr"},
      {false, false, A + 2, "kt_wdata"},  {false, false, 32, "cfg_inv_n"},
      {false, false, 16, "cfg_attn_qk"},  {false, false, 16, "cfg_attn_pv"},
      {false, false, 16, "cfg_attn_tail"}, {false, false, 16, "cfg_kv_read_bytes"},
      {false, false, 1, "kv_cfg_valid"},  {false, false, EB, "kv_cfg_entry_beats"},
      {true, false, 1, "kv_idle"},        {false, false, 1, "step_valid"},
      {true, false, 1, "step_ready"},     {false, false, 16, "step_tokens"},
      {false, false, TB + 1, "step_first"}, {false, false, TB + 1, "step_context"},
      {false, false, 1, "er_valid"},      {true, false, 1, "er_ready"},
      {false, false, A, "er_addr"},       {false, false, 16, "er_beats"},
      {false, false, 1, "er_last"},       {false, false, 1, "rf_push"},
      {false, false, 16, "rf_data"},      {true, false, 1, "rf_full"},
      {false, false, 1, "src_valid"},     {true, false, 1, "src_ready"},
      {false, false, 1, "src_none"},      {false, false, 8, "src_layer"},
      {true, false, 1, "route_valid"},    {true, false, 1, "route_execute"},
      {true, true, 1, "token_valid"},     {true, true, 32, "token_out"},
      {true, false, 1, "busy"},           {true, false, 32, "cycle"},
      {true, false, 256, "attn_acc_out"}, {true, false, 1, "err"}};
  for (unsigned p = 0; p < pp.ports; ++p) {
    const std::string n = "m_axi_" + port_id(p) + "_";
    const std::vector<RtlPort> a = {
        {true, false, A, n + "araddr"},  {true, false, 2, n + "arburst"}, {true, false, I, n + "arid"},
        {true, false, 4, n + "arlen"},   {true, false, 3, n + "arsize"},  {true, false, 1, n + "arvalid"},
        {false, false, 1, n + "arready"}, {true, false, A, n + "awaddr"}, {true, false, 2, n + "awburst"},
        {true, false, I, n + "awid"},    {true, false, 4, n + "awlen"},   {true, false, 3, n + "awsize"},
        {true, false, 1, n + "awvalid"}, {false, false, 1, n + "awready"}, {true, false, 256, n + "wdata"},
        {true, false, 32, n + "wstrb"},  {true, false, 1, n + "wlast"},   {true, false, 1, n + "wvalid"},
        {false, false, 1, n + "wready"}, {false, false, 256, n + "rdata"}, {false, false, I, n + "rid"},
        {false, false, 1, n + "rlast"},  {false, false, 2, n + "rresp"},  {false, false, 1, n + "rvalid"},
        {true, false, 1, n + "rready"},  {false, false, I, n + "bid"},    {false, false, 2, n + "bresp"},
        {false, false, 1, n + "bvalid"}, {true, false, 1, n + "bready"},
        // the read data's second lane (core side of the clock crossing: the beat after r*'s)
        {false, false, 256, n + "r2data"}, {false, false, I, n + "r2id"}, {false, false, 1, n + "r2last"},
        {false, false, 2, n + "r2resp"},  {false, false, 1, n + "r2valid"}, {true, false, 1, n + "r2ready"}};
    v.insert(v.end(), a.begin(), a.end());
  }
  return v;
}

bool core_side_only(const std::string& field) { return field.compare(0, 2, "r2") == 0; }

void check_processor_latencies(const HardwareConfig& c) {
  using L = ProcessorLatencies;
  for (const auto& [field, got, rtl] :
       {std::tuple{"/embedding/request_cycles", c.embedding.request_cycles, L::kEmbedRequest},
        std::tuple{"/embedding/intake_beats_per_cycle", c.embedding.intake_beats_per_cycle, L::kEmbedIntakeBeats},
        std::tuple{"/pe_array/dma_request_cycles", c.pe.dma_request_cycles, L::kDmaRequest},
        std::tuple{"/pe_array/gemm_start_cycles", c.pe.gemm_start_cycles, L::kGemmStart},
        std::tuple{"/pe_array/weight_beat_cycles", c.pe.weight_beat_cycles, L::kWeightBeat},
        std::tuple{"/kv/request_cycles", c.kv.request_cycles, L::kKvRequest},
        std::tuple{"/kv/walk_cycles_per_token", c.kv.walk_cycles_per_token, L::kKvWalk},
        std::tuple{"/kv_buffer/hit_latency_cycles", c.kv_buffer.hit_latency_cycles, L::kKvHitLatency},
        std::tuple{"/kv_buffer/miss_latency_cycles", c.kv_buffer.miss_latency_cycles, L::kKvMissLatency}})
    if (got != rtl)
      throw_input_error(c.file, field, "expected " + S(rtl) + ", what the generated processor's registers fix (docs/rtl.md), got " + S(got));
  // the masters' burst-address pace, in AXI cycles: one AR a core cycle at the AXI clock
  const uint64_t axi_hz = uint64_t(c.hbm.axi_mhz * 1e6 + 0.5);
  if (c.clocks.core_hz == 0 || axi_hz % c.clocks.core_hz != 0)
    throw_input_error(c.file, "/hbm/master_ar_cycles", "the generated AXI masters issue one burst address a core cycle, not a whole number of AXI cycles at " +
                      S(axi_hz) + " Hz against a " + S(c.clocks.core_hz) + " Hz core");
  const uint64_t pace = L::kMasterArCoreCycles * (axi_hz / c.clocks.core_hz);
  if (c.hbm.master_ar_cycles != pace)
    throw_input_error(c.file, "/hbm/master_ar_cycles", "expected " + S(pace) + ", the generated AXI masters' one burst address a core cycle in AXI cycles (" +
                      S(axi_hz) + " / " + S(c.clocks.core_hz) + " Hz; docs/rtl.md), got " + S(c.hbm.master_ar_cycles));
  const uint64_t gap = L::kMasterCommandGapCoreCycles * (axi_hz / c.clocks.core_hz);
  if (c.hbm.master_command_gap != gap)
    throw_input_error(c.file, "/hbm/master_command_gap_cycles", "expected " + S(gap) + ", the generated AXI read masters' one core cycle between two commands in AXI cycles (" +
                      S(axi_hz) + " / " + S(c.clocks.core_hz) + " Hz; docs/rtl.md step 22), got " + S(c.hbm.master_command_gap));
}

ProcessorRtl processor_params(const HardwareConfig& c, const WeightDmaRtl& wd, const HandoffRtl& ho, size_t matrices,
                              uint32_t layers) {
  check_processor_latencies(c);
  ProcessorRtl p;
  p.ports = ho.ports;
  p.pc_bytes = c.hbm.pc_bytes;
  // An address's port is its pseudo-channel (one port per PC): address >> pc_bits.
  p.pc_bits = clog2(p.pc_bytes);
  if ((uint64_t{1} << p.pc_bits) != p.pc_bytes)
    throw_input_error(c.file, "/hbm/preset", "pc_bytes: the generated processor takes a K/V or embedding address's port from "
                                             "its high bits; expected a power of two, got " + S(p.pc_bytes));
  if (c.hbm.pseudo_channels != ho.ports)
    throw_input_error(c.file, "/hbm/pseudo_channels", "the generated processor has one AXI port per pseudo-channel (" +
                                                          S(ho.ports) + " ports); got " + S(c.hbm.pseudo_channels));
  p.kv_layer_bits = std::max(1u, clog2(layers));
  // One wide weight beat is a beat of every port; each port's buffer holds its share of the
  // two prefetch windows: 2 * window_per_pc bytes, rounded up to a power of two of beats (at
  // least 4: the buffer's two banks).
  const uint64_t beats = std::max<uint64_t>(4, 2 * ((wd.window_per_pc + KvHistoryRtl::kBeatBytes - 1) / KvHistoryRtl::kBeatBytes));
  p.wbuf_bits = clog2(beats);
  p.act_bits = 9;
  p.matrix_bits = matrices ? std::max(1u, clog2(matrices + 1)) : 10;
  if (p.matrix_bits >= 16) throw InputError("program: " + S(matrices) + " matrices: more than the processor's matrix table addresses");
  return p;
}

std::string matrix_table_hex(const ModelCard& m, const HardwareConfig& c, const Program& prog) {
  // Entry k: tiles and per-PC bytes of matrices 0..k-1 (MemoryMap's slices, timing::gemm_tiles).
  const MemoryMap map(m, c, prog, m.max_seq_len);
  const timing::ArrayShape a{c.pe.rows, c.pe.cols};
  uint64_t tiles = 0, off = 0;
  std::string s;
  char buf[40];
  for (size_t k = 0; k <= prog.matrices.size(); ++k) {
    if (tiles >> 32 || off >> 32) throw InputError("program: matrix table entry " + S(k) + " does not fit 32-bit fields");
    std::snprintf(buf, sizeof buf, "%08llx%08llx\n", static_cast<unsigned long long>(tiles), static_cast<unsigned long long>(off));
    s += buf;
    if (k == prog.matrices.size()) break;
    tiles += timing::gemm_tiles(a, prog.matrices[k].k, prog.matrices[k].n);
    off += map.weight_bytes_per_pc(static_cast<uint32_t>(k));
  }
  return s;
}

std::string generate_processor(const ProcessorRtl& pp, const std::string& config_name, const ControllerRtl& ct,
                               const PeArrayRtl& pe, const NonlinearRtl& nl, const RouterRtl& rt,
                               const KvHistoryRtl& kv, const AxiMasterRtl& ax) {
  const unsigned W = ct.width, P = ct.pc_bits, CW = clog2(W + 1), B = kInstrBits;
  const unsigned R = pe.rows, C = pe.cols, NW = nl.width, L = rt.lanes;
  const unsigned AB = kv.addr_bits, TB = kv.token_bits, EB = AB + 1;
  const unsigned A = ax.addr_bits, I = ax.id_bits, NP = pp.ports;
  const unsigned MB = pp.matrix_bits, AW = pp.act_bits, WBB = pp.wbuf_bits;
  const unsigned TILE = R * C * 4, WIDE = NP * 256, TBB = (TILE + WIDE - 1) / WIDE, TCB = clog2(TBB + 1) + 1;
  // Tiles per wide beat when a tile is narrower than one (a small array): the beat is sliced.
  const unsigned TPB = TILE <= WIDE ? WIDE / TILE : 1, SB = clog2(TPB) + 1;
  if (MB >= 16) throw std::logic_error("generate_processor: matrix table index wider than the m0/m1 fields");
  std::ostringstream v;
  v << "// Generated by skipopu gen-rtl (config \"" << config_name << "\"): the whole processor (docs/rtl.md\n"
    << "// \"The whole processor\"), one clock (clk). Verilog-2005; lint-clean under verilator --lint-only -Wall.\n"
    << "//\n"
    << "// The controller (" << W << " issue slot(s), " << (1u << P) << " words) issues slot 0 of each cycle to its unit\n"
    << "// (a further slot waits for the next cycle: take is 0 or 1):\n"
    << "//   EMBED      -> the step's embedding rows as the host streams their requests (er_*), each an AXI\n"
    << "//                 read on its address's port, all ports in parallel, into the activation buffer;\n"
    << "//                 done at the last beat\n"
    << "//   ROUTE      -> skipopu_router (tokens iss_tok, d = elems); decisions leave on route_*\n"
    << "//   NORM_RED, NORM_APPLY, ROPE, SWIGLU, RESADD, ARGMAX -> skipopu_nonlinear (elems x iss_tok elements;\n"
    << "//                 ARGMAX's index leaves on token_*)\n"
    << "//   LOADW      -> skipopu_weight_dma (the stream's per-PC bytes from the matrix table); its requests go\n"
    << "//                 to the read masters of every port at once, their data into one\n"
    << "//                 skipopu_weight_buffer per port; "
    << (TPB > 1 ? "one wide beat of the " + S(NP) + " buffers holds " + S(TPB) + " PE tiles"
                : S(TBB) + " wide beat(s) of the " + S(NP) + " buffers make one PE tile")
    << " (in arrival order)\n"
    << "//   GEMM       -> skipopu_pe_array (tiles from the matrix table, tokens iss_tok) and the weight DMA's\n"
    << "//                 pe_start; a tile's first token waits for its weights\n"
    << "//   KV_STORE   -> AXI writes of the step's tokens whose K/V was computed at the layer (the K/V entry\n"
    << "//                 table's kind), each at its address on that address's port; the same beats pass the\n"
    << "//                 KV history buffer's capture port\n"
    << "//   KV_PREFETCH-> skipopu_kv_history pf_start (context step_context, first token step_first); its src\n"
    << "//                 stream comes from the src_* ports, its fetches are AXI reads at the table's address\n"
    << "//   ATTN       -> the attention walk: after the layer's fetches, token by token over the context: the\n"
    << "//                 table's kind; a reused entry is looked up (a hit's beats come from the buffer at\n"
    << "//                 cfg_kv_read_bytes a cycle from the start, the walk moving on after the first); an own\n"
    << "//                 entry or a miss joins its port's gather (adjacent entries merge into one read), every\n"
    << "//                 port's gather in parallel\n"
    << "//   BRANCH, JUMP -> taken at once (the controller resolves them)\n"
    << "// Host ports: instruction memory (im_*), matrix table (mt_*: entry m = {tiles, per-PC byte offset} of\n"
    << "// matrices 0..m-1, so LOADW/GEMM m0..m1 read entries m0 and m1+1), steps, routing outcomes (rf_*,\n"
    << "// the trace's bitmask stream), src(t, l) (src_*), the KV buffer's configuration (kv_cfg_*), base\n"
    << "// addresses (cfg_*), the K/V entry table (kt_*: where each (token, layer)'s K/V lives, as the run's\n"
    << "// memory map places it). AXI3 ports m_axi_NN_* (on clk): read data on two lanes, r* and r2* (the beat\n"
    << "// after it, taken with it): the core side of the clock crossing, up to two beats a cycle.\n"
    << "// Abstracts away (docs/rtl.md): operand values (a unit's operands are the activation buffer's current\n"
    << "// 256-bit row replicated to its width; its outputs are folded back onto a row: the data path is\n"
    << "// wired so that synthesis keeps every block, not the model's layout); the attention arithmetic\n"
    << "// (the FP16 x FP16 mode of the array is not generated: the K/V beats are XOR-accumulated);\n"
    << "// the clock crossing\n"
    << "// to the AXI clock; the per-matrix tile layout of the weights (beats in arrival order).\n"
    << "module skipopu_processor (\n";
  const std::vector<RtlPort> ports = processor_ports(pp, ct, kv, ax);
  for (size_t k = 0; k < ports.size(); ++k) v << "  " << port_decl(ports[k]) << (k + 1 < ports.size() ? ",\n" : "\n");
  v << ");\n"
    << "  localparam [3:0] OP_EMBED = 4'd" << unsigned(Op::Embed) << ", OP_ROUTE = 4'd" << unsigned(Op::Route)
    << ", OP_NORM_RED = 4'd" << unsigned(Op::NormReduce) << ", OP_NORM_APPLY = 4'd" << unsigned(Op::NormApply)
    << ",\n    OP_LOADW = 4'd" << unsigned(Op::LoadW) << ", OP_GEMM = 4'd" << unsigned(Op::Gemm) << ", OP_ROPE = 4'd"
    << unsigned(Op::Rope) << ", OP_SWIGLU = 4'd" << unsigned(Op::Swiglu) << ", OP_RESADD = 4'd"
    << unsigned(Op::Residual) << ",\n    OP_KV_STORE = 4'd" << unsigned(Op::KvStore) << ", OP_KV_PREFETCH = 4'd"
    << unsigned(Op::KvPrefetch) << ", OP_ATTN = 4'd" << unsigned(Op::Attention) << ", OP_ARGMAX = 4'd"
    << unsigned(Op::Argmax) << ";\n\n";

  // ---------------------------------------------------------------- controller
  v << "  // ---- controller\n"
    << "  wire [" << W - 1 << ":0] iss_valid;\n"
    << "  wire [" << W * P - 1 << ":0] iss_pc;\n"
    << "  wire [" << W * B - 1 << ":0] iss_word;\n"
    << "  wire [" << W * 16 - 1 << ":0] iss_tok, iss_tok_kv;\n"
    << "  wire [" << W - 1 << ":0] iss_new_step;\n"
    << "  wire ctrl_step_end, ctrl_err, unit_done, take0;\n"
    << "  skipopu_controller u_controller (\n"
    << "    .clk(clk), .rst(rst), .im_we(im_we), .im_addr(im_addr), .im_wdata(im_wdata), .prog_len(prog_len),\n"
    << "    .step_valid(step_valid), .step_ready(step_ready), .step_tokens(step_tokens),\n"
    << "    .rf_push(rf_push), .rf_data(rf_data), .rf_full(rf_full), .done(unit_done),\n"
    << "    .take(" << (CW > 1 ? "{" + S(CW - 1) + "'d0, take0}" : std::string("take0")) << "), .iss_valid(iss_valid), .iss_pc(iss_pc), .iss_word(iss_word),\n"
    << "    .iss_tok(iss_tok), .iss_tok_kv(iss_tok_kv), .iss_new_step(iss_new_step), .busy(busy),\n"
    << "    .step_end(ctrl_step_end), .cycle(cycle), .err(ctrl_err));\n"
    << "  wire [" << B - 1 << ":0] w0 = iss_word[" << B - 1 << ":0];\n"
    << "  wire [3:0] op0 = w0[3:0];\n"
    << "  wire [15:0] tok0 = iss_tok[15:0];\n"
    << "  wire [7:0] layer0 = w0[17:10];\n"
    << "  wire [" << MB - 1 << ":0] m0 = w0[" << 26 + MB - 1 << ":26];\n"
    << "  wire [" << MB - 1 << ":0] m1 = w0[" << 42 + MB - 1 << ":42];\n"
    << "  wire [31:0] elems0 = w0[121:90];\n"
    ;
  {
    const unsigned ui = (W - 1) * B + 6 + (field::kFused.lo - 42 - MB) + (42 - 26 - MB) + 8 + 6;
    v << "  wire [" << ui - 1 << ":0] unused_iss = {";
    if (W > 1) v << "iss_word[" << W * B - 1 << ":" << B << "], ";
    v << "w0[127:122], w0[" << field::kFused.lo - 1 << ":" << 42 + MB << "], w0[41:" << 26 + MB
      << "], w0[25:18], w0[9:4]};\n";
    const unsigned uc = W * P + W * 16 + (W - 1) * 17 + W + 1;
    v << "  wire [" << uc - 1 << ":0] unused_ctrl = {iss_pc, iss_tok_kv, "
      << (W > 1 ? "iss_tok[" + S(W * 16 - 1) + ":16], iss_valid[" + S(W - 1) + ":1], " : std::string())
      << "iss_new_step, ctrl_step_end};\n";
  }
  v << "\n  // step registers (taken with the controller's step)\n"
    << "  reg [" << TB << ":0] cur_first, cur_context;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin cur_first <= " << TB + 1 << "'d0; cur_context <= " << TB + 1 << "'d0; end\n"
    << "    else if (step_valid && step_ready) begin\n"
    << "      cur_first <= step_first; cur_context <= step_context;\n"
    << "    end\n"
    << "  end\n\n";

  // ---------------------------------------------------------------- matrix table
  v << "  // ---- matrix table (host-written): {tiles, per-PC byte offset} before matrix m\n"
    << "  reg [63:0] mtab [0:" << (1u << MB) - 1 << "];\n"
    << "  always @(posedge clk) if (mt_we) mtab[mt_addr] <= mt_wdata;\n"
    << "  wire [63:0] mt_lo = mtab[m0];\n"
    << "  wire [63:0] mt_hi = mtab[m1 + " << MB << "'d1];\n"
    << "  wire [31:0] st_bytes = mt_hi[31:0] - mt_lo[31:0];\n"
    << "  wire [31:0] st_tiles = mt_hi[63:32] - mt_lo[63:32];\n"
    << "  wire [15:0] unused_st_tiles = st_tiles[31:16];\n\n";

  // ---------------------------------------------------------------- dispatch
  v << "  // ---- dispatch of slot 0\n"
    << "  wire wd_ld_ready, kv_pf_busy, ks_busy;\n"
    << "  wire is_nl = op0 == OP_NORM_RED || op0 == OP_NORM_APPLY || op0 == OP_ROPE || op0 == OP_SWIGLU ||\n"
    << "               op0 == OP_RESADD || op0 == OP_ARGMAX;\n"
    << "  wire acc0 = op0 == OP_LOADW ? wd_ld_ready : op0 == OP_KV_STORE ? !ks_busy :\n"
    << "              op0 == OP_KV_PREFETCH ? (kv_idle && !kv_pf_busy) : 1'b1;\n"
    << "  assign take0 = iss_valid[0] && acc0;\n"
    << "  wire go_embed = take0 && op0 == OP_EMBED;\n"
    << "  wire go_route = take0 && op0 == OP_ROUTE;\n"
    << "  wire go_nl = take0 && is_nl;\n"
    << "  wire go_loadw = take0 && op0 == OP_LOADW;\n"
    << "  wire go_gemm = take0 && op0 == OP_GEMM;\n"
    << "  wire go_kvstore = take0 && op0 == OP_KV_STORE;\n"
    << "  wire go_prefetch = take0 && op0 == OP_KV_PREFETCH;\n"
    << "  wire go_attn = take0 && op0 == OP_ATTN;\n"
    << "  wire pe_done, pe_gdone, nl_done, rt_done, embed_done, attn_done;\n"
    << "  assign unit_done = pe_gdone | nl_done | rt_done | embed_done | attn_done;\n\n";

  // ---------------------------------------------------------------- activation buffer
  // Two banks by the row's low bit, each with one write port (a block RAM's): EMBED's two rows
  // a cycle go one to each bank. With both in one array, two write ports and two read ports, no
  // RAM primitive fits and synthesis builds the buffer from flip-flops.
  const std::string H = S(AW - 2);  // a bank's row address: [H:0]
  v << "  // ---- activation buffer: " << (1u << AW) << " rows of 256 bits; read pointer ra (the running unit's\n"
    << "  // operands), write pointer wa (its results); a second read port for KV_STORE's data; EMBED writes\n"
    << "  // two rows a cycle (act_we2: the row after act_wdata's, only with act_we). Two banks by the row's\n"
    << "  // low bit (act_e: even rows, act_o: odd rows), one write port each: the two rows of a cycle go\n"
    << "  // one to each bank; a read takes both banks' row and selects by the low bit a cycle later\n"
    << "  reg [255:0] act_e [0:" << (1u << (AW - 1)) - 1 << "];\n"
    << "  reg [255:0] act_o [0:" << (1u << (AW - 1)) - 1 << "];\n"
    << "  reg [" << AW - 1 << ":0] ra, wa, ks_ra;\n"
    << "  reg [255:0] act_eq, act_oq, ks_eq, ks_oq;\n"
    << "  reg act_lo, ks_lo;\n"
    << "  wire act_fire;\n"
    << "  wire act_we, act_we2;\n"
    << "  wire [255:0] act_wdata, act_wdata2;\n"
    << "  wire [" << AW - 1 << ":0] ra_n = act_fire ? ra + " << AW << "'d1 : ra;\n"
    << "  wire ks_fire;\n"
    << "  wire [" << AW - 1 << ":0] ks_ra_n = ks_fire ? ks_ra + " << AW << "'d1 : ks_ra;\n"
    << "  // the even one of rows wa and wa + 1 goes to act_e, the odd one to act_o\n"
    << "  wire act_we_e = wa[0] ? act_we2 : act_we;\n"
    << "  wire act_we_o = wa[0] ? act_we : act_we2;\n"
    << "  wire [" << H << ":0] act_wa_e = wa[" << AW - 1 << ":1] + {" << S(AW - 2) << "'d0, wa[0]};\n"
    << "  wire [" << H << ":0] act_wa_o = wa[" << AW - 1 << ":1];\n"
    << "  wire [255:0] act_wd_e = wa[0] ? act_wdata2 : act_wdata;\n"
    << "  wire [255:0] act_wd_o = wa[0] ? act_wdata : act_wdata2;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (act_we_e) act_e[act_wa_e] <= act_wd_e;\n"
    << "    if (act_we_o) act_o[act_wa_o] <= act_wd_o;\n"
    << "    act_eq <= act_e[ra_n[" << AW - 1 << ":1]];\n"
    << "    act_oq <= act_o[ra_n[" << AW - 1 << ":1]];\n"
    << "    ks_eq <= act_e[ks_ra_n[" << AW - 1 << ":1]];\n"
    << "    ks_oq <= act_o[ks_ra_n[" << AW - 1 << ":1]];\n"
    << "    act_lo <= ra_n[0];\n"
    << "    ks_lo <= ks_ra_n[0];\n"
    << "  end\n"
    << "  wire [255:0] act_q = act_lo ? act_oq : act_eq;\n"
    << "  wire [255:0] ks_q = ks_lo ? ks_oq : ks_eq;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin ra <= " << AW << "'d0; wa <= " << AW << "'d0; ks_ra <= " << AW << "'d0; end\n"
    << "    else begin\n"
    << "      ra <= ra_n; ks_ra <= ks_ra_n;\n"
    << "      if (act_we) wa <= wa + (act_we2 ? " << AW << "'d2 : " << AW << "'d1);\n"
    << "    end\n"
    << "  end\n"
    << "  wire [255:0] act_rot = {act_q[127:0], act_q[255:128]};\n\n";

  // ---------------------------------------------------------------- PE array + weights
  v << "  // ---- PE array; its weight tiles from the per-port weight buffers\n"
    << "  reg pe_run;\n"
    << "  reg [15:0] pe_ntok, pe_tcnt;\n"
    << "  wire pe_in_ready, pe_out_valid;\n"
    << "  wire [" << R * 32 - 1 << ":0] pe_out_data;\n"
    << "  reg tile_ready;\n"
    << "  reg [" << TCB - 1 << ":0] tile_cnt;\n"
    << "  // g_left: wide beats of the running GEMM's stream not yet taken (its LOADW's per-PC bytes, from the\n"
    << "  // same matrix-table entries); drop: beats of finished streams still to discard (the tiles need\n"
    << "  // fewer bits than the stream holds: scales, padding). A tile whose stream is exhausted goes on.\n"
    << "  reg [31:0] g_left, drop;\n"
    << "  wire [31:0] gm_sum = st_bytes + 32'd31;\n"
    << "  wire [31:0] gm_beats = {5'd0, gm_sum[31:5]};\n"
    << "  wire [4:0] unused_gm_sum = gm_sum[4:0];\n"
    << "  wire pe_in_valid = pe_run && (pe_tcnt != 16'd0 || tile_ready || (g_left == 32'd0 && drop == 32'd0));\n"
    << "  wire pe_fire = pe_in_valid && pe_in_ready;\n";
  replicate(v, "pe_act", "act_q", C * 16);
  v << "  wire [" << NP - 1 << ":0] wb_out_valid;\n"
    << "  wire [" << WIDE - 1 << ":0] wb_out_data;\n"
    << "  wire wide_valid = &wb_out_valid;\n"
    << "  wire drop_take = wide_valid && drop != 32'd0;\n"
    // A tile of one wide beat (or a slice of one): the next beat is taken in the cycle the array
    // takes the current tile's (or its last slice's) first token, which latches its weights, so
    // the stream has no bubble between beats; a tile of several beats is assembled after it.
    // From the GEMM's issue cycle on (go_gemm: its stream's counts not yet in g_left and tl), so
    // a tile whose weights are in reaches the array in its first cycle of work (PeArray::gemm's
    // first tile step is at the GEMM's start).
    << "  wire [31:0] g_cur = go_gemm ? gm_beats : g_left;\n"
    << "  wire tile_take = wide_valid && drop == 32'd0 && (pe_run || go_gemm) && g_cur != 32'd0 && (!tile_ready"
    << (TBB == 1 ? std::string(" || (pe_fire && pe_tcnt == 16'd0") + (TPB > 1 ? " && tsub == " + S(SB) + "'d" + S(TPB - 1) : std::string()) + ")"
                 : std::string())
    << ");\n"
    << "  wire wide_take = drop_take || tile_take;\n";
  // tl: tiles of the running GEMM not yet covered by a taken beat. When the beat that covers its
  // last tile is taken, the stream's remaining beats (scales, padding) become drops at once, so
  // they are discarded while the last tiles compute, not after done. (A tile of several beats:
  // after done, as before.)
  if (TBB == 1)
    v << "  reg [31:0] tl;\n"
      << "  wire [31:0] tl_cur = go_gemm ? st_tiles : tl;\n"
      << "  wire last_need = tile_take && tl_cur <= 32'd" << TPB << ";\n"
      << "  always @(posedge clk) if (rst) tl <= 32'd0; else if (tile_take) tl <= last_need ? 32'd0 : tl_cur - 32'd" << TPB
      << "; else if (go_gemm) tl <= st_tiles;\n";
  else
    v << "  wire last_need = 1'b0;\n";
  v
    << "  reg [" << TBB * WIDE - 1 << ":0] wtile;\n"
    << "  always @(posedge clk) if (tile_take) wtile <= "
    << (TBB > 1 ? "{wb_out_data, wtile[" + S(TBB * WIDE - 1) + ":" + S(WIDE) + "]}" : std::string("wb_out_data")) << ";\n";
  if (TPB > 1)
    v << "  reg [" << SB - 1 << ":0] tsub;  // the slice of the wide beat that is the next tile\n"
      << "  wire [" << WIDE - 1 << ":0] wshift = wtile >> ({" << 32 - SB << "'d0, tsub} * 32'd" << TILE << ");\n"
      << "  wire [" << TILE - 1 << ":0] pe_w = wshift[" << TILE - 1 << ":0];\n"
      << "  wire [" << WIDE - TILE - 1 << ":0] unused_wshift = wshift[" << WIDE - 1 << ":" << TILE << "];\n";
  else {
    v << "  wire [" << TILE - 1 << ":0] pe_w = wtile[" << TILE - 1 << ":0];\n";
    if (TBB * WIDE > TILE)
      v << "  wire [" << TBB * WIDE - TILE - 1 << ":0] unused_wtile = wtile[" << TBB * WIDE - 1 << ":" << TILE << "];\n";
  }
  static_assert(field::kFused.bits == 16, "pe_fz is 16 bits");
  const std::string FZ = S(field::kFused.lo + field::kFused.bits - 1) + ":" + S(field::kFused.lo);
  v << "  always @(posedge clk) begin\n"
    << "    if (rst) begin\n"
    << "      pe_run <= 1'b0; pe_ntok <= 16'd0; pe_tcnt <= 16'd0; tile_ready <= 1'b0; tile_cnt <= " << TCB << "'d0;\n"
    << "      g_left <= 32'd0; drop <= 32'd0;\n"
    << (TPB > 1 ? "      tsub <= " + S(SB) + "'d0;\n" : std::string())
    << "    end else begin\n"
    << "      if (go_gemm) begin pe_run <= 1'b1; pe_ntok <= tok0; pe_tcnt <= 16'd0; end\n"
    << "      else if (pe_done) pe_run <= 1'b0;\n"
    << "      g_left <= last_need ? 32'd0 : g_cur - {31'd0, tile_take};\n"
    << "      drop <= drop - {31'd0, drop_take} + (last_need ? g_cur - 32'd1 : 32'd0) +\n"
    << "              (pe_done && !last_need ? g_left - {31'd0, tile_take} : 32'd0);\n"
    << "      if (pe_fire) pe_tcnt <= (pe_tcnt + 16'd1 == pe_ntok) ? 16'd0 : pe_tcnt + 16'd1;\n"
    << (TPB > 1 ? "      if (pe_fire && pe_tcnt == 16'd0 && tsub != " + S(SB) + "'d" + S(TPB - 1) + ") tsub <= tsub + " + S(SB) +
                      "'d1;\n      else if (pe_fire && pe_tcnt == 16'd0) begin tile_ready <= tile_take; tsub <= " + S(SB) +
                      "'d0; tile_cnt <= " + S(TCB) + "'d0; end\n"
                : "      if (pe_fire && pe_tcnt == 16'd0) begin tile_ready <= " + std::string(TBB == 1 ? "tile_take" : "1'b0") + "; tile_cnt <= " +
                      S(TCB) + "'d0; end\n")
    << "      else if (tile_take) begin\n"
    << "        tile_cnt <= tile_cnt + " << TCB << "'d1;\n"
    << "        if (tile_cnt + " << TCB << "'d1 == " << TCB << "'d" << TBB << ") tile_ready <= 1'b1;\n"
    << "      end\n"
    << "      if (pe_done) begin  // a partly used beat of the finished stream is discarded\n"
    << "        tile_ready <= 1'b0; tile_cnt <= " << TCB << "'d0;" << (TPB > 1 ? " tsub <= " + S(SB) + "'d0;" : std::string())
    << "\n      end\n"
    << "    end\n"
    << "  end\n"
    << "  skipopu_pe_array u_pe_array (\n"
    << "    .clk(clk), .rst(rst), .start(go_gemm), .n_tiles(st_tiles[15:0]),\n"
    << "    .n_tokens(go_gemm ? tok0 : pe_ntok),  // sampled with each tile's first token\n"
    << "    .in_ready(pe_in_ready), .in_valid(pe_in_valid), .in_act(pe_act), .in_w(pe_w),\n"
    << "    .out_valid(pe_out_valid), .out_data(pe_out_data), .done(pe_done));\n"
    // The GEMM's fused element-wise stages (program.cpp: rmsnorm, rope, swiglu, residual, argmax
    // folded into its input and output) add their latency after the array's last result, as
    // PeArray::gemm adds the instruction's fused_latency to the array's pipeline latency.
    << "  // fused_latency (w0[" << FZ << "]): the GEMM is done that many cycles after the array's done\n"
    << "  reg [15:0] pe_fz, pe_fcnt;\n"
    << "  reg pe_fwait;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin pe_fz <= 16'd0; pe_fcnt <= 16'd0; pe_fwait <= 1'b0; end\n"
    << "    else begin\n"
    << "      if (go_gemm) pe_fz <= w0[" << FZ << "];\n"
    << "      if (pe_done && pe_fz != 16'd0) begin pe_fwait <= 1'b1; pe_fcnt <= pe_fz; end\n"
    << "      else if (pe_fwait) begin pe_fcnt <= pe_fcnt - 16'd1; if (pe_fcnt == 16'd1) pe_fwait <= 1'b0; end\n"
    << "    end\n"
    << "  end\n"
    << "  assign pe_gdone = (pe_done && pe_fz == 16'd0) || (pe_fwait && pe_fcnt == 16'd1);\n";
  fold(v, "pe_fold", "pe_out_data", R * 32);
  v << "\n";

  // ---------------------------------------------------------------- nonlinear
  v << "  // ---- nonlinear unit (dsp::NlOp codes)\n"
    << "  reg nl_run, nl_argmax;\n"
    << "  wire [2:0] nl_op = op0 == OP_NORM_RED ? 3'd0 : op0 == OP_NORM_APPLY ? 3'd1 : op0 == OP_SWIGLU ? 3'd4 :\n"
    << "                     op0 == OP_ROPE ? 3'd5 : op0 == OP_RESADD ? 3'd6 : 3'd7;\n"
    << "  wire [47:0] nl_n = {16'd0, elems0} * {32'd0, tok0};\n"
    << "  wire [23:0] unused_nl_n = nl_n[47:24];\n"
    << "  wire nl_in_ready, nl_out_valid;\n"
    << "  wire [" << NW * 16 - 1 << ":0] nl_out_y;\n"
    << "  wire [31:0] nl_res0, nl_res1;\n"
    << "  wire [63:0] nl_res2;\n"
    << "  wire nl_in_valid = nl_run || go_nl;\n"
    << "  wire nl_fire = nl_in_valid && nl_in_ready;\n";
  replicate(v, "nl_a", "act_q", NW * 16);
  replicate(v, "nl_b", "act_rot", NW * 16);
  v << "  skipopu_nonlinear u_nonlinear (\n"
    << "    .clk(clk), .rst(rst), .start(go_nl), .op(nl_op), .n_elems(nl_n[23:0]), .inv_n(cfg_inv_n),\n"
    << "    .in_ready(nl_in_ready), .in_valid(nl_in_valid), .in_a(nl_a), .in_b(nl_b),\n"
    << "    .out_valid(nl_out_valid), .out_y(nl_out_y), .res0(nl_res0), .res1(nl_res1), .res2(nl_res2),\n"
    << "    .done(nl_done));\n";
  fold(v, "nl_fold", "{nl_out_y, nl_res1, nl_res2}", NW * 16 + 96);
  v << "  always @(posedge clk) begin\n"
    << "    if (rst) begin nl_run <= 1'b0; nl_argmax <= 1'b0; token_valid <= 1'b0; token_out <= 32'd0; end\n"
    << "    else begin\n"
    << "      if (go_nl) begin nl_run <= 1'b1; nl_argmax <= op0 == OP_ARGMAX; end\n"
    << "      else if (nl_done) nl_run <= 1'b0;\n"
    << "      token_valid <= nl_done && nl_argmax;\n"
    << "      if (nl_done && nl_argmax) token_out <= nl_res0;\n"
    << "    end\n"
    << "  end\n\n";

  // ---------------------------------------------------------------- router
  v << "  // ---- router (weights on ports: the activation row stands in for them)\n"
    << "  reg rt_run;\n"
    << "  wire rt_in_ready, rt_out_valid, rt_out_execute;\n"
    << "  wire [47:0] rt_logit0, rt_logit1;\n"
    << "  wire rt_in_valid = rt_run || go_route;\n"
    << "  wire rt_fire = rt_in_valid && rt_in_ready;\n";
  replicate(v, "rt_x", "act_q", L * 16);
  replicate(v, "rt_w0", "act_rot", L * 16);
  replicate(v, "rt_w1", "~act_q", L * 16);
  v << "  skipopu_router u_router (\n"
    << "    .clk(clk), .rst(rst), .start(go_route), .n_tokens(tok0), .d(elems0[15:0]),\n"
    << "    .in_ready(rt_in_ready), .in_valid(rt_in_valid), .in_x(rt_x), .in_w0(rt_w0), .in_w1(rt_w1),\n"
    << "    .out_valid(rt_out_valid), .out_execute(rt_out_execute), .out_logit0(rt_logit0), .out_logit1(rt_logit1),\n"
    << "    .done(rt_done));\n"
    << "  assign route_valid = rt_out_valid;\n"
    << "  assign route_execute = rt_out_execute;\n"
    << "  wire [111:0] unused_rt = {rt_logit0, rt_logit1, elems0[31:16]};\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) rt_run <= 1'b0;\n"
    << "    else if (go_route) rt_run <= 1'b1;\n"
    << "    else if (rt_done) rt_run <= 1'b0;\n"
    << "  end\n"
    << "  assign act_fire = pe_fire | nl_fire | rt_fire;\n\n";

  // ---------------------------------------------------------------- weight DMA
  v << "  // ---- weight DMA: LOADW streams; its requests go to every port's read master at once\n"
    << "  wire wd_rq_valid, wd_rq_ready, wd_rq_tail;\n"
    << "  wire [31:0] wd_rq_tag, wd_rq_from, wd_rq_len;\n"
    << "  wire [2:0] wd_live;\n"
    << "  skipopu_weight_dma u_weight_dma (\n"
    << "    .clk(clk), .rst(rst), .ld_valid(go_loadw), .ld_ready(wd_ld_ready), .ld_bytes(st_bytes),\n"
    << "    .ld_tag(mt_lo[31:0]), .pe_start(go_gemm), .rq_valid(wd_rq_valid), .rq_ready(wd_rq_ready),\n"
    << "    .rq_tag(wd_rq_tag), .rq_from(wd_rq_from), .rq_len(wd_rq_len), .rq_tail(wd_rq_tail), .live(wd_live));\n"
    << "  wire [3:0] unused_wd = {wd_rq_tail, wd_live};\n"
    << "  wire [31:0] wd_off = wd_rq_tag + wd_rq_from;\n"
    << "  wire [31:0] wd_beats_sum = wd_rq_len + 32'd31;\n"
    << "  wire [31:0] wd_beats = {5'd0, wd_beats_sum[31:5]};\n"
    << "  wire [4:0] unused_wd_beats = wd_beats_sum[4:0];\n\n";

  // ---------------------------------------------------------------- KV history buffer
  // The K/V entry table: where the K/V of (token t, layer l) lives, as the run's memory map
  // (MemoryMap::kv_entry, its page allocation included) places it, written by the host (kt_*):
  // {kind, address}, kind 0 none (t has no K/V at l), 1 own (entry (t, l), stored by l's
  // KV_STORE), 2 reused (the entry of an earlier layer src(t, l): the address is that entry's).
  // One registered read port, shared by the attention walk, the KV buffer's fetches and KV_STORE
  // (in that priority: the walk is on the critical path, the others run in the background).
  const unsigned LB = pp.kv_layer_bits, KI = LB + TB, KW = A + 2, PCB = pp.pc_bits;
  const unsigned PB = clog2(NP) ? clog2(NP) : 1;  // port index bits
  const unsigned AQW = 2 + PB + (TB + 1) + 1, RB = std::max(1u, clog2(R)), CB = std::max(1u, clog2(C));
  if (A < PCB + clog2(NP)) throw std::logic_error("generate_processor: addresses narrower than ports x pc_bytes");
  // An address's port: its pseudo-channel, address >> pc_bits (one port per PC).
  auto port_of = [&](const std::string& a) {
    return NP > 1 ? a + "[" + S(PCB + PB - 1) + ":" + S(PCB) + "]" : std::string("1'b0");
  };
  v << "  // ---- KV history buffer and the K/V entry table\n"
    << "  reg [" << EB - 1 << ":0] entry_beats;\n"
    << "  always @(posedge clk) if (kv_cfg_valid) entry_beats <= kv_cfg_entry_beats;\n"
    << "  wire [" << A - 1 << ":0] eb_bytes = " << ext("{entry_beats, 5'd0}", EB + 5, A) << ";\n"
    << "  localparam [1:0] KT_OWN = 2'd1, KT_REUSED = 2'd2;  // 0: none\n"
    << "  reg [" << KW - 1 << ":0] ktab [0:" << (1u << KI) - 1 << "];\n"
    << "  always @(posedge clk) if (kt_we) ktab[kt_addr] <= kt_wdata;\n"
    << "  wire kt_f_req, kt_s_req, kt_a_req;\n"
    << "  wire [" << KI - 1 << ":0] kt_f_idx, kt_s_idx, kt_a_idx;\n"
    << "  wire kt_a_gnt = kt_a_req;\n"
    << "  wire kt_f_gnt = kt_f_req && !kt_a_req;\n"
    << "  wire kt_s_gnt = kt_s_req && !kt_a_req && !kt_f_req;\n"
    << "  wire [" << KI - 1 << ":0] kt_idx = kt_a_req ? kt_a_idx : kt_f_req ? kt_f_idx : kt_s_idx;\n"
    << "  reg [" << KW - 1 << ":0] kt_q;\n"
    << "  always @(posedge clk) kt_q <= ktab[kt_idx];\n"
    << "  wire [1:0] kt_kind = kt_q[" << KW - 1 << ":" << A << "];\n"
    << "  wire [" << A - 1 << ":0] kt_ad = kt_q[" << A - 1 << ":0];\n"
    << "  reg pf_run;\n"
    << "  assign kv_pf_busy = pf_run;\n"
    << "  wire kv_dec_valid;\n"
    << "  wire [" << TB - 1 << ":0] kv_dec_token;\n"
    << "  wire [2:0] kv_dec_action;\n"
    << "  wire kv_fq_valid, kv_fq_ready;\n"
    << "  wire [" << TB - 1 << ":0] kv_fq_token;\n"
    << "  wire [7:0] kv_fq_layer;\n"
    << "  wire [" << AB - 1 << ":0] kv_fq_base;\n"
    << "  wire kv_fill_valid, kv_fill_ready;\n"
    << "  wire [255:0] kv_fill_data;\n"
    << "  wire [1:0] kv_fetch_pending;\n"
    << "  wire kv_cap_valid;\n"
    << "  wire [" << TB - 1 << ":0] kv_cap_token;\n"
    << "  wire [7:0] kv_cap_layer;\n"
    << "  wire kv_lk_valid, kv_lk_ready;\n"
    << "  wire [" << TB - 1 << ":0] kv_lk_token;\n"
    << "  wire [7:0] kv_lk_layer;\n"
    << "  wire kv_rsp_valid, kv_rsp_ready, kv_rsp_hit, kv_rsp_last;\n"
    << "  wire [255:0] kv_rsp_data;\n"
    << "  wire [31:0] kv_st_capacity, kv_st_hits, kv_st_misses, kv_st_kept, kv_st_captured, kv_st_fetched,\n"
    << "              kv_st_overflow, kv_st_peak;\n"
    << "  skipopu_kv_history u_kv_history (\n"
    << "    .clk(clk), .rst(rst), .cfg_valid(kv_cfg_valid), .cfg_entry_beats(kv_cfg_entry_beats), .idle(kv_idle),\n"
    << "    .pf_start(go_prefetch), .pf_layer(layer0), .pf_context(cur_context), .pf_stream_prev(tok0 != 16'd0),\n"
    << "    .pf_step_first(cur_first), .src_valid(src_valid), .src_ready(src_ready), .src_none(src_none),\n"
    << "    .src_layer(src_layer), .dec_valid(kv_dec_valid), .dec_token(kv_dec_token), .dec_action(kv_dec_action),\n"
    << "    .fq_valid(kv_fq_valid), .fq_ready(kv_fq_ready), .fq_token(kv_fq_token), .fq_layer(kv_fq_layer),\n"
    << "    .fq_base(kv_fq_base), .fill_valid(kv_fill_valid), .fill_ready(kv_fill_ready), .fill_data(kv_fill_data),\n"
    << "    .fetch_pending(kv_fetch_pending), .cap_valid(kv_cap_valid), .cap_token(kv_cap_token),\n"
    << "    .cap_layer(kv_cap_layer), .cap_data(ks_q), .lk_valid(kv_lk_valid), .lk_ready(kv_lk_ready),\n"
    << "    .lk_token(kv_lk_token), .lk_layer(kv_lk_layer), .rsp_valid(kv_rsp_valid), .rsp_ready(kv_rsp_ready),\n"
    << "    .rsp_hit(kv_rsp_hit), .rsp_last(kv_rsp_last), .rsp_data(kv_rsp_data), .st_capacity(kv_st_capacity),\n"
    << "    .st_hits(kv_st_hits), .st_misses(kv_st_misses), .st_kept(kv_st_kept), .st_captured(kv_st_captured),\n"
    << "    .st_fetched(kv_st_fetched), .st_overflow(kv_st_overflow), .st_peak(kv_st_peak));\n"
    << "  wire [" << 1 + TB + 3 + AB + 256 - 1 << ":0] unused_kv = {kv_dec_valid, kv_dec_token, kv_dec_action, kv_fq_base,\n"
    << "    kv_st_capacity, kv_st_hits, kv_st_misses, kv_st_kept, kv_st_captured, kv_st_fetched, kv_st_overflow, kv_st_peak};\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) pf_run <= 1'b0;\n"
    << "    else if (go_prefetch) pf_run <= 1'b1;\n"
    << "    else if (kv_idle) pf_run <= 1'b0;\n"
    << "  end\n"
    << "  // Fetches, one at a time: the entry (token, source layer)'s address from the table (its own\n"
    << "  // entry at the source layer), a read of entry_beats beats on that address's port; the next\n"
    << "  // fetch after the last beat (fills return whole and in request order)\n"
    << "  localparam [1:0] F_IDLE = 2'd0, F_ADDR = 2'd1, F_CMD = 2'd2, F_DATA = 2'd3;\n"
    << "  reg [1:0] fs;\n"
    << "  reg [" << A - 1 << ":0] f_addr;\n"
    << "  wire f_grant, f_last;\n"
    << "  assign kt_f_req = fs == F_IDLE && kv_fq_valid;\n"
    << "  assign kt_f_idx = {kv_fq_layer[" << LB - 1 << ":0], kv_fq_token};\n";
  if (LB < 8) v << "  wire [" << 7 - LB << ":0] unused_fq_layer = kv_fq_layer[7:" << LB << "];\n";
  v
    << "  assign kv_fq_ready = f_grant;\n"
    << "  wire [" << PB - 1 << ":0] f_port = " << port_of("f_addr") << ";\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin fs <= F_IDLE; f_addr <= " << A << "'d0; end\n"
    << "    else case (fs)\n"
    << "      F_IDLE: if (kt_f_gnt) fs <= F_ADDR;\n"
    << "      F_ADDR: begin f_addr <= kt_ad; fs <= F_CMD; end\n"
    << "      F_CMD: if (f_grant) fs <= F_DATA;\n"
    << "      default: if (f_last) fs <= F_IDLE;\n"
    << "    endcase\n"
    << "  end\n\n";

  // ---------------------------------------------------------------- KV_STORE engine
  v << "  // ---- KV_STORE: for each of the step's iss_tok tokens from its first, the table's kind at layer l;\n"
    << "  //      an own entry (the token's K/V was computed at l) is written at its address, on that address's\n"
    << "  //      port, from the activation buffer; its beats pass the KV history buffer's capture port.\n"
    << "  //      Entry by entry (a port's write master takes a command when the previous one is answered);\n"
    << "  //      busy until every write is answered\n"
    << "  localparam [2:0] K_IDLE = 3'd0, K_RD = 3'd1, K_CL = 3'd2, K_CMD = 3'd3, K_DAT = 3'd4, K_NEXT = 3'd5, K_END = 3'd6;\n"
    << "  reg [2:0] ks;\n"
    << "  reg [15:0] ks_n;\n"
    << "  reg [" << TB - 1 << ":0] ks_tok;\n"
    << "  reg [" << EB - 1 << ":0] ks_beat;\n"
    << "  reg [7:0] ks_layer;\n"
    << "  reg [" << A - 1 << ":0] ks_addr;\n"
    << "  wire [" << NP - 1 << ":0] ks_cmd_ready, ks_in_ready;\n"
    << "  wire [" << PB - 1 << ":0] ks_port = " << port_of("ks_addr") << ";\n"
    << "  wire ks_in_rdy = ks_in_ready[ks_port];\n"
    << "  assign ks_busy = ks != K_IDLE;\n"
    << "  assign ks_fire = ks == K_DAT && ks_in_rdy;\n"
    << "  assign kv_cap_valid = ks_fire;\n"
    << "  assign kv_cap_token = ks_tok;\n"
    << "  assign kv_cap_layer = ks_layer;\n"
    << "  assign kt_s_req = ks == K_RD;\n"
    << "  assign kt_s_idx = {ks_layer[" << LB - 1 << ":0], ks_tok};\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin\n"
    << "      ks <= K_IDLE; ks_n <= 16'd0; ks_tok <= " << TB << "'d0; ks_beat <= " << EB << "'d0; ks_layer <= 8'd0;\n"
    << "      ks_addr <= " << A << "'d0;\n"
    << "    end else case (ks)\n"
    << "      K_IDLE: if (go_kvstore) begin\n"
    << "        ks <= tok0 == 16'd0 ? K_END : K_RD; ks_n <= tok0; ks_tok <= cur_first[" << TB - 1 << ":0]; ks_layer <= layer0;\n"
    << "      end\n"
    << "      K_RD: if (kt_s_gnt) ks <= K_CL;\n"
    << "      K_CL: begin ks_addr <= kt_ad; ks_beat <= " << EB << "'d0; ks <= kt_kind == KT_OWN ? K_CMD : K_NEXT; end\n"
    << "      K_CMD: if (ks_cmd_ready[ks_port]) ks <= K_DAT;\n"
    << "      K_DAT: if (ks_fire) begin\n"
    << "        ks_beat <= ks_beat + " << EB << "'d1;\n"
    << "        if (ks_beat + " << EB << "'d1 == entry_beats) ks <= K_NEXT;\n"
    << "      end\n"
    << "      K_NEXT: begin\n"
    << "        ks_n <= ks_n - 16'd1; ks_tok <= ks_tok + " << TB << "'d1;\n"
    << "        ks <= ks_n == 16'd1 ? K_END : K_RD;\n"
    << "      end\n"
    << "      default: if (&ks_cmd_ready) ks <= K_IDLE;  // K_END: every write answered\n"
    << "    endcase\n"
    << "  end\n"
    << "  wire unused_first = cur_first[" << TB << "];\n\n";

  // ---------------------------------------------------------------- ATTN engine
  v << "  // ---- ATTN: wait for the layer's fetches; then walk the context token by token: the table's kind at\n"
    << "  //      layer l; none: skipped; reused: a lookup once the buffer's planning is done (a hit's beats come from\n"
    << "  //      the buffer); own or a miss: the entry is read on its address's port (it joins the port's read\n"
    << "  //      still waiting for the read master when adjacent); every port's gather data are taken as they\n"
    << "  //      arrive; done when the walk is over, every entry's tile steps have run and the tail has passed\n"
    << "  localparam [2:0] A_IDLE = 3'd0, A_WAIT = 3'd1, A_RD = 3'd2, A_CL = 3'd3, A_LK = 3'd4, A_RSP = 3'd5,\n"
    << "                   A_APP = 3'd6, A_FL = 3'd7;\n"
    << "  reg [2:0] as;\n"
    << "  reg [7:0] a_layer;\n"
    << "  reg [" << TB << ":0] a_t;\n"
    << "  reg [" << A - 1 << ":0] a_addr;\n"
    << "  reg a_own, a_pre, a_syn, a_tl;  // own entry; a prefill (the context holds the queries); decode's query pushed; tail\n"
    << "  reg [15:0] a_tc;\n"
    << "  reg [255:0] attn_acc;\n"
    << "  assign attn_acc_out = attn_acc;\n"
    << "  wire a_walk_end = a_t + " << TB + 1 << "'d1 == cur_context;\n"
    << "  wire [" << NP - 1 << ":0] g_app_ok, g_empty;  // per port: the entry joins its gather; nothing left\n"
    << "  // an entry to gather: a stalled or missed one (A_APP, a_addr), or an own one as it is classified (A_CL)\n"
    << "  wire a_cl_own = as == A_CL && kt_kind == KT_OWN;\n"
    << "  wire a_app = as == A_APP || a_cl_own;\n"
    << "  wire [" << A - 1 << ":0] ap_addr = as == A_CL ? kt_ad : a_addr;\n"
    << "  wire ap_own = as == A_CL ? 1'b1 : a_own;\n"
    << "  wire [" << PB - 1 << ":0] ap_port = " << port_of("ap_addr") << ";\n"
    << "  // the walk moves on from A_CL in the same cycle (none, or an own entry its port takes) and reads\n"
    << "  // the next token's kind at once: one token a cycle\n"
    << "  wire a_cl_next = as == A_CL && (kt_kind == 2'd0 || (a_cl_own && (|g_app_ok)));\n"
    << "  assign kv_lk_valid = as == A_LK && kv_idle;  // lookups wait for the buffer's planning\n"
    << "  assign kv_lk_token = a_t[" << TB - 1 << ":0];\n"
    << "  assign kv_lk_layer = a_layer;\n"
    << "  // Hits: the buffer's read ports deliver cfg_kv_read_bytes K/V bytes a cycle from the attention's start\n"
    << "  //   (KvHistoryBuffer::read_done; 0: no limit): a hit's beat is taken once that many bytes a cycle since\n"
    << "  //   the start cover it (h_cred: bytes read out and not yet taken). The walk moves on after a hit's first\n"
    << "  //   beat; its other beats are taken beside it (h_drn); the next lookup waits for the buffer (kv_idle)\n"
    << "  reg [31:0] h_cred;\n"
    << "  reg h_drn;\n"
    << "  reg [" << TB << ":0] h_napp, h_rent;  // hits pushed, hits in\n"
    << "  wire h_ok = cfg_kv_read_bytes == 16'd0 || h_cred >= 32'd32;\n"
    << "  assign kv_rsp_ready = h_drn ? h_ok : as == A_RSP && (!kv_rsp_hit || h_ok);\n"
    << "  wire h_beat = kv_rsp_valid && kv_rsp_ready && kv_rsp_hit;\n"
    << "  wire h_fin = h_beat && kv_rsp_last;\n"
    << "  wire [" << TB << ":0] h_rent_now = h_rent + {" << TB << "'d0, h_fin};  // the one whose last beat is taken now included\n"
    << "  wire [31:0] h_cred_in = h_cred[31:30] != 2'd0 ? h_cred : h_cred + {16'd0, cfg_kv_read_bytes};\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst || go_attn || as == A_WAIT) begin\n"
    << "      h_cred <= {16'd0, cfg_kv_read_bytes}; h_drn <= 1'b0; h_napp <= " << TB + 1
    << "'d0; h_rent <= " << TB + 1 << "'d0;\n"
    << "    end else begin\n"
    << "      h_cred <= h_cred_in - (h_beat ? 32'd32 : 32'd0);\n"
    << "      if (h_beat) h_drn <= !kv_rsp_last;\n"
    << "      if (h_fin) h_rent <= h_rent + " << TB + 1 << "'d1;\n"
    << "      if (as == A_RSP && h_beat) h_napp <= h_napp + " << TB + 1 << "'d1;\n"
    << "    end\n"
    << "  end\n"
    << "  wire [" << TB << ":0] a_t1 = a_t + " << TB + 1 << "'d1;\n"
    << "  // the first token's kind is read in the cycle ATTN is taken when no fetch of its layer is pending\n"
    << "  wire a_go_rd = as == A_IDLE && go_attn && !kv_fetch_pending[layer0[0]] && cur_context != " << TB + 1 << "'d0;\n"
    << "  assign kt_a_req = a_go_rd || as == A_RD || (a_cl_next && !a_walk_end);\n"
    << "  assign kt_a_idx = a_go_rd ? {layer0[" << LB - 1 << ":0], " << TB << "'d0} :\n"
    << "    {a_layer[" << LB - 1 << ":0], as == A_RD ? a_t[" << TB - 1 << ":0] : a_t1[" << TB - 1 << ":0]};\n"
    << "  wire [255:0] g_xor;  // the gather beats taken this cycle, XOR-ed\n"
    << "  // the walk's steps are over (F: every entry in, none left to take, no step left), and, a tail later, done:\n"
    << "  //   the next instruction issues in cycle F + cfg_attn_tail (attention_stream_finish + the tail)\n"
    << "  wire a_fin = (&g_empty) && aq_empty && c_steps == 32'd0 && !h_drn;\n"
    << "  wire a_fl = as == A_FL && (a_pre || a_syn);\n"
    << "  assign attn_done = a_fl && (a_tl ? a_tc == 16'd1 : a_fin && cfg_attn_tail == 16'd0);\n"

    << "  // The attention's tile steps (timing::attention_stream_finish): the entries in walk order (aq: gathered\n"
    << "  //   or not, port, its index in the port's gather, a query's own entry); an entry is taken once its data\n"
    << "  //   are in and adds its steps: qk_block (cfg_attn_qk) at every rows-th entry for each query whose\n"
    << "  //   context reaches it, and at each query's own (last) entry; pv_chunk (cfg_attn_pv) likewise every\n"
    << "  //   cols-th; one step a cycle, the first in the cycle the entry's last beat arrives (attention_stream_finish:\n"
    << "  //   an entry's steps from its arrival); then cfg_attn_tail cycles (the array's and the fused softmax latency).\n"
    << "  //   A decode step's query is its own entry, after the context (ready at once); a prefill's are the\n"
    << "  //   context's own entries, their count known when the walk is over (the steps start then)\n"
    << "  reg [" << AQW - 1 << ":0] aq [0:" << (2u << TB) - 1 << "];\n"
    << "  reg [" << TB << ":0] aq_wp, aq_rp;\n"
    << "  wire aq_empty = aq_wp == aq_rp;\n"
    << "  wire [" << AQW - 1 << ":0] aq_head = aq[aq_rp];\n"
    << "  wire aq_hh = aq_head[" << AQW - 1 << "];  // a hit\n"
    << "  wire aq_hg = aq_head[" << AQW - 2 << "];  // gathered\n"
    << "  wire [" << PB - 1 << ":0] aq_hp = aq_head[" << AQW - 3 << ":" << AQW - 2 - PB << "];\n"
    << "  wire [" << TB << ":0] aq_ho = aq_head[" << TB + 1 << ":1];\n"
    << "  wire aq_hq = aq_head[0];\n"
    << "  wire [" << NP * (TB + 1) - 1 << ":0] g_napp, g_rent;  // per port: entries gathered, entries in\n"
    << "  wire [" << TB << ":0] a_ord = g_napp[ap_port * " << TB + 1 << " +: " << TB + 1 << "];\n"
    << "  wire [" << TB << ":0] aq_hrent = g_rent[aq_hp * " << TB + 1 << " +: " << TB + 1 << "];\n"
    << "  wire aq_push_app = |g_app_ok;\n"
    << "  wire aq_push_hit = as == A_RSP && h_beat;  // a hit's first beat\n"
    << "  wire aq_push_q = as == A_FL && !a_pre && !a_syn;\n"
    << "  wire aq_push = aq_push_app || aq_push_hit || aq_push_q;\n"
    << "  wire [" << AQW - 1 << ":0] aq_din = aq_push_app ? {2'b01, ap_port, a_ord, ap_own && a_pre} : aq_push_hit ? {2'b10, "
    << PB << "'d0, h_napp, 1'b0} : {2'b00, " << PB << "'d0, "
    << TB + 1 << "'d0, aq_push_q};\n"
    << "  reg [31:0] c_steps;\n"
    << "  reg [" << TB << ":0] c_qn, c_qb;  // queries pushed (prefill), queries taken\n"
    << "  reg [" << RB - 1 << ":0] c_mr;\n"
    << "  reg [" << CB - 1 << ":0] c_mc;\n"
    << "  wire c_go = as != A_IDLE && as != A_WAIT && (!a_pre || as == A_FL);\n"
    << "  wire c_pop = c_go && !aq_empty && (aq_hh ? h_rent_now > aq_ho : !aq_hg || aq_hrent > aq_ho);\n"
    << "  wire [" << TB << ":0] c_qge = (a_pre ? c_qn : " << TB + 1 << "'d1) - c_qb;\n"
    << "  wire c_br = c_mr == " << RB << "'d" << R - 1 << ", c_bc = c_mc == " << CB << "'d" << C - 1 << ";\n"
    << "  wire [31:0] c_qk = c_br ? {16'd0, cfg_attn_qk} * " << ext("c_qge", TB + 1, 32) << " : aq_hq ? {16'd0, cfg_attn_qk} : 32'd0;\n"
    << "  wire [31:0] c_pv = c_bc ? {16'd0, cfg_attn_pv} * " << ext("c_qge", TB + 1, 32) << " : aq_hq ? {16'd0, cfg_attn_pv} : 32'd0;\n"
    << "  wire [31:0] c_run = c_steps + (c_pop ? c_qk + c_pv : 32'd0);  // steps left, this cycle's included\n"
    << "  always @(posedge clk) begin\n"
    << "    if (aq_push) aq[aq_wp] <= aq_din;\n"
    << "    if (rst || go_attn) begin\n"
    << "      aq_wp <= " << TB + 1 << "'d0; aq_rp <= " << TB + 1 << "'d0; c_steps <= 32'd0; c_qn <= " << TB + 1 << "'d0; c_qb <= "
    << TB + 1 << "'d0;\n"
    << "      c_mr <= " << RB << "'d0; c_mc <= " << CB << "'d0;\n"
    << "    end else begin\n"
    << "      if (aq_push) aq_wp <= aq_wp + " << TB + 1 << "'d1;\n"
    << "      if (aq_push_app && ap_own && a_pre) c_qn <= c_qn + " << TB + 1 << "'d1;\n"
    << "      c_steps <= c_run - {31'd0, c_run != 32'd0};\n"
    << "      if (c_pop) begin\n"
    << "        aq_rp <= aq_rp + " << TB + 1 << "'d1;\n"
    << "        c_mr <= c_br ? " << RB << "'d0 : c_mr + " << RB << "'d1;\n"
    << "        c_mc <= c_bc ? " << CB << "'d0 : c_mc + " << CB << "'d1;\n"
    << "        if (aq_hq) c_qb <= c_qb + " << TB + 1 << "'d1;\n"
    << "      end\n"
    << "    end\n"
    << "  end\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin\n"
    << "      as <= A_IDLE; a_layer <= 8'd0; a_t <= " << TB + 1 << "'d0; a_addr <= " << A << "'d0; attn_acc <= 256'd0;\n"
    << "      a_own <= 1'b0; a_pre <= 1'b0; a_syn <= 1'b0; a_tl <= 1'b0; a_tc <= 16'd0;\n"
    << "    end\n"
    << "    else begin\n"
    << "      attn_acc <= attn_acc ^ g_xor ^ (kv_rsp_valid && kv_rsp_ready ? kv_rsp_data : 256'd0);\n"
    << "      case (as)\n"
    << "        A_IDLE: if (go_attn) begin\n"
    << "          as <= a_go_rd && kt_a_gnt ? A_CL : A_WAIT; a_layer <= layer0; a_t <= " << TB + 1 << "'d0; a_pre <= cur_context != cur_first; a_syn <= 1'b0;\n"
    << "          a_tl <= 1'b0;\n"
    << "        end\n"
    << "        A_WAIT: if (!kv_fetch_pending[a_layer[0]]) as <= cur_context == " << TB + 1 << "'d0 ? A_FL : A_RD;\n"
    << "        A_RD: if (kt_a_gnt) as <= A_CL;\n"
    << "        A_CL: begin\n"
    << "          a_addr <= kt_ad; a_own <= kt_kind == KT_OWN;\n"
    << "          if (a_cl_next) begin a_t <= a_t1; as <= a_walk_end ? A_FL : kt_a_gnt ? A_CL : A_RD; end\n"
    << "          else if (kt_kind == KT_REUSED) as <= A_LK;\n"
    << "          else as <= A_APP;  // an own entry its port cannot take yet\n"
    << "        end\n"
    << "        A_LK: if (kv_lk_valid && kv_lk_ready) as <= A_RSP;\n"
    << "        A_RSP: if (kv_rsp_valid && kv_rsp_ready) begin  // a hit's first beat: on to the next token\n"
    << "          if (!kv_rsp_hit) begin as <= A_APP; a_own <= 1'b0; end\n"
    << "          else begin a_t <= a_t + " << TB + 1 << "'d1; as <= a_walk_end ? A_FL : A_RD; end\n"
    << "        end\n"
    << "        A_APP: if (|g_app_ok) begin a_t <= a_t + " << TB + 1 << "'d1; as <= a_walk_end ? A_FL : A_RD; end\n"
    << "        default: begin  // A_FL: the walk is over; decode's query entry, the steps, the tail\n"
    << "          if (!a_pre && !a_syn) a_syn <= 1'b1;\n"
    << "          else if (!a_tl) begin\n"
    << "            if (a_fin) begin if (cfg_attn_tail == 16'd0) as <= A_IDLE; else begin a_tl <= 1'b1; a_tc <= cfg_attn_tail; end end\n"
    << "          end else if (a_tc == 16'd1) as <= A_IDLE;\n"
    << "          else a_tc <= a_tc - 16'd1;\n"
    << "        end\n"
    << "      endcase\n"
    << "    end\n"
    << "  end\n";
  // Per port: the read waiting for the port's read master (pend: start, end, beats; an entry adjacent
  // to it joins it), the beats of the issued gathers not yet in (left). An entry that finds none
  // waiting goes to the read master in the cycle it is classified when the master takes it then
  // (now, req: the command is the waiting read, else that entry).
  for (unsigned p = 0; p < NP; ++p) {
    const std::string g = "g" + port_id(p) + "_";
    v << "  reg " << g << "pend;\n"
      << "  reg [" << A - 1 << ":0] " << g << "pstart, " << g << "end;\n"
      << "  reg [31:0] " << g << "pbeats, " << g << "left;\n"
      << "  wire " << g << "issue, " << g << "beat, " << g << "beat2;\n"
      << "  wire " << g << "mine = a_app && ap_port == " << PB << "'d" << p << ";\n"
      << "  wire " << g << "join = " << g << "mine && " << g << "pend && !" << g << "issue && ap_addr == " << g << "end;\n"
      << "  wire " << g << "start_new = " << g << "mine && !" << g << "join && (!" << g << "pend || " << g << "issue);\n"
      << "  assign g_app_ok[" << p << "] = " << g << "join || " << g << "start_new;\n"
      << "  wire " << g << "now = " << g << "mine && !" << g << "pend;\n"
      << "  wire " << g << "req = " << g << "pend || " << g << "now;\n"
      << "  wire [" << A - 1 << ":0] " << g << "req_start = " << g << "pend ? " << g << "pstart : ap_addr;\n"
      << "  wire [31:0] " << g << "req_beats = " << g << "pend ? " << g << "pbeats : " << ext("entry_beats", EB, 32) << ";\n"
      << "  reg [" << TB << ":0] " << g << "napp, " << g << "rent;\n"
      << "  reg [" << EB - 1 << ":0] " << g << "rb;\n"
      << "  assign g_napp[" << (p + 1) * (TB + 1) - 1 << ":" << p * (TB + 1) << "] = " << g << "napp;\n"
      << "  // up to two beats a cycle: the entry the first completes (" << g << "fin1), the count after it, the second\n"
      << "  wire " << g << "fin1 = " << g << "beat && " << g << "rb + " << EB << "'d1 == entry_beats;\n"
      << "  wire [" << EB - 1 << ":0] " << g << "rb1 = !" << g << "beat ? " << g << "rb : " << g << "fin1 ? " << EB << "'d0 : " << g
      << "rb + " << EB << "'d1;\n"
      << "  wire " << g << "fin2 = " << g << "beat2 && " << g << "rb1 + " << EB << "'d1 == entry_beats;\n"
      << "  wire [" << EB - 1 << ":0] " << g << "rb2 = !" << g << "beat2 ? " << g << "rb1 : " << g << "fin2 ? " << EB << "'d0 : " << g
      << "rb1 + " << EB << "'d1;\n"
      << "  wire [" << TB << ":0] " << g << "fins = {" << TB << "'d0, " << g << "fin1} + {" << TB << "'d0, " << g << "fin2};\n"
      << "  // entries in, those whose last beat arrives this cycle included (their steps may run now)\n"
      << "  assign g_rent[" << (p + 1) * (TB + 1) - 1 << ":" << p * (TB + 1) << "] = " << g << "rent + " << g << "fins;\n"
      << "  always @(posedge clk) begin\n"
      << "    if (rst || go_attn) begin " << g << "napp <= " << TB + 1 << "'d0; " << g << "rent <= " << TB + 1 << "'d0; " << g
      << "rb <= " << EB << "'d0; end\n"
      << "    else begin\n"
      << "      if (g_app_ok[" << p << "]) " << g << "napp <= " << g << "napp + " << TB + 1 << "'d1;\n"
      << "      " << g << "rb <= " << g << "rb2;\n"
      << "      " << g << "rent <= " << g << "rent + " << g << "fins;\n"
      << "    end\n"
      << "  end\n"
      << "  assign g_empty[" << p << "] = !" << g << "pend && " << g << "left == 32'd0;\n"
      << "  always @(posedge clk) begin\n"
      << "    if (rst) begin\n"
      << "      " << g << "pend <= 1'b0; " << g << "pstart <= " << A << "'d0; " << g << "end <= " << A << "'d0; " << g
      << "pbeats <= 32'd0; " << g << "left <= 32'd0;\n"
      << "    end else begin\n"
      << "      " << g << "left <= " << g << "left + (" << g << "issue ? " << g << "req_beats : 32'd0) - {31'd0, " << g << "beat} - {31'd0, "
      << g << "beat2};\n"
      << "      if (" << g << "join) begin " << g << "end <= " << g << "end + eb_bytes; " << g << "pbeats <= " << g << "pbeats + "
      << ext("entry_beats", EB, 32) << "; end\n"
      << "      else if (" << g << "start_new && !(" << g << "now && " << g << "issue)) begin\n"
      << "        " << g << "pend <= 1'b1; " << g << "pstart <= ap_addr; " << g << "end <= ap_addr + eb_bytes; " << g
      << "pbeats <= " << ext("entry_beats", EB, 32) << ";\n"
      << "      end else if (" << g << "issue) " << g << "pend <= 1'b0;\n"
      << "    end\n"
      << "  end\n";
  }
  v << "\n";
  // ---------------------------------------------------------------- EMBED engine
  v << "  // ---- EMBED: the step's embedding rows as the host streams them (er_*: the requests of the run's\n"
    << "  //      memory map, address, beats, the step's last): each a read on its address's port, all ports in\n"
    << "  //      parallel, from the EMBED's issue cycle on; a piece goes to its port's read master in the cycle it\n"
    << "  //      is taken when the master takes it then, else it waits there (a port holds one); the beats go into the\n"
    << "  //      activation buffer, one port a cycle (the lowest port first), its two lanes' beats (two rows) at\n"
    << "  //      once; done with the last beat\n"
    << "  reg em_run, em_all;\n"
    << "  wire [" << PB - 1 << ":0] er_port = " << port_of("er_addr") << ";\n"
    << "  wire [" << NP - 1 << ":0] e_free, e_empty, e_v, e_sel;\n"
    << "  wire em_valid = |e_v;\n"
    << "  wire [255:0] em_data, em_data2;\n"
    << "  wire [" << NP - 1 << ":0] e_v2;\n"
    << "  wire em_valid2 = |(e_v2 & e_sel);\n"
    << "  // from the issue cycle (go_embed: em_run and em_all not yet set)\n"
    << "  wire em_all_now = go_embed ? tok0 == 16'd0 : em_all;\n"
    << "  assign er_ready = (em_run || go_embed) && !em_all_now && e_free[er_port];\n"
    << "  wire er_take = er_valid && er_ready;\n"
    << "  assign embed_done = em_run && em_all && (&e_empty);\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin em_run <= 1'b0; em_all <= 1'b0; end\n"
    << "    else if (go_embed) begin em_run <= 1'b1; em_all <= tok0 == 16'd0 || (er_take && er_last); end\n"
    << "    else begin\n"
    << "      if (er_take && er_last) em_all <= 1'b1;\n"
    << "      if (embed_done) em_run <= 1'b0;\n"
    << "    end\n"
    << "  end\n";
  for (unsigned p = 0; p < NP; ++p) {
    const std::string e = "e" + port_id(p) + "_";
    v << "  reg " << e << "pend;\n"
      << "  reg [" << A - 1 << ":0] " << e << "addr;\n"
      << "  reg [31:0] " << e << "beats, " << e << "left;\n"
      << "  wire " << e << "issue;\n"
      << "  // a piece for the port: the waiting one, else the one taken now (er_ready: none waits then)\n"
      << "  wire " << e << "now = er_take && er_port == " << PB << "'d" << p << ";\n"
      << "  wire " << e << "req = " << e << "pend || " << e << "now;\n"
      << "  wire [" << A - 1 << ":0] " << e << "req_addr = " << e << "pend ? " << e << "addr : er_addr;\n"
      << "  wire [31:0] " << e << "req_beats = " << e << "pend ? " << e << "beats : {16'd0, er_beats};\n"
      << "  wire " << e << "beat = e_sel[" << p << "];\n"
      << "  wire " << e << "beat2 = e_sel[" << p << "] && e_v2[" << p << "];\n"
      << "  wire [31:0] " << e << "taken = {31'd0, " << e << "beat} + {31'd0, " << e << "beat2};\n"
      << "  assign e_free[" << p << "] = !" << e << "pend;\n"
      << "  assign e_empty[" << p << "] = !" << e << "pend && " << e << "left == " << e << "taken;\n"
      << "  always @(posedge clk) begin\n"
      << "    if (rst) begin " << e << "pend <= 1'b0; " << e << "addr <= " << A << "'d0; " << e << "beats <= 32'd0; " << e
      << "left <= 32'd0; end\n"
      << "    else begin\n"
      << "      if (" << e << "now && !" << e << "issue) begin " << e << "pend <= 1'b1; " << e << "addr <= er_addr; "
      << e << "beats <= {16'd0, er_beats}; end\n"
      << "      else if (" << e << "issue) " << e << "pend <= 1'b0;\n"
      << "      " << e << "left <= " << e << "left + (" << e << "issue ? " << e << "req_beats : 32'd0) - " << e << "taken;\n"
      << "    end\n"
      << "  end\n";
  }
  {
    std::string sel, data, data2;
    for (unsigned p = 0; p < NP; ++p) {
      v << "  assign e_sel[" << p << "] = e_v[" << p << "]" << (p ? " && !(|e_v[" + S(p - 1) + ":0])" : std::string()) << ";\n";
      data += std::string(p ? " | " : "") + "(e_sel[" + S(p) + "] ? p" + port_id(p) + "_od : 256'd0)";
      data2 += std::string(p ? " | " : "") + "(e_sel[" + S(p) + "] ? p" + port_id(p) + "_od2 : 256'd0)";
    }
    v << "  assign em_data = " << data << ";\n"
      << "  assign em_data2 = " << data2 << ";\n";
  }
  v << "  assign act_we = em_valid || pe_out_valid || nl_out_valid || attn_done;\n"
    << "  assign act_wdata = em_valid ? em_data : pe_out_valid ? pe_fold : nl_out_valid ? nl_fold : attn_acc;\n"
    << "  assign act_we2 = em_valid2;\n"
    << "  assign act_wdata2 = em_data2;\n\n";

  // ---------------------------------------------------------------- ports
  v << "  // ---- AXI ports: a read master per port (clients, by priority: the attention's gather, a KV fetch,\n"
    << "  //      an EMBED piece, the weight DMA on every port at once); a write master per port (KV_STORE)\n"
    << "  localparam [1:0] CL_W = 2'd0, CL_E = 2'd1, CL_F = 2'd2, CL_T = 2'd3;\n"
    << "  wire [" << NP - 1 << ":0] rd_cmd_ready, w_ok, f_gnt, f_lst, f_fv;\n"
    << "  assign wd_rq_ready = wd_rq_valid && (&w_ok);\n"
    << "  assign f_grant = |f_gnt;\n"
    << "  assign f_last = |f_lst;\n"
    << "  assign kv_fill_valid = |f_fv;\n"
    << "  wire [" << NP - 1 << ":0] rd_err, wb_in_ready, wb_in_ready2, wr_err;\n"
    << "  assign err = ctrl_err | (|rd_err) | (|wr_err);\n";
  const unsigned OQB = clog2(ax.rd_commands);
  if ((1u << OQB) != ax.rd_commands || OQB == 0) throw std::logic_error("generate_processor: the read master's command queue is not a power of two");
  std::string fill_or, gxor;
  for (unsigned p = 0; p < NP; ++p) {
    const std::string n = "m_axi_" + port_id(p) + "_", q = "p" + port_id(p) + "_", g = "g" + port_id(p) + "_";
    const std::string base = S(A) + "'d" + S(uint64_t(p) * pp.pc_bytes);
    v << "  // port " << port_id(p) << "\n"
      << "  wire " << q << "t = " << g << "req;\n"
      << "  wire " << q << "f = fs == F_CMD && f_port == " << PB << "'d" << p << ";\n"
      << "  wire " << q << "e = e" << port_id(p) << "_req;\n"
      << "  assign w_ok[" << p << "] = rd_cmd_ready[" << p << "] && !" << q << "t && !" << q << "f && !" << q << "e;\n"
      << "  wire [1:0] " << q << "cl = " << q << "t ? CL_T : " << q << "f ? CL_F : " << q << "e ? CL_E : CL_W;\n"
      << "  wire " << q << "cmd_valid = rd_cmd_ready[" << p << "] && (" << q << "t || " << q << "f || " << q
      << "e || wd_rq_ready);\n"
      << "  wire [" << A - 1 << ":0] " << q << "addr = " << q << "t ? " << g << "req_start : " << q << "f ? f_addr :\n"
      << "    " << q << "e ? e" << port_id(p) << "_req_addr : " << base << " + cfg_weight_base + "
      << ext("wd_off", 32, A) << ";\n"
      << "  wire [31:0] " << q << "beats = " << q << "t ? " << g << "req_beats : " << q << "f ? {" << 32 - EB << "'d0, entry_beats} : "
      << q << "e ? e" << port_id(p) << "_req_beats : wd_beats;\n"
      << "  assign " << g << "issue = " << q << "cmd_valid && " << q << "cl == CL_T;\n"
      << "  assign e" << port_id(p) << "_issue = " << q << "cmd_valid && " << q << "cl == CL_E;\n"
      << "  assign e_v[" << p << "] = " << q << "ov && " << q << "own == CL_E;\n"
      << "  assign e_v2[" << p << "] = " << q << "ov2 && " << q << "own == CL_E;\n"
      << "  assign f_gnt[" << p << "] = " << q << "cmd_valid && " << q << "cl == CL_F;\n"
      << "  // the client of each command awaiting data (the master's queue of " << ax.rd_commands << "), oldest first\n"
      << "  reg [1:0] " << q << "oq [0:" << ax.rd_commands - 1 << "];\n"
      << "  reg [" << OQB - 1 << ":0] " << q << "oq_wp, " << q << "oq_rp;\n"
      << "  wire [1:0] " << q << "own = " << q << "oq[" << q << "oq_rp];\n"
      << "  wire " << q << "ov, " << q << "ol, " << q << "ov2, " << q << "ol2;\n"
      << "  wire [255:0] " << q << "od, " << q << "od2;\n"
      << "  wire [7:0] " << q << "outst;\n"
      << "  wire " << q << "oready = " << q << "own == CL_W ? wb_in_ready[" << p << "] : " << q
      << "own == CL_F ? kv_fill_ready : " << q << "own == CL_E ? e_sel[" << p << "] : 1'b1;\n"
      << "  // the second lane with the first: the weight buffer with room for two, EMBED's two rows, the gather;\n"
      << "  // the KV fill takes one beat a cycle (the store's write port)\n"
      << "  wire " << q << "oready2 = " << q << "own == CL_W ? wb_in_ready2[" << p << "] : " << q << "own != CL_F;\n"
      << "  wire " << q << "ot2 = " << q << "ov2 && " << q << "oready && " << q << "oready2;  // the second lane taken\n"
      << "  always @(posedge clk) begin\n"
      << "    if (rst) begin " << q << "oq_wp <= " << OQB << "'d0; " << q << "oq_rp <= " << OQB << "'d0; end\n"
      << "    else begin\n"
      << "      if (" << q << "cmd_valid) begin " << q << "oq[" << q << "oq_wp] <= " << q << "cl; " << q << "oq_wp <= " << q
      << "oq_wp + " << OQB << "'d1; end\n"
      << "      if ((" << q << "ov && " << q << "oready && " << q << "ol) || (" << q << "ot2 && " << q << "ol2)) " << q << "oq_rp <= " << q
      << "oq_rp + " << OQB << "'d1;\n"
      << "    end\n"
      << "  end\n"
      << "  assign " << g << "beat = " << q << "ov && " << q << "own == CL_T;\n"
      << "  assign " << g << "beat2 = " << q << "ov2 && " << q << "own == CL_T;\n"
      << "  assign f_fv[" << p << "] = " << q << "ov && " << q << "own == CL_F;\n"
      << "  assign f_lst[" << p << "] = f_fv[" << p << "] && kv_fill_ready && " << q << "ol;\n"
      << "  skipopu_axi_rd_master u_rd_" << port_id(p) << " (\n"
      << "    .clk(clk), .rst(rst), .cmd_valid(" << q << "cmd_valid), .cmd_ready(rd_cmd_ready[" << p << "]), .cmd_addr(" << q
      << "addr),\n"
      << "    .cmd_beats(" << q << "beats), .cmd_id(" << I << "'d0),\n"
      << "    .m_axi_araddr(" << n << "araddr), .m_axi_arburst(" << n << "arburst), .m_axi_arid(" << n << "arid),\n"
      << "    .m_axi_arlen(" << n << "arlen), .m_axi_arsize(" << n << "arsize), .m_axi_arvalid(" << n << "arvalid),\n"
      << "    .m_axi_arready(" << n << "arready), .m_axi_rdata(" << n << "rdata), .m_axi_rid(" << n << "rid),\n"
      << "    .m_axi_rlast(" << n << "rlast), .m_axi_rresp(" << n << "rresp), .m_axi_rvalid(" << n << "rvalid),\n"
      << "    .m_axi_rready(" << n << "rready), .m_axi_r2data(" << n << "r2data), .m_axi_r2id(" << n << "r2id),\n"
      << "    .m_axi_r2last(" << n << "r2last), .m_axi_r2resp(" << n << "r2resp), .m_axi_r2valid(" << n << "r2valid),\n"
      << "    .m_axi_r2ready(" << n << "r2ready), .out_valid(" << q << "ov), .out_ready(" << q << "oready), .out_data(" << q
      << "od),\n"
      << "    .out_last(" << q << "ol), .out2_valid(" << q << "ov2), .out2_ready(" << q << "oready2), .out2_data(" << q << "od2),\n"
      << "    .out2_last(" << q << "ol2), .outstanding(" << q << "outst), .err(rd_err[" << p << "]));\n"
      << "  wire [7:0] unused_" << q << "outst = " << q << "outst;\n"
      << "  skipopu_weight_buffer #(.PB(" << WBB << ")) u_wbuf_" << port_id(p) << " (\n"
      << "    .clk(clk), .rst(rst), .in_valid(" << q << "ov && " << q << "own == CL_W), .in_ready(wb_in_ready[" << p
      << "]),\n"
      << "    .in_data(" << q << "od), .in_valid2(" << q << "ov2 && " << q << "own == CL_W), .in_ready2(wb_in_ready2[" << p << "]),\n"
      << "    .in_data2(" << q << "od2), .out_valid(wb_out_valid[" << p << "]), .out_ready(wide_take),\n"
      << "    .out_data(wb_out_data[" << (p + 1) * 256 - 1 << ":" << p * 256 << "]));\n";
    fill_or += std::string(p ? " | " : "") + "(f_fv[" + S(p) + "] ? " + q + "od : 256'd0)";
    gxor += std::string(p ? " ^ " : "") + "(" + g + "beat ? " + q + "od : 256'd0) ^ (" + g + "beat2 ? " + q + "od2 : 256'd0)";
    v << "  wire unused_" << q << "ol = " << q << "ol;\n";
    v << "  wire [7:0] " << q << "wr_outst;\n"
      << "  skipopu_axi_wr_master u_wr_" << port_id(p) << " (\n"
      << "    .clk(clk), .rst(rst), .cmd_valid(ks == K_CMD && ks_port == " << PB << "'d" << p << "), .cmd_ready(ks_cmd_ready["
      << p << "]), .cmd_addr(ks_addr),\n"
      << "    .cmd_beats(" << ext("entry_beats", EB, 32) << "), .cmd_id(" << I << "'d0), .in_valid(ks == K_DAT && ks_port == "
      << PB << "'d" << p << "),\n"
      << "    .in_ready(ks_in_ready[" << p << "]), .in_data(ks_q),\n"
      << "    .m_axi_awaddr(" << n << "awaddr), .m_axi_awburst(" << n << "awburst), .m_axi_awid(" << n << "awid),\n"
      << "    .m_axi_awlen(" << n << "awlen), .m_axi_awsize(" << n << "awsize), .m_axi_awvalid(" << n << "awvalid),\n"
      << "    .m_axi_awready(" << n << "awready), .m_axi_wdata(" << n << "wdata), .m_axi_wstrb(" << n << "wstrb),\n"
      << "    .m_axi_wlast(" << n << "wlast), .m_axi_wvalid(" << n << "wvalid), .m_axi_wready(" << n << "wready),\n"
      << "    .m_axi_bid(" << n << "bid), .m_axi_bresp(" << n << "bresp), .m_axi_bvalid(" << n << "bvalid),\n"
      << "    .m_axi_bready(" << n << "bready), .outstanding(" << q << "wr_outst), .err(wr_err[" << p << "]));\n"
      << "  wire [7:0] unused_" << q << "wr_outst = " << q << "wr_outst;\n";
  }
  v << "  assign kv_fill_data = " << fill_or << ";\n"
    << "  assign g_xor = " << gxor << ";\n"
    << "endmodule\n";
  return v.str();
}

}  // namespace skipopu::rtl

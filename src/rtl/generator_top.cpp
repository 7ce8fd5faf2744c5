// The whole processor of `skipopu gen-rtl` (skipopu_processor.v, docs/rtl.md "The whole
// processor"): the generated controller issuing to the compute blocks, the weight DMA, the KV
// history buffer and the AXI3 masters, on one clock.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>

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
      {false, false, A, "cfg_kv_base"},   {false, false, 32, "cfg_inv_n"},
      {false, false, 1, "kv_cfg_valid"},  {false, false, EB, "kv_cfg_entry_beats"},
      {true, false, 1, "kv_idle"},        {false, false, 1, "step_valid"},
      {true, false, 1, "step_ready"},     {false, false, 16, "step_tokens"},
      {false, false, TB + 1, "step_first"}, {false, false, TB + 1, "step_context"},
      {false, false, A, "step_embed_addr"}, {false, false, 1, "rf_push"},
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
        {false, false, 1, n + "bvalid"}, {true, false, 1, n + "bready"}};
    v.insert(v.end(), a.begin(), a.end());
  }
  return v;
}

ProcessorRtl processor_params(const HardwareConfig& c, const WeightDmaRtl& wd, const HandoffRtl& ho, size_t matrices) {
  ProcessorRtl p;
  p.ports = ho.ports;
  p.kv_port = ho.ports - 1;
  p.pc_bytes = c.hbm.pc_bytes;
  // One wide weight beat is a beat of every port; each port's buffer holds its share of the
  // two prefetch windows: 2 * window_per_pc bytes, rounded up to a power of two of beats.
  const uint64_t beats = std::max<uint64_t>(2, 2 * ((wd.window_per_pc + KvHistoryRtl::kBeatBytes - 1) / KvHistoryRtl::kBeatBytes));
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
  const unsigned A = ax.addr_bits, I = ax.id_bits, NP = pp.ports, KP = pp.kv_port;
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
    << "//   EMBED      -> AXI read on port 00 (the step's embedding row address, step_embed_addr), into the\n"
    << "//                 activation buffer; done at the last beat\n"
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
    << "//   KV_STORE   -> AXI write on port " << port_id(KP) << " (the K/V port) of iss_tok entries; the same beats\n"
    << "//                 pass the KV history buffer's capture port\n"
    << "//   KV_PREFETCH-> skipopu_kv_history pf_start (context step_context, first token step_first); its src\n"
    << "//                 stream comes from the src_* ports, its fetches are AXI reads on port " << port_id(KP) << "\n"
    << "//   ATTN       -> the attention walk: after the layer's fetches, the layer's K/V of the whole context as\n"
    << "//                 one read on port " << port_id(KP) << " (consecutive entries), walked token by token: a lookup; a\n"
    << "//                 hit's beats come from the buffer (its entry's beats of the read are dropped), a miss\n"
    << "//                 takes them from the read\n"
    << "//   BRANCH, JUMP -> taken at once (the controller resolves them)\n"
    << "// Host ports: instruction memory (im_*), matrix table (mt_*: entry m = {tiles, per-PC byte offset} of\n"
    << "// matrices 0..m-1, so LOADW/GEMM m0..m1 read entries m0 and m1+1), steps, routing outcomes (rf_*,\n"
    << "// the trace's bitmask stream), src(t, l) (src_*), the KV buffer's configuration (kv_cfg_*), base\n"
    << "// addresses (cfg_*).\n"
    << "// Abstracts away (docs/rtl.md): operand values (a unit's operands are the activation buffer's current\n"
    << "// 256-bit row replicated to its width; its outputs are folded back onto a row: the data path is\n"
    << "// wired so that synthesis keeps every block, not the model's layout); the attention arithmetic\n"
    << "// (the FP16 x FP16 mode of the array is not generated: the K/V beats are XOR-accumulated);\n"
    << "// K/V striping over the pseudo-channels (all K/V traffic on port " << port_id(KP)
    << "); the clock crossing\n"
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
    const unsigned ui = (W - 1) * B + 6 + (90 - 42 - MB) + (42 - 26 - MB) + 8 + 6;
    v << "  wire [" << ui - 1 << ":0] unused_iss = {";
    if (W > 1) v << "iss_word[" << W * B - 1 << ":" << B << "], ";
    v << "w0[127:122], w0[89:" << 42 + MB << "], w0[41:" << 26 + MB << "], w0[25:18], w0[9:4]};\n";
    const unsigned uc = W * P + W * 16 + (W - 1) * 17 + W + 1;
    v << "  wire [" << uc - 1 << ":0] unused_ctrl = {iss_pc, iss_tok_kv, "
      << (W > 1 ? "iss_tok[" + S(W * 16 - 1) + ":16], iss_valid[" + S(W - 1) + ":1], " : std::string())
      << "iss_new_step, ctrl_step_end};\n";
  }
  v << "\n  // step registers (taken with the controller's step)\n"
    << "  reg [" << TB << ":0] cur_first, cur_context;\n"
    << "  reg [" << A - 1 << ":0] cur_embed_addr;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin cur_first <= " << TB + 1 << "'d0; cur_context <= " << TB + 1 << "'d0; cur_embed_addr <= " << A
    << "'d0; end\n"
    << "    else if (step_valid && step_ready) begin\n"
    << "      cur_first <= step_first; cur_context <= step_context; cur_embed_addr <= step_embed_addr;\n"
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
    << "  wire pe_done, nl_done, rt_done, embed_done, attn_done;\n"
    << "  assign unit_done = pe_done | nl_done | rt_done | embed_done | attn_done;\n\n";

  // ---------------------------------------------------------------- activation buffer
  v << "  // ---- activation buffer: " << (1u << AW) << " rows of 256 bits; read pointer ra (the running unit's\n"
    << "  // operands), write pointer wa (its results); a second read port for KV_STORE's data\n"
    << "  reg [255:0] act [0:" << (1u << AW) - 1 << "];\n"
    << "  reg [" << AW - 1 << ":0] ra, wa, ks_ra;\n"
    << "  reg [255:0] act_q, ks_q;\n"
    << "  wire act_fire;\n"
    << "  wire act_we;\n"
    << "  wire [255:0] act_wdata;\n"
    << "  wire [" << AW - 1 << ":0] ra_n = act_fire ? ra + " << AW << "'d1 : ra;\n"
    << "  wire ks_fire;\n"
    << "  wire [" << AW - 1 << ":0] ks_ra_n = ks_fire ? ks_ra + " << AW << "'d1 : ks_ra;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (act_we) act[wa] <= act_wdata;\n"
    << "    act_q <= act[ra_n];\n"
    << "    ks_q <= act[ks_ra_n];\n"
    << "  end\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin ra <= " << AW << "'d0; wa <= " << AW << "'d0; ks_ra <= " << AW << "'d0; end\n"
    << "    else begin\n"
    << "      ra <= ra_n; ks_ra <= ks_ra_n;\n"
    << "      if (act_we) wa <= wa + " << AW << "'d1;\n"
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
    << "  wire tile_take = wide_valid && drop == 32'd0 && pe_run && g_left != 32'd0 && (!tile_ready"
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
      << "  wire last_need = tile_take && tl <= 32'd" << TPB << ";\n"
      << "  always @(posedge clk) if (rst) tl <= 32'd0; else if (go_gemm) tl <= st_tiles; else if (tile_take) tl <= last_need ? "
         "32'd0 : tl - 32'd" << TPB << ";\n";
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
  v << "  always @(posedge clk) begin\n"
    << "    if (rst) begin\n"
    << "      pe_run <= 1'b0; pe_ntok <= 16'd0; pe_tcnt <= 16'd0; tile_ready <= 1'b0; tile_cnt <= " << TCB << "'d0;\n"
    << "      g_left <= 32'd0; drop <= 32'd0;\n"
    << (TPB > 1 ? "      tsub <= " + S(SB) + "'d0;\n" : std::string())
    << "    end else begin\n"
    << "      if (go_gemm) begin pe_run <= 1'b1; pe_ntok <= tok0; pe_tcnt <= 16'd0; end\n"
    << "      else if (pe_done) pe_run <= 1'b0;\n"
    << "      g_left <= go_gemm ? gm_beats : last_need ? 32'd0 : g_left - {31'd0, tile_take};\n"
    << "      drop <= drop - {31'd0, drop_take} + (last_need ? g_left - 32'd1 : 32'd0) +\n"
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
    << "    .out_valid(pe_out_valid), .out_data(pe_out_data), .done(pe_done));\n";
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
  v << "  // ---- KV history buffer\n"
    << "  reg [" << EB - 1 << ":0] entry_beats;\n"
    << "  always @(posedge clk) if (kv_cfg_valid) entry_beats <= kv_cfg_entry_beats;\n"
    << "  // HBM address of the entry (token t, layer l): cfg_kv_base + (l * max_tokens + t) * entry bytes\n"
    << "  function [" << A - 1 << ":0] kv_addr;\n"
    << "    input [" << TB - 1 << ":0] t;\n"
    << "    input [7:0] l;\n"
    << "    input [" << EB - 1 << ":0] eb;\n"
    << "    input [" << A - 1 << ":0] base;\n"
    << "    reg [" << A - 1 << ":0] lt, e;\n"
    << "    begin\n"
    << "      lt = " << ext("{l, t}", 8 + TB, A) << ";\n"
    << "      e = " << ext("eb", EB, A) << ";\n"
    << "      kv_addr = base + ((lt * e) << 5);\n"
    << "    end\n"
    << "  endfunction\n"
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
    << "  wire [" << A - 1 << ":0] fq_addr = kv_addr(kv_fq_token, kv_fq_layer, entry_beats, cfg_kv_base);\n\n";

  // ---------------------------------------------------------------- KV_STORE engine
  v << "  // ---- KV_STORE: iss_tok entries of layer l from the step's first token, written on port " << port_id(KP)
    << "\n  //      from the activation buffer; the beats pass the KV history buffer's capture port\n"
    << "  reg ks_run, ks_cmd;\n"
    << "  reg [31:0] ks_left;\n"
    << "  reg [" << TB - 1 << ":0] ks_tok;\n"
    << "  reg [" << EB - 1 << ":0] ks_beat;\n"
    << "  reg [7:0] ks_layer;\n"
    << "  reg [" << A - 1 << ":0] ks_addr;\n"
    << "  wire [47:0] ks_total = {32'd0, tok0} * " << ext("entry_beats", EB, 48) << ";\n"
    << "  wire [" << 47 - 32 << ":0] unused_ks_total = ks_total[47:32];\n"
    << "  wire ks_cmd_ready, ks_in_ready;\n"
    << "  reg [31:0] ks_beats;\n"
    << "  assign ks_busy = ks_run;\n"
    << "  assign ks_fire = ks_run && !ks_cmd && ks_left != 32'd0 && ks_in_ready;\n"
    << "  assign kv_cap_valid = ks_fire;\n"
    << "  assign kv_cap_token = ks_tok;\n"
    << "  assign kv_cap_layer = ks_layer;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin\n"
    << "      ks_run <= 1'b0; ks_cmd <= 1'b0; ks_left <= 32'd0; ks_tok <= " << TB << "'d0; ks_beat <= " << EB
    << "'d0; ks_layer <= 8'd0;\n"
    << "      ks_addr <= " << A << "'d0; ks_beats <= 32'd0;\n"
    << "    end else if (go_kvstore) begin\n"
    << "      ks_run <= ks_total[31:0] != 32'd0; ks_cmd <= 1'b1; ks_left <= ks_total[31:0]; ks_beats <= ks_total[31:0];\n"
    << "      ks_tok <= cur_first[" << TB - 1 << ":0]; ks_beat <= " << EB << "'d0; ks_layer <= layer0;\n"
    << "      ks_addr <= kv_addr(cur_first[" << TB - 1 << ":0], layer0, entry_beats, cfg_kv_base);\n"
    << "    end else begin\n"
    << "      if (ks_cmd && ks_cmd_ready) ks_cmd <= 1'b0;\n"
    << "      if (ks_fire) begin\n"
    << "        ks_left <= ks_left - 32'd1;\n"
    << "        if (ks_beat + " << EB << "'d1 == entry_beats) begin ks_beat <= " << EB << "'d0; ks_tok <= ks_tok + " << TB
    << "'d1; end\n"
    << "        else ks_beat <= ks_beat + " << EB << "'d1;\n"
    << "      end\n"
    << "      if (ks_run && !ks_cmd && ks_left == 32'd0 && ks_cmd_ready) ks_run <= 1'b0;\n"
    << "    end\n"
    << "  end\n"
    << "  wire unused_first = cur_first[" << TB << "];\n\n";

  // ---------------------------------------------------------------- ATTN engine
  v << "  // ---- ATTN: wait for the layer's fetches; the layer's entries 0..context-1 as one read on the K/V port\n"
    << "  //      (A_MISS: its command); per context token a lookup, then the entry's beats of the read (A_MD):\n"
    << "  //      accumulated on a miss, dropped on a hit (whose beats came from the buffer)\n"
    << "  localparam [2:0] A_IDLE = 3'd0, A_WAIT = 3'd1, A_LK = 3'd2, A_RSP = 3'd3, A_MISS = 3'd4, A_MD = 3'd5,\n"
    << "                   A_NEXT = 3'd6, A_DONE = 3'd7;\n"
    << "  reg [2:0] as;\n"
    << "  reg [7:0] a_layer;\n"
    << "  reg [" << TB << ":0] a_t;\n"
    << "  reg [" << EB - 1 << ":0] a_b;\n"
    << "  reg a_hit;\n"
    << "  reg [255:0] attn_acc;\n"
    << "  assign attn_acc_out = attn_acc;\n"
    << "  wire a_miss_req = as == A_MISS;\n"
    << "  wire a_miss_grant;\n"
    << "  wire a_md_valid, a_md_last;\n"
    << "  wire a_md_ready = as == A_MD;\n"
    << "  wire unused_a_md_last = a_md_last;\n"
    << "  wire [255:0] a_md_data;\n"
    << "  assign kv_lk_valid = as == A_LK;\n"
    << "  assign kv_lk_token = a_t[" << TB - 1 << ":0];\n"
    << "  assign kv_lk_layer = a_layer;\n"
    << "  assign kv_rsp_ready = as == A_RSP;\n"
    << "  wire [" << A - 1 << ":0] a_miss_addr = kv_addr(" << TB << "'d0, a_layer, entry_beats, cfg_kv_base);\n"
    << "  wire [31:0] a_miss_beats = " << ext("cur_context", TB + 1, 32) << " * " << ext("entry_beats", EB, 32) << ";\n"
    << "  assign attn_done = as == A_DONE;\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin as <= A_IDLE; a_layer <= 8'd0; a_t <= " << TB + 1 << "'d0; a_b <= " << EB
    << "'d0; a_hit <= 1'b0; attn_acc <= 256'd0; end\n"
    << "    else case (as)\n"
    << "      A_IDLE: if (go_attn) begin as <= A_WAIT; a_layer <= layer0; a_t <= " << TB + 1 << "'d0; end\n"
    << "      A_WAIT: if (!kv_fetch_pending[a_layer[0]] && kv_idle) as <= cur_context == " << TB + 1
    << "'d0 ? A_DONE : A_MISS;\n"
    << "      A_MISS: if (a_miss_grant) as <= A_LK;\n"
    << "      A_LK: if (kv_lk_ready) as <= A_RSP;\n"
    << "      A_RSP: if (kv_rsp_valid) begin\n"
    << "        attn_acc <= attn_acc ^ kv_rsp_data;\n"
    << "        if (!kv_rsp_hit || kv_rsp_last) begin as <= A_MD; a_hit <= kv_rsp_hit; a_b <= " << EB << "'d0; end\n"
    << "      end\n"
    << "      A_MD: if (a_md_valid) begin\n"
    << "        if (!a_hit) attn_acc <= attn_acc ^ a_md_data;\n"
    << "        a_b <= a_b + " << EB << "'d1;\n"
    << "        if (a_b + " << EB << "'d1 == entry_beats) as <= A_NEXT;\n"
    << "      end\n"
    << "      A_NEXT: begin\n"
    << "        a_t <= a_t + " << TB + 1 << "'d1;\n"
    << "        as <= a_t + " << TB + 1 << "'d1 == cur_context ? A_DONE : A_LK;\n"
    << "      end\n"
    << "      default: as <= A_IDLE;  // A_DONE: done for one cycle\n"
    << "    endcase\n"
    << "  end\n\n";

  // ---------------------------------------------------------------- EMBED engine
  v << "  // ---- EMBED: the step's row(s) from port 00 into the activation buffer\n"
    << "  reg em_req, em_run;\n"
    << "  reg [31:0] em_beats;\n"
    << "  wire em_grant;\n"
    << "  wire em_valid, em_last;\n"
    << "  wire [255:0] em_data;\n"
    << "  wire [32:0] em_row_b = {elems0, 1'b0} + 33'd31;\n"
    << "  wire [43:0] em_all = {16'd0, em_row_b[32:5]} * {28'd0, tok0};\n"
    << "  wire [31:0] em_n = em_all[31:0];\n"
    << "  reg em_zero;\n"
    << "  assign embed_done = em_zero || (em_run && !em_req && em_valid && em_last);\n"
    << "  always @(posedge clk) begin\n"
    << "    if (rst) begin em_req <= 1'b0; em_run <= 1'b0; em_beats <= 32'd0; em_zero <= 1'b0; end\n"
    << "    else begin\n"
    << "      em_zero <= go_embed && em_n == 32'd0;\n"
    << "      if (go_embed && em_n != 32'd0) begin em_req <= 1'b1; em_run <= 1'b1; em_beats <= em_n; end\n"
    << "      else begin\n"
    << "        if (em_req && em_grant) em_req <= 1'b0;\n"
    << "        if (embed_done) em_run <= 1'b0;\n"
    << "      end\n"
    << "    end\n"
    << "  end\n"
    << "  wire [16:0] unused_em = {em_all[43:32], em_row_b[4:0]};\n"
    << "  assign act_we = (em_run && em_valid) || pe_out_valid || nl_out_valid || attn_done;\n"
    << "  assign act_wdata = (em_run && em_valid) ? em_data : pe_out_valid ? pe_fold : nl_out_valid ? nl_fold : attn_acc;\n\n";

  // ---------------------------------------------------------------- ports
  v << "  // ---- AXI ports: read master per port (clients, by priority: attention miss, KV fetch on port "
    << port_id(KP) << ";\n"
    << "  //      EMBED on port 00; the weight DMA on every port at once); write master on port " << port_id(KP)
    << " (KV_STORE)\n"
    << "  localparam [1:0] CL_W = 2'd0, CL_E = 2'd1, CL_F = 2'd2, CL_T = 2'd3;\n"
    << "  wire [" << NP - 1 << ":0] rd_cmd_ready, w_ok;\n"
    << "  assign wd_rq_ready = wd_rq_valid && (&w_ok);\n"
    << "  wire [" << NP - 1 << ":0] rd_err, wb_in_ready;\n"
    << "  wire wr_err;\n"
    << "  assign err = ctrl_err | (|rd_err) | wr_err;\n";
  for (unsigned p = 0; p < NP; ++p) {
    const std::string n = "m_axi_" + port_id(p) + "_", q = "p" + port_id(p) + "_";
    const bool e = p == 0, k = p == KP;
    const std::string base = S(A) + "'d" + S(uint64_t(p) * pp.pc_bytes);
    v << "  // port " << port_id(p) << "\n"
      << "  wire " << q << "t = " << (k ? "a_miss_req" : "1'b0") << ";\n"
      << "  wire " << q << "f = " << (k ? "kv_fq_valid" : "1'b0") << ";\n"
      << "  wire " << q << "e = " << (e ? "em_req" : "1'b0") << ";\n"
      << "  assign w_ok[" << p << "] = rd_cmd_ready[" << p << "] && !" << q << "t && !" << q << "f && !" << q << "e;\n"
      << "  wire [1:0] " << q << "cl = " << q << "t ? CL_T : " << q << "f ? CL_F : " << q << "e ? CL_E : CL_W;\n"
      << "  wire " << q << "cmd_valid = rd_cmd_ready[" << p << "] && (" << q << "t || " << q << "f || " << q
      << "e || wd_rq_ready);\n"
      << "  wire [" << A - 1 << ":0] " << q << "addr = " << q << "t ? " << (k ? "a_miss_addr" : S(A) + "'d0") << " : "
      << q << "f ? " << (k ? "fq_addr" : S(A) + "'d0") << " :\n"
      << "    " << q << "e ? " << (e ? "cur_embed_addr" : S(A) + "'d0") << " : " << base << " + cfg_weight_base + "
      << ext("wd_off", 32, A) << ";\n"
      << "  wire [31:0] " << q << "beats = " << q << "t ? " << (k ? "a_miss_beats" : "32'd0") << " : " << q
      << "f ? {" << 32 - EB << "'d0, entry_beats} : " << q
      << "e ? " << (e ? "em_beats" : "32'd0") << " : wd_beats;\n"
      << "  reg [1:0] " << q << "own;\n"
      << "  always @(posedge clk) if (rst) " << q << "own <= CL_W; else if (" << q << "cmd_valid) " << q << "own <= " << q
      << "cl;\n"
      << "  wire " << q << "ov, " << q << "ol;\n"
      << "  wire [255:0] " << q << "od;\n"
      << "  wire [7:0] " << q << "outst;\n"
      << "  wire " << q << "oready = " << q << "own == CL_W ? wb_in_ready[" << p << "] : " << q
      << "own == CL_F ? kv_fill_ready : " << (k ? q + "own == CL_T ? a_md_ready : " : std::string()) << "1'b1;\n"
      << "  skipopu_axi_rd_master u_rd_" << port_id(p) << " (\n"
      << "    .clk(clk), .rst(rst), .cmd_valid(" << q << "cmd_valid), .cmd_ready(rd_cmd_ready[" << p << "]), .cmd_addr(" << q
      << "addr),\n"
      << "    .cmd_beats(" << q << "beats), .cmd_id(" << I << "'d" << (k ? 1 : 0) << "),\n"
      << "    .m_axi_araddr(" << n << "araddr), .m_axi_arburst(" << n << "arburst), .m_axi_arid(" << n << "arid),\n"
      << "    .m_axi_arlen(" << n << "arlen), .m_axi_arsize(" << n << "arsize), .m_axi_arvalid(" << n << "arvalid),\n"
      << "    .m_axi_arready(" << n << "arready), .m_axi_rdata(" << n << "rdata), .m_axi_rid(" << n << "rid),\n"
      << "    .m_axi_rlast(" << n << "rlast), .m_axi_rresp(" << n << "rresp), .m_axi_rvalid(" << n << "rvalid),\n"
      << "    .m_axi_rready(" << n << "rready), .out_valid(" << q << "ov), .out_ready(" << q << "oready), .out_data(" << q
      << "od),\n"
      << "    .out_last(" << q << "ol), .outstanding(" << q << "outst), .err(rd_err[" << p << "]));\n"
      << "  wire [7:0] unused_" << q << "outst = " << q << "outst;\n"
      << "  skipopu_weight_buffer #(.PB(" << WBB << ")) u_wbuf_" << port_id(p) << " (\n"
      << "    .clk(clk), .rst(rst), .in_valid(" << q << "ov && " << q << "own == CL_W), .in_ready(wb_in_ready[" << p
      << "]),\n"
      << "    .in_data(" << q << "od), .out_valid(wb_out_valid[" << p << "]), .out_ready(wide_take),\n"
      << "    .out_data(wb_out_data[" << (p + 1) * 256 - 1 << ":" << p * 256 << "]));\n";
    if (e)
      v << "  assign em_grant = " << q << "cmd_valid && " << q << "cl == CL_E;\n"
        << "  assign em_valid = " << q << "ov && " << q << "own == CL_E;\n"
        << "  assign em_last = " << q << "ol;\n"
        << "  assign em_data = " << q << "od;\n";
    if (k)
      v << "  assign a_miss_grant = " << q << "cmd_valid && " << q << "cl == CL_T;\n"
        << "  assign kv_fq_ready = " << q << "cmd_valid && " << q << "cl == CL_F;\n"
        << "  assign kv_fill_valid = " << q << "ov && " << q << "own == CL_F;\n"
        << "  assign kv_fill_data = " << q << "od;\n"
        << "  assign a_md_valid = " << q << "ov && " << q << "own == CL_T;\n"
        << "  assign a_md_last = " << q << "ol;\n"
        << "  assign a_md_data = " << q << "od;\n";
    if (!e && !k) v << "  wire unused_" << q << "ol = " << q << "ol;\n";
    if (k) {
      v << "  wire [7:0] wr_outst;\n"
        << "  skipopu_axi_wr_master u_wr_" << port_id(p) << " (\n"
        << "    .clk(clk), .rst(rst), .cmd_valid(ks_cmd), .cmd_ready(ks_cmd_ready), .cmd_addr(ks_addr),\n"
        << "    .cmd_beats(ks_beats), .cmd_id(" << I << "'d0), .in_valid(ks_run && !ks_cmd && ks_left != 32'd0),\n"
        << "    .in_ready(ks_in_ready), .in_data(ks_q),\n"
        << "    .m_axi_awaddr(" << n << "awaddr), .m_axi_awburst(" << n << "awburst), .m_axi_awid(" << n << "awid),\n"
        << "    .m_axi_awlen(" << n << "awlen), .m_axi_awsize(" << n << "awsize), .m_axi_awvalid(" << n << "awvalid),\n"
        << "    .m_axi_awready(" << n << "awready), .m_axi_wdata(" << n << "wdata), .m_axi_wstrb(" << n << "wstrb),\n"
        << "    .m_axi_wlast(" << n << "wlast), .m_axi_wvalid(" << n << "wvalid), .m_axi_wready(" << n << "wready),\n"
        << "    .m_axi_bid(" << n << "bid), .m_axi_bresp(" << n << "bresp), .m_axi_bvalid(" << n << "bvalid),\n"
        << "    .m_axi_bready(" << n << "bready), .outstanding(wr_outst), .err(wr_err));\n"
        << "  wire [7:0] unused_wr_outst = wr_outst;\n";
    } else {
      v << "  // no writes on this port\n"
        << "  assign " << n << "awaddr = " << A << "'d0;\n"
        << "  assign " << n << "awburst = 2'b01;\n"
        << "  assign " << n << "awid = " << I << "'d0;\n"
        << "  assign " << n << "awlen = 4'd0;\n"
        << "  assign " << n << "awsize = 3'd5;\n"
        << "  assign " << n << "awvalid = 1'b0;\n"
        << "  assign " << n << "wdata = 256'd0;\n"
        << "  assign " << n << "wstrb = 32'hffffffff;\n"
        << "  assign " << n << "wlast = 1'b1;\n"
        << "  assign " << n << "wvalid = 1'b0;\n"
        << "  assign " << n << "bready = 1'b1;\n"
        << "  wire [" << I + 5 - 1 << ":0] unused_" << q << "b = {" << n << "awready, " << n << "wready, " << n << "bid, "
        << n << "bresp, " << n << "bvalid};\n";
    }
  }
  v << "endmodule\n";
  return v.str();
}

}  // namespace skipopu::rtl

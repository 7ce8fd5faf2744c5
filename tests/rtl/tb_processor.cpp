// The whole generated processor (skipopu_processor.v, verilated with --cc) decoding tokens of
// a small model with the simulator's HBM model behind every AXI port (docs/rtl.md "The whole
// processor", "Running it"): a smoke run of the wiring, NOT a comparison with the SystemC top.
//
// usage: tb_processor GEN_DIR MODEL_CARD CONFIG ROOT PROMPT DECODE SEED
// GEN_DIR holds the design generated with --model MODEL_CARD (skipopu_program.hex,
// skipopu_matrices.hex). The testbench loads the program and the matrix table through the host
// ports, configures the KV history buffer (the model's entry size), then offers a prefill step
// of PROMPT tokens and DECODE decode steps. Stand-ins for what the trace carries: the routing
// outcomes (rf_*: 0 or 1 routed tokens, seeded) and src(t, l) (src_*: no entry, layer 0 or 1,
// seeded). Every AXI port's bursts go to ONE HBM model (hbm::make_model, the bank model of the
// config's preset) in core cycles, as in tb_axi_rd / tb_axi_wr (axi_hbm_slave.hpp): a burst
// is submitted at its address handshake, its read beats are due linearly between the
// completion's first and last data, a write's response comes at the later of the model's
// done and the cycle after its last W beat.
// Checked: every step ends (the controller takes the next one; the last: busy falls) within
// 400,000 cycles of the previous boundary; err stays low; every port read; the K/V port wrote
// (KV_STORE); the attention looked entries up. Printed: cycles per step, bursts per port, the KV
// buffer's counters; on a failure, where the controller and the units stand.
#define AXI_TB_NO_SYSTEMC
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "Vdut.h"
#include "Vdut___024root.h"
#include "axi_hbm_slave.hpp"
#include "skipopu/config.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/prng.hpp"
#include "skipopu/sizes.hpp"
#include "skipopu/timing.hpp"
#include "skipopu_rtl_params.h"
#include "verilated.h"
#include "../../src/rtl_sim/axi_port_io.hpp"

namespace {

using skipopu::rtl_sim::PortIO;
static_assert(SKIPOPU_PROC_PORTS == 4, "tb_processor is written for the 4-port design (tests/rtl/CMakeLists.txt)");

struct PortState {
  std::deque<size_t> rd;  // read bursts in order (indexes into the slave's bursts)
  std::deque<size_t> rd_id;
  struct Wr {
    size_t burst;
    unsigned id, got = 0;
    uint64_t last_w = 0;
  };
  std::deque<Wr> wr;  // write bursts: awaiting W beats, then the response
  uint64_t rd_bursts = 0, wr_bursts = 0, rd_beats = 0, wr_beats = 0;
};

std::vector<std::string> lines(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    std::fprintf(stderr, "tb_processor: %s: cannot open\n", path.c_str());
    std::exit(2);
  }
  std::vector<std::string> v;
  for (std::string s; std::getline(f, s);)
    if (!s.empty()) v.push_back(s);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: tb_processor GEN_DIR MODEL_CARD CONFIG ROOT PROMPT DECODE SEED\n");
    return 2;
  }
  const std::string gen = argv[1];
  const skipopu::ModelCard model = skipopu::load_model_card(argv[2]);
  // The design's own config: the kv element size and the HBM preset (the 4-PC variant of the design).
  const skipopu::HardwareConfig cfg =
      skipopu::load_hardware_config(argv[3], {"hbm.ports=4", "hbm.pseudo_channels=4"}, argv[4]);
  const unsigned prompt = static_cast<unsigned>(std::strtoul(argv[5], nullptr, 10));
  const unsigned decode = static_cast<unsigned>(std::strtoul(argv[6], nullptr, 10));
  skipopu::SplitMix64 rng(std::strtoull(argv[7], nullptr, 10));
  skipopu::hbm::HbmParams hp = cfg.hbm;
  const uint64_t entry_beats = skipopu::sizes::kv_entry_bytes(model, cfg.kv.element_bits) / hp.beat_bytes;
  const std::vector<std::string> prog = lines(gen + "/skipopu_program.hex");
  const std::vector<std::string> mtab = lines(gen + "/skipopu_matrices.hex");

  Verilated::commandArgs(argc, argv);
  auto* dut = new Vdut;
  const PortIO ports[4] = {SKIPOPU_PORT(dut, 00), SKIPOPU_PORT(dut, 01), SKIPOPU_PORT(dut, 02), SKIPOPU_PORT(dut, 03)};
  PortState ps[4];
  axi_tb::HbmSlave slave(hp);
  uint64_t t = 0;
  auto settle = [&] {
    dut->clk = 0;
    dut->eval();
  };
  auto edge = [&] {
    dut->clk = 1;
    dut->eval();
  };
  auto cycle = [&] {
    settle();
    edge();
    ++t;
  };
  for (const auto& p : ports) {
    *p.arready = 1;
    *p.awready = 1;
    *p.wready = 1;
  }
  dut->rst = 1;
  for (int k = 0; k < 3; ++k) cycle();
  dut->rst = 0;
  // Host: the program, the matrix table, the KV buffer's entry size, base addresses.
  for (size_t a = 0; a < prog.size(); ++a) {
    dut->im_we = 1;
    dut->im_addr = static_cast<uint32_t>(a);
    for (unsigned w = 0; w < 4; ++w)
      dut->im_wdata[w] = static_cast<uint32_t>(std::stoul(prog[a].substr(24 - 8 * w, 8), nullptr, 16));
    cycle();
  }
  dut->im_we = 0;
  dut->prog_len = static_cast<uint32_t>(prog.size());
  for (size_t a = 0; a < mtab.size(); ++a) {
    dut->mt_we = 1;
    dut->mt_addr = static_cast<uint32_t>(a);
    dut->mt_wdata = std::stoull(mtab[a], nullptr, 16);
    cycle();
  }
  dut->mt_we = 0;
  const uint64_t pc = hp.pc_bytes;
  dut->cfg_weight_base = 0;                     // each port's slice at p * pc_bytes
  dut->cfg_inv_n = (1u << 31) / model.d_model;  // 1/d (U1.31)
  // The attention's tile steps and tail (timing::step_counts, the array's and the fused softmax's latency).
  const skipopu::timing::StepCounts sc = skipopu::timing::step_counts(
      skipopu::timing::ArrayShape{cfg.pe.rows, cfg.pe.cols}, skipopu::timing::AttentionShape{model.heads, model.head_dim, nullptr, 0});
  dut->cfg_attn_qk = static_cast<uint32_t>(sc.qk_block);
  dut->cfg_attn_pv = static_cast<uint32_t>(sc.pv_chunk);
  dut->cfg_attn_tail = static_cast<uint32_t>(cfg.pe.pipeline_latency + cfg.nl.softmax_reduce.latency + cfg.nl.softmax_apply.latency);
  // The K/V entry table (a stand-in layout, not the memory map's): entry (t, l) in pseudo-channel
  // t mod 4 at pc/2 + (l * tokens/4 + t/4) * entry bytes; kind own, except every third (t + l):
  // none at layer 0, reused (layer 0's entry) above.
  const uint64_t slots = (uint64_t{1} << SKIPOPU_KV_TOKEN_BITS) / 4, entry_bytes = entry_beats * hp.beat_bytes;
  auto kv_at = [&](uint64_t tok, uint64_t l) { return (tok % 4) * pc + pc / 2 + (l * slots + tok / 4) * entry_bytes; };
  for (uint64_t l = 0; l < model.layers; ++l)
    for (uint64_t tok = 0; tok < prompt + decode; ++tok) {
      const bool odd = (tok + l) % 3 == 0;
      const uint64_t kind = odd ? (l == 0 ? 0 : 2) : 1;
      dut->kt_we = 1;
      dut->kt_addr = static_cast<uint32_t>((l << SKIPOPU_KV_TOKEN_BITS) | tok);
      dut->kt_wdata = (kind << SKIPOPU_AXI_ADDR_BITS) | (kind == 0 ? 0 : kv_at(tok, kind == 2 ? 0 : l));
      cycle();
    }
  dut->kt_we = 0;
  dut->kv_cfg_valid = 1;
  dut->kv_cfg_entry_beats = static_cast<uint32_t>(entry_beats);
  cycle();
  dut->kv_cfg_valid = 0;
  for (int k = 0; k < 100000 && !dut->kv_idle; ++k) cycle();
  if (!dut->kv_idle) {
    std::printf("FAIL: the KV history buffer never became idle after its configuration\n");
    return 1;
  }

  const unsigned steps = 1 + decode;
  unsigned step = 0, tokens = 0, argmax_tokens = 0;  // tokens: steps done
  bool running = false;
  uint64_t last_token = t, t0 = t, step_start = 0;  // last_token: the last step boundary
  uint64_t er_next = 0, er_end = 0;                  // the step's embedding pieces not yet taken
  std::vector<uint64_t> step_cycles;
  std::string why;
  auto offer_step = [&] {
    const bool pre = step == 0;
    dut->step_valid = step < steps;
    dut->step_tokens = pre ? prompt : 1;
    dut->step_first = pre ? 0 : prompt + step - 1;
    dut->step_context = pre ? prompt : prompt + step;
  };
  auto er_drive = [&] {
    dut->er_valid = er_next < er_end;
    dut->er_addr = (er_next % 4) * pc + pc / 4 + (er_next * 7 % model.vocab) * (model.d_model * 2);
    dut->er_beats = static_cast<uint32_t>(model.d_model * 2 / hp.beat_bytes);
    dut->er_last = er_next + 1 == er_end;
  };
  offer_step();
  dut->src_valid = 1;
  dut->src_none = 0;
  dut->src_layer = 0;
  while (tokens < steps && why.empty()) {
    slave.advance(t);
    // Slave outputs of this cycle.
    for (unsigned p = 0; p < 4; ++p) {
      const PortIO& io = ports[p];
      PortState& s = ps[p];
      *io.rvalid = 0;
      *io.r2valid = 0;  // one beat a cycle here (blocks.top=rtl runs the second lane)
      if (!s.rd.empty()) {
        const axi_tb::Burst& b = slave.bursts()[s.rd.front()];
        if (b.complete && t >= slave.due(b, b.sent)) {
          *io.rvalid = 1;
          *io.rlast = b.sent + 1 == b.beats;
          *io.rid = static_cast<CData>(s.rd_id.front());
          *io.rresp = 0;
          const uint64_t a = b.addr + uint64_t{b.sent} * hp.beat_bytes;
          for (unsigned w = 0; w < 8; ++w) (*io.rdata)[w] = axi_tb::pattern(a, w);
        }
      }
      *io.bvalid = 0;
      if (!s.wr.empty()) {
        const auto& w = s.wr.front();
        const axi_tb::Burst& b = slave.bursts()[w.burst];
        if (w.got == b.beats && b.complete && t >= b.done && t > w.last_w) {
          *io.bvalid = 1;
          *io.bid = static_cast<CData>(w.id);
          *io.bresp = 0;
        }
      }
    }
    er_drive();
    dut->rf_push = !dut->rf_full;
    dut->rf_data = static_cast<uint32_t>(rng.next() % 2);
    settle();
    // Handshakes at this edge.
    const bool step_taken = dut->step_valid && dut->step_ready;
    const bool src_taken = dut->src_valid && dut->src_ready;
    const bool er_taken = dut->er_valid && dut->er_ready;
    // A step ends when the controller takes the next one (in the cycle its last instruction is
    // done: the issue chain runs on into the next step), the last one when busy falls.
    const bool step_end = (step_taken && step > 0) || (running && step == steps && !dut->busy);
    if (step_end) running = false;
    if (step_taken) running = true;
    argmax_tokens += dut->token_valid;
    for (unsigned p = 0; p < 4; ++p) {
      const PortIO& io = ports[p];
      PortState& s = ps[p];
      if (*io.arvalid) {
        const unsigned len = *io.arlen + 1u;
        s.rd.push_back(slave.bursts().size());
        s.rd_id.push_back(*io.arid);
        slave.issue(*io.araddr, len, false, t, *io.arid, p);
        ++s.rd_bursts;
      }
      if (*io.rvalid && *io.rready) {
        axi_tb::Burst& b = slave.bursts()[s.rd.front()];
        ++s.rd_beats;
        if (++b.sent == b.beats) {
          s.rd.pop_front();
          s.rd_id.pop_front();
        }
      }
      if (*io.awvalid) {
        s.wr.push_back({slave.bursts().size(), *io.awid, 0, 0});
        slave.issue(*io.awaddr, *io.awlen + 1u, true, t, *io.awid, p);
        ++s.wr_bursts;
      }
      if (*io.wvalid) {
        PortState::Wr* w = nullptr;
        for (auto& x : s.wr)
          if (x.got < slave.bursts()[x.burst].beats) {
            w = &x;
            break;
          }
        if (!w) {
          why = "port " + std::to_string(p) + ": a W beat before its address";
        } else {
          ++w->got;
          ++s.wr_beats;
          w->last_w = t;
          if ((*io.wlast != 0) != (w->got == slave.bursts()[w->burst].beats)) why = "wlast misplaced";
        }
      }
      if (*io.bvalid && *io.bready) s.wr.pop_front();
    }
    if (dut->err) why = "err set";
    edge();
    ++t;
    if (step_end) {
      step_cycles.push_back(t - step_start);
      ++tokens;
    }
    if (step_taken || step_end) last_token = t;
    if (step_taken) step_start = t;
    if (er_taken) ++er_next;
    if (step_taken) {  // the taken step's embedding: one piece a token, row t * 7 mod vocab at pc/4 in PC t mod 4
      er_next = dut->step_first;
      er_end = er_next + dut->step_tokens;
      if (std::getenv("TB_TRACE")) std::printf("step %u taken at cycle %llu\n", step, (unsigned long long)t);
      ++step;
      offer_step();
    }
    if (src_taken) {
      const uint64_t r = rng.next();
      dut->src_none = (r % 4) == 0;
      dut->src_layer = static_cast<uint32_t>((r >> 8) % model.layers);
    }
    if (t - last_token > 400000) why = "no step boundary for 400000 cycles (step " + std::to_string(tokens) + ")";
  }
  std::printf("tb_processor: %s, prompt %u + %u decode steps, %zu instructions, %zu matrix entries, entry %llu beats\n",
              model.name.c_str(), prompt, decode, prog.size(), mtab.size(), (unsigned long long)entry_beats);
  std::printf("cycles per step (the first: the prefill; from the step's issue to the next step's):");
  for (uint64_t c : step_cycles) std::printf(" %llu", (unsigned long long)c);
  std::printf("\n");
  for (unsigned p = 0; p < 4; ++p)
    std::printf("port %02u: %llu read bursts (%llu beats), %llu write bursts (%llu beats)\n", p,
                (unsigned long long)ps[p].rd_bursts, (unsigned long long)ps[p].rd_beats,
                (unsigned long long)ps[p].wr_bursts, (unsigned long long)ps[p].wr_beats);
  const auto* rr = dut->rootp;
  const unsigned lookups = rr->skipopu_processor__DOT__kv_st_hits + rr->skipopu_processor__DOT__kv_st_misses;
  std::printf("KV history buffer: capacity %u, kept %u, captured %u, fetched %u, overflow %u; lookups %u (hits %u, misses %u)\n",
              unsigned(rr->skipopu_processor__DOT__kv_st_capacity), unsigned(rr->skipopu_processor__DOT__kv_st_kept),
              unsigned(rr->skipopu_processor__DOT__kv_st_captured), unsigned(rr->skipopu_processor__DOT__kv_st_fetched),
              unsigned(rr->skipopu_processor__DOT__kv_st_overflow), lookups,
              unsigned(rr->skipopu_processor__DOT__kv_st_hits), unsigned(rr->skipopu_processor__DOT__kv_st_misses));
  if (why.empty()) {
    if (lookups == 0) why = "the attention made no lookup";
    for (unsigned p = 0; p < 4; ++p)
      if (ps[p].rd_beats == 0) why = "port " + std::to_string(p) + " read nothing";
    if (ps[0].wr_beats + ps[1].wr_beats + ps[2].wr_beats + ps[3].wr_beats == 0) why = "no port wrote K/V";
  }
  if (!why.empty()) {  // where it stands (Verilator's names of the processor's registers)
    const auto* r = dut->rootp;
    std::printf("state: controller pc %u st %u; pe_run %u tile_ready %u tile_cnt %u pe_tcnt %u; nl_run %u rt_run %u; "
                "attention %u; embed run %u; kv_store %u; prefetch %u (buffer state %u)\n",
                unsigned(r->skipopu_processor__DOT__u_controller__DOT__pc), unsigned(r->skipopu_processor__DOT__u_controller__DOT__st),
                unsigned(r->skipopu_processor__DOT__pe_run), unsigned(r->skipopu_processor__DOT__tile_ready),
                unsigned(r->skipopu_processor__DOT__tile_cnt), unsigned(r->skipopu_processor__DOT__pe_tcnt),
                unsigned(r->skipopu_processor__DOT__nl_run), unsigned(r->skipopu_processor__DOT__rt_run),
                unsigned(r->skipopu_processor__DOT__as), unsigned(r->skipopu_processor__DOT__em_run),
                unsigned(r->skipopu_processor__DOT__ks),
                unsigned(r->skipopu_processor__DOT__pf_run), unsigned(r->skipopu_processor__DOT__u_kv_history__DOT__st));
    std::printf("host: step_valid %u step_ready %u busy %u; slot valid %u take %u; attention steps left %u\n",
                unsigned(dut->step_valid), unsigned(dut->step_ready), unsigned(dut->busy),
                unsigned(r->skipopu_processor__DOT__iss_valid), unsigned(r->skipopu_processor__DOT__take0),
                unsigned(r->skipopu_processor__DOT__c_steps));
    std::printf("PE array: busy %u tile %u of %u, token %u of %u; weight buffers (written, read, out valid):",
                unsigned(r->skipopu_processor__DOT__u_pe_array__DOT__busy), unsigned(r->skipopu_processor__DOT__u_pe_array__DOT__tile),
                unsigned(r->skipopu_processor__DOT__u_pe_array__DOT__tiles_q), unsigned(r->skipopu_processor__DOT__u_pe_array__DOT__tok),
                unsigned(r->skipopu_processor__DOT__u_pe_array__DOT__tokens_q));
    std::printf(" %u/%u/%u %u/%u/%u %u/%u/%u %u/%u/%u\n", unsigned(r->skipopu_processor__DOT__u_wbuf_00__DOT__wp),
                unsigned(r->skipopu_processor__DOT__u_wbuf_00__DOT__rp), unsigned(r->skipopu_processor__DOT__u_wbuf_00__DOT__q_v),
                unsigned(r->skipopu_processor__DOT__u_wbuf_01__DOT__wp), unsigned(r->skipopu_processor__DOT__u_wbuf_01__DOT__rp),
                unsigned(r->skipopu_processor__DOT__u_wbuf_01__DOT__q_v), unsigned(r->skipopu_processor__DOT__u_wbuf_02__DOT__wp),
                unsigned(r->skipopu_processor__DOT__u_wbuf_02__DOT__rp), unsigned(r->skipopu_processor__DOT__u_wbuf_02__DOT__q_v),
                unsigned(r->skipopu_processor__DOT__u_wbuf_03__DOT__wp), unsigned(r->skipopu_processor__DOT__u_wbuf_03__DOT__rp),
                unsigned(r->skipopu_processor__DOT__u_wbuf_03__DOT__q_v));
  }
  std::printf("%s: %u steps in %llu cycles (ARGMAX results: %u)%s%s\n", why.empty() ? "PASS" : "FAIL", tokens,
              (unsigned long long)(t - t0), argmax_tokens, why.empty() ? "" : ": ", why.c_str());
  dut->final();
  delete dut;
  return why.empty() ? 0 : 1;
}

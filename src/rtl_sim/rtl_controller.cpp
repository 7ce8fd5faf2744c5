// blocks.controller "rtl" (skipopu-rtl only): the verilated generated controller
// (skipopu_controller.v, src/rtl/generator_ctrl.cpp) sequences the overlay program inside the
// SystemC run, in place of SkipOpuTop's own run_step loop (docs/rtl.md "Controller in the loop").
//
// Models: the transactor loads the instruction memory with rtl::encode_program (the program the
// top runs, encoded once), keeps the routing-outcome FIFO filled (one entry per ROUTE in program
// order: how many of the step's tokens the trace says run the module, pushed one per clock edge
// while there is room), offers each step on step_valid/step_tokens, and clocks the model one
// edge per core cycle, so the RTL's own cycle counter is the core cycle. In each cycle it reads
// the issue slots the RTL offers and runs them, in order, on the top's blocks (InstrUnitsIf::issue
// with the RTL's token counts): a blocking instruction is accepted at once and the RTL sees done
// at the cycle the block returns; a non-blocking one whose engine makes the controller wait
// (the posted K/V write ring full, for example) is accepted at the cycle the engine takes it.
// The instruction issue interval (controller.issue_cycles) is the RTL's own (one slot and a
// countdown gate, generated from the config; a run whose config has another value is refused):
// a non-blocking instruction in the one slot is taken at the cycle's edge, and the transactor
// moves on to the next cycle.
// Nothing is issued that the RTL did not offer, and every cycle the RTL spends (a bubble after a
// done, an instruction a cycle late) is a cycle of the run: the comparison with the SystemC
// sequencer's run is then not identical any more.
// A cycle in which the RTL offers nothing while its step is not done is spent as such (the
// controller thread waits a cycle). Internal errors (exit 1): a blocking instruction that takes
// no cycle (the RTL would need done in its issue cycle), the RTL's err flag, 1000 cycles without
// an issue, its cycle counter disagreeing with the core cycle, a ROUTE out of program order.
// Abstracts away: the units' command ports (the slot's pc names the instruction; the word the
// RTL read is checked against the encoding), the host interface (the memory is written through
// the RTL's port before the run).
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <type_traits>

#include "Vskct.h"
#include "Vskctw.h"
#include "skipopu/block_registry.hpp"
#include "skipopu/error.hpp"
#include "skipopu/rtl/controller.hpp"
#include "skipopu/sim_clock.hpp"
#include "skipopu_rtl_params.h"
#include "verilated.h"
#include "wave_file.hpp"

namespace skipopu {
namespace {

constexpr unsigned kW = SKIPOPU_CTRL_WIDTH;
constexpr unsigned kP = SKIPOPU_CTRL_PC_BITS;
constexpr unsigned kIssueCycles = SKIPOPU_CTRL_ISSUE_CYCLES;  // > 0: one slot, a countdown gate
static_assert(kIssueCycles == 0 || kW == 1, "a paced controller has one issue slot");

template <std::size_t N>
uint64_t bits(const VlWide<N>& w, unsigned lo, unsigned n) {
  uint64_t v = 0;
  for (unsigned b = 0; b < n; ++b) v |= uint64_t((w[(lo + b) / 32] >> ((lo + b) % 32)) & 1) << b;
  return v;
}
template <class T>
uint64_t bits(T w, unsigned lo, unsigned n) {
  return (uint64_t(w) >> lo) & ((n >= 64) ? ~uint64_t{0} : ((uint64_t{1} << n) - 1));
}

[[noreturn]] void internal(const std::string& what) { throw std::runtime_error("skipopu-rtl: controller: " + what); }

// M: the verilated controller, Vskct, or Vskctw (verilated with --trace) for --wave.
template <class M>
class RtlController final : public SequencerIf {
 public:
  RtlController(const HardwareConfig& c, const ModelCard& model, const Program& prog, const std::string& wave)
      : prog_(prog), clk_(c.clocks.core_hz), layers_(model.layers), m_(std::make_unique<M>("rtl_controller")) {
    if constexpr (std::is_same_v<M, Vskctw>) {
      // Time unit: one VCD step per clock phase (two per core cycle, from the reset).
      vcd_ = std::make_unique<WaveFile>(*m_, wave);
    }
    if (c.controller.issue_cycles != kIssueCycles)
      throw_input_error(c.file, "/controller/issue_cycles",
                        std::to_string(c.controller.issue_cycles) + " with blocks.controller=rtl; skipopu-rtl links a controller generated with issue_cycles " +
                            std::to_string(kIssueCycles) + " (CMake SKIPOPU_RTL_SIM_ARGS)");
    const unsigned need = kIssueCycles != 0 ? 1 : rtl::issue_chain(prog);
    if (need > kW)
      throw_input_error(c.file, "/blocks/controller",
                        "the program issues up to " + std::to_string(need) + " instructions in one cycle; skipopu-rtl links a controller generated with " +
                            std::to_string(kW) + " issue slots (CMake SKIPOPU_RTL_SIM_ARGS)");
    if (prog.code.size() >= (size_t{1} << kP))
      throw_input_error(c.file, "/blocks/controller",
                        "the program has " + std::to_string(prog.code.size()) + " instructions; skipopu-rtl links a controller with room for " +
                            std::to_string((1u << kP) - 1));
    words_ = rtl::encode_program(prog, model.layers, c);
    for (size_t pc = 0; pc < prog.code.size(); ++pc)
      if (prog.code[pc].op == Op::Route) routes_.push_back(static_cast<uint32_t>(pc));
    // Reset, then write the instruction memory through its port (before cycle 0).
    m_->rst = 1;
    edge();
    edge();
    for (size_t pc = 0; pc < words_.size(); ++pc) {
      m_->im_we = 1;
      m_->im_addr = static_cast<uint32_t>(pc);
      for (unsigned i = 0; i < 4; ++i) m_->im_wdata[i] = words_[pc][i];
      edge();
    }
    m_->im_we = 0;
    m_->prog_len = static_cast<uint32_t>(prog.code.size());
    edge();
    m_->rst = 0;  // the next edge is the one at the end of core cycle 0
  }
  const char* implementation() const override { return "rtl"; }

  void run_step(const StepDesc& s, InstrUnitsIf& units) override {
    // The step's routing outcomes, in program order of the ROUTEs.
    for (uint32_t l = 0; l < layers_; ++l)
      for (int mod = 0; mod < 2; ++mod) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < s.count; ++i) n += mod == 0 ? s.recs[i].attn_ran(l) : s.recs[i].mlp_ran(l);
        outcomes_.push_back(static_cast<uint16_t>(n));
      }
    if (s.count > 0xffff) internal("a step of more than 65535 tokens");
    step_pending_ = true;
    m_->step_tokens = s.count;
    route_next_ = 0;
    for (;;) {
      catch_up(clk_.now());
      m_->step_valid = step_pending_;
      m_->done = done_;
      m_->take = 0;
      m_->eval();
      if (m_->err) internal("the RTL's err flag is set at cycle " + std::to_string(clk_.now()));
      unsigned n = 0;
      while (n < kW && bits(m_->iss_valid, n, 1)) ++n;
      if (n == 0) {
        if (!step_pending_ && m_->step_end) return;  // this step's program ran to its end
        // A cycle in which the RTL issues nothing (a bubble): it is a cycle of the run.
        if (++idle_ > 1000 + kIssueCycles)
          internal("the RTL has issued nothing for " + std::to_string(1000 + kIssueCycles) + " cycles at cycle " + std::to_string(clk_.now()) +
                   " and is not at the step's end");
        commit(0);
        clk_.wait_until(rtl_now_);
        continue;
      }
      idle_ = 0;
      unsigned j = 0;
      bool ended = false;
      for (; j < n; ++j) {
        const uint32_t pc = static_cast<uint32_t>(bits(m_->iss_pc, j * kP, kP));
        if (bits(m_->iss_new_step, j, 1)) {
          if (!step_pending_) internal("the RTL started a step it was not given");
          step_pending_ = false;
        }
        check_word(pc, j);
        if (skip_first_) {  // accepted after back-pressure: it already ran
          skip_first_ = false;
          continue;
        }
        const Instr& in = prog_.code[pc];
        if (in.op == Op::Route) {
          if (route_next_ >= routes_.size() || routes_[route_next_] != pc)
            internal("ROUTE at pc " + std::to_string(pc) + " out of program order");
          ++route_next_;
        }
        IssueOperands ops;
        ops.tokens = bits(m_->iss_tok, j * 16, 16);
        ops.tokens_kv = bits(m_->iss_tok_kv, j * 16, 16);
        const uint64_t t0 = clk_.now();
        units.issue(pc, ops);
        const uint64_t t1 = clk_.now();
        if (blocking(in.op)) {
          if (t1 == t0)
            internal("blocking instruction " + std::to_string(pc) + " (" + to_string(in.op) +
                     ") took no cycle: the RTL's done would be due in its issue cycle");
          commit(j + 1);
          catch_up(t1);
          done_ = true;
          ended = true;
          break;
        }
        if (t1 != t0) {  // the engine made the controller wait: the RTL holds this slot
          commit(j);
          catch_up(t1);
          skip_first_ = true;
          ended = true;
          break;
        }
      }
      if (!ended) {
        // Paced issue: the one slot held a non-blocking instruction; it is taken at the edge
        // ending this cycle and the controller goes on in the next (or when its gate opens).
        if (kIssueCycles == 0)
          internal("an issue chain at cycle " + std::to_string(clk_.now()) + " ended without a blocking instruction");
        commit(n);
        clk_.wait_until(rtl_now_);
      }
    }
  }

  void finish() override {
    // The last done is consumed at the edge that ends the run.
    m_->step_valid = 0;
    m_->done = done_;
    m_->take = 0;
    edge();
    if (m_->err) internal("the RTL's err flag is set at the end");
    if (vcd_) vcd_->commit();
  }

 private:
  void edge() {
    m_->clk = 0;
    m_->eval();
    if (vcd_) vcd_->dump(vtime_++);
    m_->clk = 1;
    m_->eval();
    if (vcd_) vcd_->dump(vtime_++);
  }
  // The edge at the end of cycle rtl_now_, accepting `take` slots, then the cycle moves on.
  void commit(unsigned take) {
    m_->take = take;
    m_->eval();
    if (m_->step_ready) step_pending_ = false;
    tick();
    done_ = false;
  }
  void tick() {
    const bool push = !outcomes_.empty() && !m_->rf_full;
    m_->rf_push = push;
    if (push) m_->rf_data = outcomes_[out_next_];
    edge();
    if (push && ++out_next_ == outcomes_.size()) {
      outcomes_.clear();
      out_next_ = 0;
    }
    m_->rf_push = 0;
    m_->take = 0;
    ++rtl_now_;
    if (m_->cycle != static_cast<uint32_t>(rtl_now_))
      internal("the RTL's cycle counter says " + std::to_string(m_->cycle) + " at core cycle " + std::to_string(rtl_now_));
  }
  // Idle edges (nothing accepted, no done) up to cycle t.
  void catch_up(uint64_t t) {
    while (rtl_now_ < t) {
      m_->done = 0;
      m_->step_valid = 0;
      m_->take = 0;
      tick();
    }
  }
  void check_word(uint32_t pc, unsigned slot) {
    if (pc >= words_.size()) internal("the RTL issued pc " + std::to_string(pc) + " past the program");
    for (unsigned i = 0; i < 4; ++i)
      if (m_->iss_word[slot * 4 + i] != words_[pc][i])
        internal("slot " + std::to_string(slot) + " carries a word that is not instruction " + std::to_string(pc));
  }

  const Program& prog_;
  CoreClock clk_;
  uint32_t layers_;
  std::unique_ptr<M> m_;
  std::vector<rtl::InstrWord> words_;
  std::vector<uint32_t> routes_;
  std::vector<uint16_t> outcomes_;  // routing outcomes not yet pushed (from out_next_)
  size_t out_next_ = 0;
  size_t route_next_ = 0;
  uint64_t rtl_now_ = 0;  // the core cycle the model is in (edges since reset)
  bool done_ = false;     // the blocking instruction's done is due in this cycle
  bool step_pending_ = false;
  bool skip_first_ = false;
  unsigned idle_ = 0;  // consecutive cycles without an issue
  std::unique_ptr<WaveFile> vcd_;
  uint64_t vtime_ = 0;
};

}  // namespace

std::unique_ptr<SequencerIf> make_rtl_controller(const HardwareConfig& c, const ModelCard& model, const Program& prog,
                                                 const std::string& wave) {
  if (wave.empty()) return std::make_unique<RtlController<Vskct>>(c, model, prog, wave);
  return std::make_unique<RtlController<Vskctw>>(c, model, prog, wave);
}

}  // namespace skipopu

// The generated controller (skipopu_controller.v, src/rtl/generator_ctrl.cpp) and the binary
// encoding of the overlay program it executes (docs/rtl.md "Controller").
//
// Models: the instruction sequencing of SkipOpuTop::run_step in hardware: an instruction
// memory loaded with encode_program(), a program counter, BRANCH resolved from a FIFO of
// routing outcomes (one entry per executed ROUTE: how many of the step's tokens run the module,
// the popcount of the trace's bitmask over the step), JUMP, the step loop (a step queue:
// valid/ready of the next step's token count), and the token count each instruction works on
// (the m of SkipOpuTop: routed tokens after a BRANCH, every token on the skip path, one in the
// head). Instruction issue as controller.issue_cycles (ic) says: with ic >= 1 one issue slot and
// a countdown gate, the next instruction taken no earlier than ic cycles after the previous take
// (a blocking instruction's successor at max(its done, its take + ic)), as the SystemC top's
// run_step; with ic = 0 every instruction from the one after a blocking instruction's done (or a
// step start) up to and including the next blocking instruction issues in the same cycle (issue
// slots, `width` of them): control instructions and the DMA-type ones (LOADW, KV_STORE,
// KV_PREFETCH) take no cycle. Blocking (`blocking` in program.hpp): EMBED, ROUTE, the nonlinear
// passes, GEMM, ATTN, ARGMAX (the controller waits for `done`).
// Abstracts away: the units themselves (the issue slots are their command ports; in the
// RTL-in-the-loop run the SystemC blocks execute them), timing closure of the combinational
// issue chain (`width` dependent instruction-memory reads in one cycle), the host interface
// (the memory is written through a port).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/config.hpp"
#include "skipopu/json_reader.hpp"
#include "skipopu/program.hpp"
#include "skipopu/rtl/generator.hpp"

namespace skipopu::rtl {

// One instruction word: 128 bits, fields LSB first (the generator and the encoder both use
// these positions).
struct InstrField {
  unsigned lo, bits;
};
namespace field {
constexpr InstrField kOp{0, 4}, kModule{4, 2}, kPart{6, 2}, kFinal{8, 1}, kKvDense{9, 1}, kLayer{10, 16},
    kM0{26, 16}, kM1{42, 16}, kTarget{58, 16}, kFused{74, 16}, kElems{90, 32};
}
constexpr unsigned kInstrBits = 128;
using InstrWord = std::array<uint32_t, kInstrBits / 32>;

// The encoded program (one word per instruction). `layers`: the model's (an instruction at
// layer >= layers is the head: one token). Throws InputError naming `what` when a field does
// not fit its bits.
std::vector<InstrWord> encode_program(const Program& p, uint32_t layers, const HardwareConfig& c);
std::string program_hex(const std::vector<InstrWord>& words);  // $readmemh format, one word a line

// Instructions issued in one cycle at most: the longest run of non-blocking instructions
// (following both ways of every BRANCH and every JUMP) ending with a blocking one, from the
// program's start and from after each blocking instruction.
unsigned issue_chain(const Program& p);

struct ControllerRtl {
  unsigned width = 0;     // issue slots
  unsigned pc_bits = 0;   // instruction memory: 2^pc_bits words
  unsigned fifo_bits = 0; // routing-outcome FIFO: 2^fifo_bits entries
  uint32_t issue_cycles = 0;  // controller.issue_cycles: >= 1 one slot and a countdown gate
};
// With issue_cycles >= 1 one slot; with 0 sized for `prog` (issue_chain slots), or, without
// one, 8 slots. Memory for `prog`'s instructions, or, without one, 1024 words.
ControllerRtl controller_params(const Program* prog, uint32_t issue_cycles);
std::string generate_controller(const ControllerRtl& p);
// generate_design's part: skipopu_controller.v (sized for the model's program when given, with
// skipopu_program.hex and .txt), its manifest entry and parameter lines.
// `prog`: compile_program(*model, c) when model is given (else unused). Returns the
// controller's parameters.
ControllerRtl append_controller(const HardwareConfig& c, const ModelCard* model, const Program* prog,
                                std::vector<RtlFile>& files, Json& man, std::ostream& hdr);

}  // namespace skipopu::rtl

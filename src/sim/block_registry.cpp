#include "skipopu/block_registry.hpp"

#include <stdexcept>

#include "skipopu/error.hpp"
#include "skipopu/nonlinear_unit.hpp"
#include "skipopu/pe_array.hpp"
#include "skipopu/router.hpp"

namespace skipopu {

namespace {

template <class If>
struct Impl {
  const char* name;
  std::unique_ptr<If> (*make)(const char* instance, const BlockContext& ctx);
};

std::unique_ptr<PeArrayIf> systemc_pe_array(const char* inst, const BlockContext& c) {
  if (!c.weights || !c.nonlinear) throw std::logic_error("PE array built without its weight DMA or nonlinear unit");
  return std::make_unique<PeArray>(inst, c.cfg, c.clk, *c.weights, *c.nonlinear, c.hbm);
}
std::unique_ptr<NonlinearIf> systemc_nonlinear(const char* inst, const BlockContext& c) {
  return std::make_unique<NonlinearUnit>(inst, c.clk);
}
std::unique_ptr<RouterIf> systemc_router(const char* inst, const BlockContext& c) {
  return std::make_unique<Router>(inst, c.cfg.router, c.clk, c.hbm, c.map);
}

// "rtl": the verilated transactors when the binary links them (skipopu-rtl), else an input error.
[[noreturn]] void no_rtl(const BlockContext& c, const char* inst) {
  throw_input_error(c.cfg.file, std::string("/blocks/") + inst,
                    "implementation \"rtl\" needs the skipopu-rtl binary (built when Verilator is found; "
                    "docs/rtl.md); this binary has only \"systemc\"");
}
std::unique_ptr<PeArrayIf> rtl_pe_array(const char* inst, const BlockContext& c) {
  const RtlBlockFactories* f = rtl_block_factories();
  if (!f || !f->pe_array) no_rtl(c, inst);
  return f->pe_array(inst, c);
}
std::unique_ptr<NonlinearIf> rtl_nonlinear(const char* inst, const BlockContext& c) {
  const RtlBlockFactories* f = rtl_block_factories();
  if (!f || !f->nonlinear) no_rtl(c, inst);
  return f->nonlinear(inst, c);
}
std::unique_ptr<RouterIf> rtl_router(const char* inst, const BlockContext& c) {
  const RtlBlockFactories* f = rtl_block_factories();
  if (!f || !f->router) no_rtl(c, inst);
  return f->router(inst, c);
}

const Impl<PeArrayIf> kPeArray[] = {{"systemc", systemc_pe_array}, {"rtl", rtl_pe_array}};
const Impl<NonlinearIf> kNonlinear[] = {{"systemc", systemc_nonlinear}, {"rtl", rtl_nonlinear}};
const Impl<RouterIf> kRouter[] = {{"systemc", systemc_router}, {"rtl", rtl_router}};

template <class If, size_t N>
std::vector<std::string> names(const Impl<If> (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& i : table) out.push_back(i.name);
  return out;
}

template <class If, size_t N>
std::unique_ptr<If> build(const Impl<If> (&table)[N], const char* block, const std::string& impl,
                          const BlockContext& ctx) {
  for (const auto& i : table)
    if (impl == i.name) return i.make(block, ctx);
  // load_hardware_config checks the names; a config built in code may not have.
  throw_input_error(ctx.cfg.file, std::string("/blocks/") + block,
                    "no implementation \"" + impl + "\" is registered for this block");
}

}  // namespace

// Weak: skipopu-rtl's src/rtl_sim/rtl_blocks.cpp replaces it at link time (GCC/Clang do not
// inline a weak function, so every caller sees the replacement).
__attribute__((weak)) const RtlBlockFactories* rtl_block_factories() { return nullptr; }

std::vector<std::string> registered_implementations(const std::string& block) {
  if (block == "pe_array") return names(kPeArray);
  if (block == "nonlinear") return names(kNonlinear);
  if (block == "router") return names(kRouter);
  if (block == "controller" || block == "top") return {"systemc", "rtl"};
  return {};
}

std::unique_ptr<PeArrayIf> make_pe_array(const BlockContext& ctx) {
  return build(kPeArray, "pe_array", ctx.cfg.blocks.pe_array, ctx);
}
std::unique_ptr<NonlinearIf> make_nonlinear(const BlockContext& ctx) {
  return build(kNonlinear, "nonlinear", ctx.cfg.blocks.nonlinear, ctx);
}
std::unique_ptr<RouterIf> make_router(const BlockContext& ctx) {
  return build(kRouter, "router", ctx.cfg.blocks.router, ctx);
}
std::unique_ptr<SequencerIf> make_sequencer(const HardwareConfig& cfg, const ModelCard& model, const Program& program,
                                            const std::string& wave, const TopContext& top) {
  if (cfg.blocks.top != "systemc") {
    const RtlBlockFactories* f = rtl_block_factories();
    if (cfg.blocks.top != "rtl" || !f || !f->top)
      throw_input_error(cfg.file, "/blocks/top",
                        "implementation \"" + cfg.blocks.top +
                            "\" needs the skipopu-rtl binary (built when Verilator is found; docs/rtl.md); this binary has only \"systemc\"");
    if (cfg.blocks.controller != "systemc")
      throw_input_error(cfg.file, "/blocks/controller",
                        "expected \"systemc\" with blocks.top=rtl (the processor has its own controller), got \"" + cfg.blocks.controller + "\"");
    return f->top(cfg, model, program, top, wave);
  }
  if (cfg.blocks.controller == "systemc") {
    if (!wave.empty())
      throw InputError(
          "command line: --wave: expected blocks.controller=rtl or blocks.top=rtl (the waveform is the generated controller's or "
          "whole processor's; skipopu-rtl)");
    return nullptr;
  }
  const RtlBlockFactories* f = rtl_block_factories();
  if (cfg.blocks.controller != "rtl" || !f || !f->controller)
    throw_input_error(cfg.file, "/blocks/controller",
                      "implementation \"" + cfg.blocks.controller +
                          "\" needs the skipopu-rtl binary (built when Verilator is found; docs/rtl.md); this binary has only \"systemc\"");
  return f->controller(cfg, model, program, wave);
}

}  // namespace skipopu

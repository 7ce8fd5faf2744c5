#include "skipopu/config.hpp"

#include "skipopu/block_registry.hpp"
#include "skipopu/dsp/packing.hpp"
#include "skipopu/error.hpp"

namespace skipopu {

const char* to_string(KvPolicy p) {
  switch (p) {
    case KvPolicy::Dense: return "dense";
    case KvPolicy::Evict: return "evict";
    case KvPolicy::Reuse: return "reuse";
  }
  return "?";
}

const char* to_string(KvMapping m) { return m == KvMapping::Token ? "token" : "interleaved"; }

namespace {

std::string dir_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

// Loads a config file and its chain of "base" configs, merged base-first; `origins` learns
// which file set each path.
Json load_chain(const std::string& path, int depth, JsonOrigins& origins) {
  if (depth > 8) throw_input_error(path, "/base", "base chain deeper than 8 (a cycle?)");
  Json doc = load_json_file(path);
  if (!doc.is_object()) throw_input_error(path, "/", "expected a JSON object");
  if (doc.contains("base")) {
    if (!doc["base"].is_string()) throw_input_error(path, "/base", "expected a file name (string)");
    std::string base = doc["base"].get<std::string>();
    if (base.empty() || base[0] != '/') base = dir_of(path) + "/" + base;
    Json merged = load_chain(base, depth + 1, origins);
    doc.erase("base");
    record_origins(doc, path, origins);
    merge_json(merged, doc);
    return merged;
  }
  record_origins(doc, path, origins);
  return doc;
}

// The name of a registered implementation of `block`.
std::string implementation(JsonReader& r, const char* block) {
  const std::string name = r.str(block);
  const std::vector<std::string> known = registered_implementations(block);
  std::string list;
  for (const auto& k : known) {
    if (k == name) return name;
    list += (list.empty() ? "\"" : ", \"") + k + "\"";
  }
  r.fail(block, "expected one of " + list + ", got \"" + name + "\"");
}

UnitTiming unit(JsonReader& parent, const char* key) {
  JsonReader r = parent.object(key);
  UnitTiming u;
  u.elems_per_cycle = static_cast<uint32_t>(r.u64("elems_per_cycle", 1, 1u << 16));
  u.latency = static_cast<uint32_t>(r.u64("latency", 0, 1u << 16));
  r.finish();
  return u;
}

}  // namespace

HardwareConfig load_hardware_config(const std::string& path, const std::vector<std::string>& overrides,
                                    const std::string& data_dir) {
  JsonOrigins origins;
  Json doc = load_chain(path, 0, origins);
  for (const auto& o : overrides) {
    apply_override(doc, o, "--set");
    // Errors in an overridden value name the file the user gave (the one --set applies to),
    // also where a base config had set the key.
    std::string at;
    for (char ch : o.substr(0, o.find('='))) at += ch == '.' ? '/' : ch;
    record_origins(Json(), path, origins, "/" + at);
  }
  HardwareConfig c;
  c.file = path;
  c.resolved = doc;
  JsonReader r(c.resolved, path, "", &origins);
  c.name = r.str("name");
  r.str("description");
  if (r.has("notes")) r.raw("notes");  // free-form provenance of the values (docs/config.md)

  JsonReader clk = r.object("clocks");
  c.clocks.core_hz = static_cast<uint64_t>(clk.real("core_mhz", 1.0, 2000.0) * 1e6 + 0.5);
  c.clocks.cdc_sync_cycles = static_cast<uint32_t>(clk.u64("cdc_sync_cycles", 0, 16));
  clk.finish();

  JsonReader ctl = r.object("controller");
  c.controller.issue_cycles = static_cast<uint32_t>(ctl.u64("issue_cycles", 0, 1u << 16));
  ctl.finish();

  JsonReader pe = r.object("pe_array");
  c.pe.rows = static_cast<uint32_t>(pe.u64("rows", 1, 4096));
  c.pe.cols = static_cast<uint32_t>(pe.u64("cols", 1, 4096));
  c.pe.dsps = static_cast<uint32_t>(pe.u64("dsps", 1, 1u << 20));
  c.pe.layout_fp16_int4 = pe.str("layout_fp16_int4");
  c.pe.layout_fp16_fp16 = pe.str("layout_fp16_fp16");
  c.pe.pipeline_latency = static_cast<uint32_t>(pe.u64("pipeline_latency", 0, 1u << 16));
  c.pe.weight_prefetch_bytes = pe.u64("weight_prefetch_bytes", 0, 1ull << 32);
  c.pe.weight_buffer_bytes = pe.u64("weight_buffer_bytes", 0, 1ull << 32);
  c.pe.dma_request_cycles = static_cast<uint32_t>(pe.u64("dma_request_cycles", 0, 1u << 16));
  c.pe.gemm_start_cycles = static_cast<uint32_t>(pe.u64("gemm_start_cycles", 0, 1u << 16));
  c.pe.weight_beat_cycles = static_cast<uint32_t>(pe.u64("weight_beat_cycles", 0, 1u << 16));
  pe.finish();
  for (const auto& [key, name] : {std::pair{"layout_fp16_int4", &c.pe.layout_fp16_int4},
                                  std::pair{"layout_fp16_fp16", &c.pe.layout_fp16_fp16}}) {
    try {
      dsp::builtin_layout(*name);
    } catch (const InputError& e) {
      std::string what = e.what();
      if (what.rfind("dsp layout: ", 0) == 0) what.erase(0, 12);
      pe.fail(key, what);
    }
  }

  JsonReader w = r.object("weights");
  c.weights.bits = static_cast<uint32_t>(w.u64("bits", 1, 16));
  c.weights.group_size = static_cast<uint32_t>(w.u64("group_size", 1, 1u << 20));
  c.weights.scale_bits = static_cast<uint32_t>(w.u64("scale_bits", 0, 32));
  c.weights.zero_point_bits = static_cast<uint32_t>(w.u64("zero_point_bits", 0, 16));
  c.weights.lm_head_bits = static_cast<uint32_t>(w.u64("lm_head_bits", 1, 16));
  c.weights.embedding_bits = static_cast<uint32_t>(w.u64("embedding_bits", 1, 32));
  w.finish();

  c.activation_bits = static_cast<uint32_t>(r.u64("activation_bits", 8, 32));

  JsonReader nl = r.object("nonlinear");
  c.nl.rmsnorm_reduce = unit(nl, "rmsnorm_reduce");
  c.nl.rmsnorm_apply = unit(nl, "rmsnorm_apply");
  c.nl.softmax_reduce = unit(nl, "softmax_reduce");
  c.nl.softmax_apply = unit(nl, "softmax_apply");
  c.nl.swiglu = unit(nl, "swiglu");
  c.nl.rope = unit(nl, "rope");
  c.nl.residual = unit(nl, "residual");
  c.nl.argmax = unit(nl, "argmax");
  nl.finish();

  JsonReader ro = r.object("router");
  c.router.lanes = static_cast<uint32_t>(ro.u64("lanes", 1, 1u << 16));
  c.router.latency = static_cast<uint32_t>(ro.u64("latency", 0, 1u << 16));
  c.router.weights_on_chip = ro.boolean("weights_on_chip");
  c.router.weight_bits = static_cast<uint32_t>(ro.u64("weight_bits", 1, 32));
  ro.finish();

  JsonReader kv = r.object("kv");
  c.kv.element_bits = static_cast<uint32_t>(kv.u64("element_bits", 4, 32));
  const std::string pol = kv.choice("policy", {"dense", "evict", "reuse"});
  c.kv.policy = pol == "dense" ? KvPolicy::Dense : pol == "evict" ? KvPolicy::Evict : KvPolicy::Reuse;
  c.kv.mapping = kv.choice("mapping", {"interleaved", "token"}) == "token" ? KvMapping::Token
                                                                          : KvMapping::Interleaved;
  c.kv.interleave_bytes = static_cast<uint32_t>(kv.u64("interleave_bytes", 32, 1u << 20));
  c.kv.order = kv.choice("order", {"token_major", "head_major"}) == "head_major" ? KvOrder::HeadMajor
                                                                                : KvOrder::TokenMajor;
  c.kv.kv_split = kv.choice("k_and_v", {"together", "split"}) == "split";
  c.kv.heads_per_access = static_cast<uint32_t>(kv.u64("heads_per_access", 1, 1u << 16));
  c.kv.gather_bytes = static_cast<uint32_t>(kv.u64("gather_bytes", 0, 1u << 30));
  c.kv.reserve = kv.choice("reserve", {"dense", "paged"}) == "dense" ? KvReserve::Dense : KvReserve::Paged;
  c.kv.page_entries = static_cast<uint32_t>(kv.u64("page_entries", 1, 1u << 20));
  c.kv.request_cycles = static_cast<uint32_t>(kv.u64("request_cycles", 0, 1u << 16));
  c.kv.walk_cycles_per_token = static_cast<uint32_t>(kv.u64("walk_cycles_per_token", 0, 1u << 16));
  kv.finish();

  JsonReader kb = r.object("kv_buffer");
  c.kv_buffer.urams = static_cast<uint32_t>(kb.u64("urams", 0, 100000));
  c.kv_buffer.uram_bytes = static_cast<uint32_t>(kb.u64("uram_bytes", 1, 1u << 20));
  c.kv_buffer.prefetch = kb.boolean("prefetch");
  c.kv_buffer.capture = kb.boolean("capture");
  c.kv_buffer.port_bits = static_cast<uint32_t>(kb.u64("port_bits", 1, 4096));
  c.kv_buffer.read_ports = static_cast<uint32_t>(kb.u64("read_ports", 1, 2));
  c.kv_buffer.hit_latency_cycles = static_cast<uint32_t>(kb.u64("hit_latency_cycles", 0, 1u << 16));
  c.kv_buffer.miss_latency_cycles = static_cast<uint32_t>(kb.u64("miss_latency_cycles", 0, 1u << 16));
  kb.finish();

  JsonReader em = r.object("embedding");
  c.embedding.request_cycles = static_cast<uint32_t>(em.u64("request_cycles", 0, 1u << 16));
  c.embedding.intake_beats_per_cycle = static_cast<uint32_t>(em.u64("intake_beats_per_cycle", 1, 64));
  em.finish();

  JsonReader hb = r.object("hbm");
  c.hbm = hbm::parse_hbm_params(hb, data_dir);
  hb.finish();

  c.fusion = r.boolean("fusion");
  c.unfused_attention = r.choice("unfused_attention", {"kv_together", "kv_split"}) == "kv_split"
                            ? UnfusedAttention::KvSplit
                            : UnfusedAttention::KvTogether;

  JsonReader bl = r.object("blocks");
  c.blocks.pe_array = implementation(bl, "pe_array");
  c.blocks.nonlinear = implementation(bl, "nonlinear");
  c.blocks.router = implementation(bl, "router");
  if (bl.has("controller")) c.blocks.controller = implementation(bl, "controller");
  if (bl.has("top")) c.blocks.top = implementation(bl, "top");
  bl.finish();
  r.finish();

  if (c.hbm.ports < c.hbm.pseudo_channels)
    throw_input_error(path, "/hbm/ports",
                      "expected at least hbm.pseudo_channels (" + std::to_string(c.hbm.pseudo_channels) +
                          ") ports: the simulator drives one AXI port per pseudo-channel, got " +
                          std::to_string(c.hbm.ports));
  if (c.kv.interleave_bytes % c.hbm.beat_bytes != 0)
    throw_input_error(path, "/kv/interleave_bytes",
                      "expected a multiple of hbm.port_bytes (" + std::to_string(c.hbm.beat_bytes) + ")");
  if (c.kv.gather_bytes % c.hbm.beat_bytes != 0)
    throw_input_error(path, "/kv/gather_bytes",
                      "expected 0 (no limit) or a multiple of hbm.port_bytes (" + std::to_string(c.hbm.beat_bytes) + ")");
  if (c.kv_buffer.port_bits < c.kv.element_bits)
    throw_input_error(path, "/kv_buffer/port_bits",
                      "expected at least kv.element_bits (" + std::to_string(c.kv.element_bits) +
                          "): a port carries whole K/V elements");
  if (c.weights.group_size % c.pe.cols != 0 && c.pe.cols % c.weights.group_size != 0)
    throw_input_error(path, "/weights/group_size", "expected a divisor or multiple of pe_array.cols");
  return c;
}

}  // namespace skipopu

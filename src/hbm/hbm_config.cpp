#include "skipopu/hbm/hbm_config.hpp"

#include <cmath>
#include <fstream>
#include <utility>

#include "skipopu/error.hpp"

namespace skipopu::hbm {

namespace {

bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
uint32_t log2u(uint64_t v) {
  uint32_t r = 0;
  while ((uint64_t(1) << r) < v) ++r;
  return r;
}

void parse_mapping(JsonReader& r, HbmParams& p) {
  const Json& j = r.raw("mapping");
  const std::string where = r.path_of("mapping");
  if (!j.is_array() || j.empty())
    throw_input_error(r.file(), where, "expected an array of field names, MSB first, e.g. [\"row\",\"bg1\",\"ba1\",\"ba0\",\"column\",\"bg0\"]");
  p.mapping.clear();
  p.mapping_names.clear();
  const uint32_t bg_bits = log2u(p.bank_groups), ba_bits = log2u(p.banks_per_group);
  std::vector<bool> seen_bg(bg_bits, false), seen_ba(ba_bits, false);
  bool seen_row = false, seen_col = false;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + "/" + std::to_string(i);
    if (!j[i].is_string()) throw_input_error(r.file(), at, "expected a field name string");
    const std::string n = j[i].get<std::string>();
    AddrBit b{};
    bool dup = false;
    if (n == "row") { b.field = AddrField::Row; dup = seen_row; seen_row = true; }
    else if (n == "column") { b.field = AddrField::Column; dup = seen_col; seen_col = true; }
    else if ((n.rfind("bg", 0) == 0 || n.rfind("ba", 0) == 0) && n.size() == 3 && n[2] >= '0' && n[2] <= '9') {
      const bool bg = n[1] == 'g';
      const uint32_t idx = uint32_t(n[2] - '0');
      const uint32_t lim = bg ? bg_bits : ba_bits;
      if (idx >= lim)
        throw_input_error(r.file(), at, "\"" + n + "\" out of range: " + std::to_string(lim) + (bg ? " bank-group" : " bank") + " address bits");
      auto& seen = bg ? seen_bg : seen_ba;
      dup = seen[idx];
      seen[idx] = true;
      b.field = bg ? AddrField::BG : AddrField::BA;
      b.index = uint8_t(idx);
    } else {
      throw_input_error(r.file(), at, "unknown field \"" + n + "\" (expected row, column, bgN or baN)");
    }
    if (dup) throw_input_error(r.file(), at, "field \"" + n + "\" appears twice");
    p.mapping_names.push_back(n);
    p.mapping.insert(p.mapping.begin(), b);  // stored LSB first
  }
  if (!seen_row || !seen_col) throw_input_error(r.file(), where, "mapping must contain \"row\" and \"column\"");
  for (uint32_t i = 0; i < bg_bits; ++i)
    if (!seen_bg[i]) throw_input_error(r.file(), where, "mapping lacks bg" + std::to_string(i));
  for (uint32_t i = 0; i < ba_bits; ++i)
    if (!seen_ba[i]) throw_input_error(r.file(), where, "mapping lacks ba" + std::to_string(i));
}

}  // namespace

HbmParams parse_hbm_preset(const Json& doc, const std::string& file) {
  JsonReader r(doc, file);
  HbmParams p;
  p.preset_name = r.str("name");
  if (r.has("description")) r.str("description");
  if (r.has("notes")) r.raw("notes");  // free-form provenance and assumptions
  {
    JsonReader o = r.object("organization");
    p.pseudo_channels = uint32_t(o.u64("pseudo_channels", 1, 256));
    p.ports = uint32_t(o.u64("ports", 1, 256));
    p.pc_bytes = o.u64("pc_bytes", 1024, uint64_t(1) << 40);
    p.bank_groups = uint32_t(o.u64("bank_groups", 1, 16));
    p.banks_per_group = uint32_t(o.u64("banks_per_group", 1, 16));
    p.row_bytes = uint32_t(o.u64("row_bytes", 32, 1 << 16));
    p.beat_bytes = uint32_t(o.u64("beat_bytes", 1, 4096));
    if (!is_pow2(p.bank_groups)) o.fail("bank_groups", "must be a power of two");
    if (!is_pow2(p.banks_per_group)) o.fail("banks_per_group", "must be a power of two");
    if (!is_pow2(p.row_bytes)) o.fail("row_bytes", "must be a power of two");
    if (!is_pow2(p.beat_bytes)) o.fail("beat_bytes", "must be a power of two");
    if (!is_pow2(p.pc_bytes)) o.fail("pc_bytes", "must be a power of two");
    if (p.row_bytes < p.beat_bytes) o.fail("row_bytes", "must be >= beat_bytes");
    if (p.pc_bytes < uint64_t(p.row_bytes) * p.banks()) o.fail("pc_bytes", "must hold at least one row per bank");
    o.finish();
  }
  {
    JsonReader c = r.object("clock");
    p.axi_mhz = c.real("axi_mhz", 1, 10000);
    p.device_mhz = c.real("device_mhz", 1, 10000);
    const auto ratio = c.u64_list("device_cycles_per_axi", 1, 64);
    if (ratio.size() != 2) c.fail("device_cycles_per_axi", "expected [num, den]: device cycles per AXI cycle");
    p.dev_num = uint32_t(ratio[0]);
    p.dev_den = uint32_t(ratio[1]);
    const double implied = p.axi_mhz * p.dev_num / p.dev_den;
    if (std::fabs(implied - p.device_mhz) > 1e-6 * p.device_mhz)
      c.fail("device_cycles_per_axi", "inconsistent with axi_mhz and device_mhz (axi_mhz*num/den must equal device_mhz)");
    c.finish();
  }
  {
    JsonReader a = r.object("axi");
    p.max_burst_beats = uint32_t(a.u64("max_burst_beats", 1, 16));
    p.ports_per_switch = uint32_t(a.u64("ports_per_switch", 1, 256));
    p.pcs_per_switch = uint32_t(a.u64("pcs_per_switch", 1, 256));
    p.hop_latency = uint32_t(a.u64("hop_latency", 0, 1000));
    p.lateral_beats = uint32_t(a.u64("lateral_beats", 1, 64));
    p.lateral_cycles = uint32_t(a.u64("lateral_cycles", 1, 64));
    p.lateral_links = uint32_t(a.u64("lateral_links", 1, 256));
    if (p.ports_per_switch % p.lateral_links)
      a.fail("lateral_links", "must divide ports_per_switch (each connection serves an equal group of a switch's ports)");
    p.lateral_write_gap = uint32_t(a.u64("lateral_write_gap", 0, 64));
    p.read_latency = uint32_t(a.u64("read_latency", 0, 10000));
    p.write_latency = uint32_t(a.u64("write_latency", 0, 10000));
    const std::string ord = a.choice("id_ordering", {"none", "per_id_in_order", "single_slave_per_id"});
    p.id_ordering = ord == "none" ? HbmParams::IdOrdering::None
                    : ord == "per_id_in_order" ? HbmParams::IdOrdering::PerIdInOrder
                                               : HbmParams::IdOrdering::SingleSlavePerId;
    p.ids_per_port = uint32_t(a.u64("ids_per_port", 1, 4096));  // state per (port, direction, ID)
    p.max_outstanding_reads = uint32_t(a.u64("max_outstanding_reads", 0, 1 << 20));
    p.max_outstanding_writes = uint32_t(a.u64("max_outstanding_writes", 0, 1 << 20));
    p.release_cycles = uint32_t(a.u64("release_cycles", 1, 10000));
    a.finish();
  }
  {
    JsonReader t = r.object("timing");
    Timing& T = p.timing;
    struct F { const char* k; uint32_t* v; uint64_t lo; };
    const F fields[] = {
        {"tRCDRD", &T.tRCDRD, 1}, {"tRCDWR", &T.tRCDWR, 1}, {"tRP", &T.tRP, 1}, {"tRAS", &T.tRAS, 1},
        {"tRC", &T.tRC, 1}, {"tCL", &T.tCL, 1}, {"tCWL", &T.tCWL, 0}, {"tCCD_S", &T.tCCD_S, 1},
        {"tCCD_L", &T.tCCD_L, 1}, {"tRRD_S", &T.tRRD_S, 1}, {"tRRD_L", &T.tRRD_L, 1}, {"tFAW", &T.tFAW, 0},
        {"tWR", &T.tWR, 0}, {"tWTR_S", &T.tWTR_S, 0}, {"tWTR_L", &T.tWTR_L, 0}, {"tRTP", &T.tRTP, 1},
        {"tRTW", &T.tRTW, 0}, {"tRFC", &T.tRFC, 1}, {"tREFI", &T.tREFI, 1}, {"BL", &T.BL, 2},
        {"tRFCsb", &T.tRFCsb, 1}, {"tRREFD", &T.tRREFD, 1}};
    for (const F& f : fields) *f.v = uint32_t(t.u64(f.k, f.lo, 100000));
    if (T.BL % 2) t.fail("BL", "burst length must be even (DDR: BL/2 clock cycles per burst)");
    if (T.tCCD_L < T.tCCD_S) t.fail("tCCD_L", "must be >= tCCD_S");
    if (T.tRRD_L < T.tRRD_S) t.fail("tRRD_L", "must be >= tRRD_S");
    if (T.tWTR_L < T.tWTR_S) t.fail("tWTR_L", "must be >= tWTR_S");
    if (T.tRC < T.tRAS) t.fail("tRC", "must be >= tRAS");
    if (T.tREFI <= T.tRFC + T.tRP) t.fail("tREFI", "must exceed tRFC + tRP");
    if (T.tRFCsb > T.tRFC) t.fail("tRFCsb", "must be <= tRFC");
    if (T.tRREFD > T.tRFCsb) t.fail("tRREFD", "must be <= tRFCsb");
    t.finish();
  }
  {
    JsonReader c = r.object("controller");
    const std::string sched = c.choice("scheduler", {"fcfs", "frfcfs", "frfcfs_cap"});
    p.scheduler = sched == "fcfs" ? HbmParams::Scheduler::Fcfs
                  : sched == "frfcfs" ? HbmParams::Scheduler::FrFcfs : HbmParams::Scheduler::FrFcfsCap;
    if (p.scheduler == HbmParams::Scheduler::FrFcfsCap) {
      p.row_hit_cap = uint32_t(c.u64("row_hit_cap", 1, 1 << 20));
    } else if (c.has("row_hit_cap")) {
      c.fail("row_hit_cap", "only with \"scheduler\": \"frfcfs_cap\"");
    }
    p.open_page = c.choice("page_policy", {"open", "closed"}) == "open";
    p.read_queue = uint32_t(c.u64("read_queue", 1, 1024));
    p.write_queue = uint32_t(c.u64("write_queue", 1, 1024));
    p.write_high = uint32_t(c.u64("write_high", 1, 1024));
    p.write_low = uint32_t(c.u64("write_low", 0, 1024));
    if (p.write_high > p.write_queue) c.fail("write_high", "must be <= write_queue");
    if (p.write_low >= p.write_high) c.fail("write_low", "must be < write_high");
    p.starvation_limit = uint32_t(c.u64("starvation_limit", 0, 1 << 20));
    p.refresh = c.boolean("refresh");
    p.refresh_mode = c.choice("refresh_mode", {"all_bank", "per_bank"}) == "all_bank" ? HbmParams::RefreshMode::AllBank
                                                                                      : HbmParams::RefreshMode::PerBank;
    parse_mapping(c, p);
    c.finish();
  }
  {
    JsonReader sim = r.object("simulator");
    p.fast_path = sim.boolean("fast_path");
    p.stream_extrapolation = sim.boolean("stream_extrapolation");
    p.memo_nodes = sim.u64("memo_nodes", 64, uint64_t(1) << 24);
    sim.finish();
  }
  {
    JsonReader b = r.object("burst_model");
    p.burst_latency = uint32_t(b.u64("latency", 0, 100000));
    b.finish();
  }
  r.finish();
  validate_hbm_params(p, file);
  return p;
}

void validate_hbm_params(const HbmParams& p, const std::string& file) {
  if (p.ports == 0 || p.pseudo_channels == 0) throw_input_error(file, "/organization", "need at least one port and one pseudo-channel");
  // The parser checks these field by field; params built in code get the same guarantee here
  // (the models index banks, groups and beats by shifts).
  const std::pair<const char*, uint64_t> pow2[] = {{"bank_groups", p.bank_groups}, {"banks_per_group", p.banks_per_group},
                                                   {"row_bytes", p.row_bytes}, {"beat_bytes", p.beat_bytes},
                                                   {"pc_bytes", p.pc_bytes}};
  for (const auto& [name, v] : pow2)
    if (!is_pow2(v)) throw_input_error(file, std::string("/organization/") + name, "must be a power of two");
  if (p.row_bytes % p.beat_bytes) throw_input_error(file, "/organization/row_bytes", "must be a multiple of beat_bytes");
  if (p.refresh_mode == HbmParams::RefreshMode::PerBank && p.timing.tREFI / p.banks() <= p.timing.tRREFD)
    throw_input_error(file, "/timing/tREFI", "per-bank refresh needs tREFI / banks > tRREFD");
  if (p.scheduler == HbmParams::Scheduler::FrFcfsCap && p.row_hit_cap == 0)
    throw_input_error(file, "/controller/row_hit_cap", "must be >= 1");
  if (p.ids_per_port == 0 || p.ids_per_port > 4096) throw_input_error(file, "/axi/ids_per_port", "must be in 1..4096");
  if (p.release_cycles == 0) throw_input_error(file, "/axi/release_cycles", "must be >= 1 (a response frees its slot for the next cycle at the earliest)");
  if (p.pc_bytes % (uint64_t(p.row_bytes) * p.banks()))
    throw_input_error(file, "/organization/pc_bytes", "must be a multiple of row_bytes * banks");
  // Every beat of one aligned AXI burst must lie in one row of its bank: the row field may
  // not sit below the lowest log2(max_burst_beats) beat-address bits.
  uint32_t pos = 0, row_pos = 0;
  for (const AddrBit& b : p.mapping) {
    if (b.field == AddrField::Row) { row_pos = pos; pos += log2u(p.rows()); }
    else if (b.field == AddrField::Column) pos += log2u(p.columns());
    else ++pos;
  }
  // With refresh on, the engine schedules row commands only between refreshes: after tRFC and
  // the precharge (tRP) of a refresh, each ACT/column spacing constraint must still end before
  // the next refresh is due, or that command can never issue (the run would never finish).
  if (p.refresh) {
    const Timing& T = p.timing;
    const std::pair<const char*, uint32_t> spacing[] = {
        {"tRCDRD", T.tRCDRD}, {"tRCDWR", T.tRCDWR}, {"tRAS", T.tRAS}, {"tRC", T.tRC}, {"tCL", T.tCL},
        {"tCWL", T.tCWL}, {"tCCD_S", T.tCCD_S}, {"tCCD_L", T.tCCD_L}, {"tRRD_S", T.tRRD_S}, {"tRRD_L", T.tRRD_L},
        {"tFAW", T.tFAW}, {"tWR", T.tWR}, {"tWTR_S", T.tWTR_S}, {"tWTR_L", T.tWTR_L}, {"tRTP", T.tRTP},
        {"tRTW", T.tRTW}};
    const uint64_t window = T.tREFI > uint64_t(T.tRFC) + T.tRP ? T.tREFI - uint64_t(T.tRFC) - T.tRP : 0;
    for (const auto& [name, v] : spacing)
      if (v >= window)
        throw_input_error(file, std::string("/timing/") + name,
                          "expected less than tREFI - tRFC - tRP = " + std::to_string(T.tREFI) + " - " +
                              std::to_string(T.tRFC) + " - " + std::to_string(T.tRP) + " = " + std::to_string(window) +
                              " (every ACT/column constraint must fit between refreshes), got " + std::to_string(v));
  }
  if (!p.mapping.empty() && row_pos < log2u(p.max_burst_beats))
    throw_input_error(file, "/controller/mapping", "the row field must lie above the lowest " +
                      std::to_string(log2u(p.max_burst_beats)) + " beat-address bits (one AXI burst must stay in one row)");
}

HbmParams load_hbm_preset(const std::string& path) { return parse_hbm_preset(load_json_file(path), path); }

std::string resolve_hbm_preset(const std::string& preset, const std::string& data_dir) {
  if (preset.find('/') != std::string::npos || (preset.size() > 5 && preset.substr(preset.size() - 5) == ".json"))
    return preset;
  return data_dir + "/configs/hbm/" + preset + ".json";
}

HbmParams parse_hbm_params(JsonReader& s, const std::string& data_dir) {
  const std::string model = s.choice("model", {"burst", "bank"});
  const std::string path = resolve_hbm_preset(s.str("preset"), data_dir);
  Json doc = load_json_file(path);
  std::string file = path;
  if (s.has("overrides")) {
    const Json& ov = s.raw("overrides");
    if (!ov.is_object()) s.fail("overrides", "expected an object of preset keys to override");
    // Overrides may only change keys the preset has (a typo is an error, not a new key).
    std::vector<std::pair<const Json*, const Json*>> stack{{&doc, &ov}};
    std::vector<std::string> paths{s.path_of("overrides")};
    while (!stack.empty()) {
      auto [base, over] = stack.back();
      const std::string at = paths.back();
      stack.pop_back();
      paths.pop_back();
      for (auto it = over->begin(); it != over->end(); ++it) {
        if (!base->contains(it.key()))
          throw_input_error(s.file(), at + "/" + it.key(), "no such key in HBM preset " + path);
        const Json& b = (*base)[it.key()];
        if (b.is_object() && it.value().is_object()) {
          stack.push_back({&b, &it.value()});
          paths.push_back(at + "/" + it.key());
        }
      }
    }
    merge_json(doc, ov);
    file = path + " (with overrides from " + s.file() + s.path_of("overrides") + ")";
  }
  HbmParams p = parse_hbm_preset(doc, file);
  p.model = model;
  if (s.has("pseudo_channels")) p.pseudo_channels = uint32_t(s.u64("pseudo_channels", 1, 256));
  if (s.has("ports")) p.ports = uint32_t(s.u64("ports", 1, 256));
  // the design's AXI masters' burst-address pace (a top config's key, never a preset's)
  p.master_ar_cycles = uint32_t(s.u64("master_ar_cycles", 1, 64));
  // and the cycles a read master leaves between two commands (likewise the design's)
  p.master_command_gap = uint32_t(s.u64("master_command_gap_cycles", 0, 64));
  s.finish();
  return p;
}

}  // namespace skipopu::hbm

#include "skipopu/baselines/resources.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "skipopu/dsp/packing.hpp"
#include "skipopu/error.hpp"

namespace skipopu::baselines {

namespace {

const char* kNames[kResCount] = {"dsp", "lut", "ff", "bram36", "uram"};

// {"dsp": x, "lut": y, ...}: a resource not listed is 0 (documented in docs/resources.md).
// `lo` < 0 only for the constant of a fitted formula (pe_array.fixed).
void read_vec(JsonReader& parent, const char* key, double out[kResCount], double lo = 0) {
  JsonReader o = parent.object(key);
  for (int r = 0; r < kResCount; ++r) out[r] = o.has(kNames[r]) ? o.real(kNames[r], lo, 1e9) : 0.0;
  o.finish();
}

}  // namespace

const char* res_name(int r) { return kNames[r]; }

DeviceCard load_device_card(const std::string& path) {
  const Json doc = load_json_file(path);
  JsonReader r(doc, path);
  DeviceCard d;
  d.file = path;
  d.name = r.str("name");
  d.part = r.str("part");
  r.str("description");
  JsonReader t = r.object("resources");
  for (int i = 0; i < kResCount; ++i) d.total[i] = double(t.u64(kNames[i], 1, 100000000));
  t.finish();
  d.max_utilisation = r.real("max_utilisation", 0.01, 1.0);
  d.sources = r.raw("sources");
  r.finish();
  return d;
}

ResourceCoefficients load_resource_coefficients(const std::string& path) {
  const Json doc = load_json_file(path);
  JsonReader r(doc, path);
  ResourceCoefficients k;
  k.file = path;
  r.str("name");
  r.str("description");
  r.raw("calibration");
  JsonReader pe = r.object("pe_array");
  read_vec(pe, "per_product", k.pe_per_product);
  read_vec(pe, "per_row", k.pe_per_row);
  read_vec(pe, "per_col", k.pe_per_col);
  read_vec(pe, "fixed", k.pe_fixed, -1e9);
  k.weight_buffers = static_cast<uint32_t>(pe.u64("weight_buffers", 1, 4));
  pe.finish();
  JsonReader ro = r.object("router");
  read_vec(ro, "per_lane", k.router_per_lane);
  read_vec(ro, "fixed", k.router_fixed);
  k.router_weight_bram36 = ro.real("weight_bram36", 0, 1e6);
  ro.finish();
  JsonReader nl = r.object("nonlinear");
  read_vec(nl, "per_lane", k.nl_per_lane);
  read_vec(nl, "fixed", k.nl_fixed);
  nl.finish();
  JsonReader kv = r.object("kv_buffer");
  read_vec(kv, "per_uram", k.kv_per_uram);
  kv.finish();
  JsonReader hb = r.object("hbm");
  read_vec(hb, "per_port", k.hbm_per_port);
  hb.finish();
  read_vec(r, "controller", k.controller);
  read_vec(r, "shell", k.shell);
  k.bram36_bytes = r.real("bram36_bytes", 1, 1e6);
  r.finish();
  return k;
}

ResourceEstimate estimate_resources(const HardwareConfig& c, const ResourceCoefficients& k, const DeviceCard& d) {
  ResourceEstimate e;
  e.device = d.name;
  auto line = [&](const std::string& name) -> ResourceLine& {
    e.lines.push_back(ResourceLine{name, {}});
    return e.lines.back();
  };
  const uint64_t products = uint64_t(c.pe.rows) * c.pe.cols;
  const unsigned lanes = dsp::builtin_layout(c.pe.layout_fp16_int4).lanes;
  const unsigned attn_lanes = dsp::builtin_layout(c.pe.layout_fp16_fp16).lanes;
  const uint64_t pe_dsps = (products + lanes - 1) / lanes;
  // The array instantiates pe_array.dsps slices (the simulator rejects fewer than needed).
  const uint64_t used_dsps = std::max<uint64_t>(pe_dsps, c.pe.dsps);
  if (pe_dsps != c.pe.dsps)
    e.notes.push_back("pe_array.dsps is " + std::to_string(c.pe.dsps) + " but rows*cols / lanes(" +
                      c.pe.layout_fp16_int4 + ") needs " + std::to_string(pe_dsps) + "; the estimate uses " +
                      std::to_string(used_dsps));
  if (attn_lanes < lanes)
    e.notes.push_back("layout_fp16_fp16 packs " + std::to_string(attn_lanes) + " products per DSP, fewer than " +
                      std::to_string(lanes) + ": attention runs below the array's peak");

  ResourceLine& pe = line("pe_array");
  for (int r = 0; r < kResCount; ++r)
    pe.v[r] = k.pe_per_product[r] * double(products) + k.pe_per_row[r] * c.pe.rows + k.pe_per_col[r] * c.pe.cols +
              k.pe_fixed[r];
  pe.v[kDsp] += double(used_dsps);

  ResourceLine& wb = line("weight_buffer");
  wb.v[kBram] = std::ceil(double(c.pe.weight_prefetch_bytes) * k.weight_buffers / k.bram36_bytes);

  ResourceLine& ro = line("router");
  for (int r = 0; r < kResCount; ++r) ro.v[r] = k.router_per_lane[r] * c.router.lanes + k.router_fixed[r];
  if (c.router.weights_on_chip) ro.v[kBram] += k.router_weight_bram36;

  // One unit serves every operation (gen-rtl's skipopu_nonlinear): as wide as the widest one.
  ResourceLine& nl = line("nonlinear");
  const UnitTiming* units[8] = {&c.nl.rmsnorm_reduce, &c.nl.rmsnorm_apply, &c.nl.softmax_reduce, &c.nl.softmax_apply,
                                &c.nl.swiglu,         &c.nl.rope,          &c.nl.residual,       &c.nl.argmax};
  uint32_t nl_lanes = 0;
  for (const UnitTiming* u : units) nl_lanes = std::max(nl_lanes, u->elems_per_cycle);
  for (int r = 0; r < kResCount; ++r) nl.v[r] = k.nl_per_lane[r] * nl_lanes + k.nl_fixed[r];

  ResourceLine& kb = line("kv_history_buffer");
  for (int r = 0; r < kResCount; ++r) kb.v[r] = k.kv_per_uram[r] * c.kv_buffer.urams;
  kb.v[kUram] += c.kv_buffer.urams;
  if (c.kv_buffer.uram_bytes != 36864)
    e.notes.push_back("kv_buffer.uram_bytes is " + std::to_string(c.kv_buffer.uram_bytes) +
                      ", not the URAM288's 36864: the URAM count is kv_buffer.urams as given");

  ResourceLine& hb = line("hbm_ports");
  for (int r = 0; r < kResCount; ++r) hb.v[r] = k.hbm_per_port[r] * c.hbm.pseudo_channels;

  ResourceLine& ct = line("controller");
  for (int r = 0; r < kResCount; ++r) ct.v[r] = k.controller[r];
  ResourceLine& sh = line("shell");
  for (int r = 0; r < kResCount; ++r) sh.v[r] = k.shell[r];

  e.fits = true;
  for (int r = 0; r < kResCount; ++r) {
    double sum = 0;
    for (const auto& l : e.lines) sum += l.v[r];
    e.total[r] = static_cast<uint64_t>(std::llround(sum));
    e.utilisation[r] = double(e.total[r]) / d.total[r];
    if (double(e.total[r]) > d.total[r] * d.max_utilisation) e.fits = false;
  }
  return e;
}

Json ResourceEstimate::to_json() const {
  Json j = Json::object();
  j["schema"] = "skipopu-resources/1";
  j["device"] = device;
  j["fits"] = fits;
  Json tot = Json::object(), util = Json::object(), comp = Json::object();
  for (int r = 0; r < kResCount; ++r) {
    tot[kNames[r]] = total[r];
    util[kNames[r]] = std::round(utilisation[r] * 1e6) / 1e6;
  }
  for (const auto& l : lines) {
    Json c = Json::object();
    for (int r = 0; r < kResCount; ++r) c[kNames[r]] = std::llround(l.v[r]);
    comp[l.component] = c;
  }
  j["total"] = tot;
  j["utilisation"] = util;
  j["components"] = comp;
  j["notes"] = notes;
  return j;
}

std::string ResourceEstimate::text() const {
  std::ostringstream os;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-18s %9s %10s %10s %8s %6s\n", "component", "DSP", "LUT", "FF", "BRAM36", "URAM");
  os << buf;
  for (const auto& l : lines) {
    std::snprintf(buf, sizeof buf, "%-18s %9lld %10lld %10lld %8lld %6lld\n", l.component.c_str(),
                  std::llround(l.v[kDsp]), std::llround(l.v[kLut]), std::llround(l.v[kFf]),
                  std::llround(l.v[kBram]), std::llround(l.v[kUram]));
    os << buf;
  }
  std::snprintf(buf, sizeof buf, "%-18s %9llu %10llu %10llu %8llu %6llu\n", "total", (unsigned long long)total[kDsp],
                (unsigned long long)total[kLut], (unsigned long long)total[kFf], (unsigned long long)total[kBram],
                (unsigned long long)total[kUram]);
  os << buf;
  std::snprintf(buf, sizeof buf, "%-18s %8.2f%% %9.2f%% %9.2f%% %7.2f%% %5.2f%%\n", ("of " + device).c_str(),
                100 * utilisation[kDsp], 100 * utilisation[kLut], 100 * utilisation[kFf], 100 * utilisation[kBram],
                100 * utilisation[kUram]);
  os << buf;
  os << (fits ? "fits" : "DOES NOT FIT") << " the " << device << "\n";
  for (const auto& n : notes) os << "note: " << n << "\n";
  return os.str();
}

}  // namespace skipopu::baselines

#include "skipopu/baselines/energy.hpp"

#include "skipopu/error.hpp"

namespace skipopu::baselines {

namespace {

// {"value": number | null, "unit": UNIT, "notes": "..."}: null only with notes that say why.
EnergyTerm term(JsonReader& parent, const char* key, const char* unit, double lo, double hi) {
  JsonReader t = parent.object(key);
  EnergyTerm e;
  if (t.str("unit") != unit) t.fail("unit", std::string("expected \"") + unit + "\"");
  if (!t.raw("value").is_null()) e.value = t.real("value", lo, hi);
  e.notes = t.str("notes");
  if (e.notes.empty()) t.fail("notes", "expected the coefficient's public source (or why there is none)");
  t.finish();
  return e;
}

}  // namespace

const GpuBoardPower* EnergyModel::gpu(const std::string& card) const {
  for (const GpuBoardPower& g : gpus)
    if (g.card == card) return &g;
  return nullptr;
}

EnergyModel load_energy_model(const std::string& path) {
  const Json doc = load_json_file(path);
  JsonReader r(doc, path);
  EnergyModel m;
  m.file = path;
  if (r.str("name") != "skipopu-energy/1") r.fail("name", "expected \"skipopu-energy/1\"");
  r.str("description");
  m.hbm_pj_per_bit = term(r, "hbm_pj_per_bit", "pJ/bit", 0.01, 1000);
  if (!m.hbm_pj_per_bit.value) r.fail("hbm_pj_per_bit", "expected a value: HBM energy is the model's core term");
  {
    JsonReader d = r.object("fpga_dynamic");
    m.dsp_uw_per_mhz = term(d, "dsp", "uW/MHz", 0, 1e6);
    m.lut_uw_per_mhz = term(d, "lut", "uW/MHz", 0, 1e6);
    m.uram_uw_per_mhz = term(d, "uram", "uW/MHz", 0, 1e6);
    d.finish();
  }
  m.board_static_w = term(r, "board_static_w", "W", 0, 1e4);
  for (JsonReader& g : r.objects("gpu_board_power")) {
    GpuBoardPower p;
    p.card = g.str("card");
    p.watts = g.real("watts", 1, 1e5);
    p.what = g.str("what");
    p.source = g.str("source");
    if (p.source.empty()) g.fail("source", "expected the published figure's source");
    g.finish();
    m.gpus.push_back(p);
  }
  r.finish();
  return m;
}

EnergyEstimate estimate_energy(const EnergyModel& m, const ResourceEstimate& r, double core_hz, uint64_t hbm_bytes,
                               double decode_s, uint64_t tokens) {
  EnergyEstimate e;
  const double n = tokens ? double(tokens) : 1.0;
  e.hbm = true;
  e.hbm_j_per_token = double(hbm_bytes) * 8.0 * *m.hbm_pj_per_bit.value * 1e-12 / n;
  e.logic = m.dsp_uw_per_mhz.value && m.lut_uw_per_mhz.value && m.uram_uw_per_mhz.value;
  if (e.logic) {
    const double mhz = core_hz / 1e6;
    e.logic_w = (double(r.total[kDsp]) * *m.dsp_uw_per_mhz.value + double(r.total[kLut]) * *m.lut_uw_per_mhz.value +
                 double(r.total[kUram]) * *m.uram_uw_per_mhz.value) * mhz * 1e-6;
    e.logic_j_per_token = e.logic_w * decode_s / n;
  }
  e.board_static = m.board_static_w.value.has_value();
  if (e.board_static) e.static_j_per_token = *m.board_static_w.value * decode_s / n;
  e.j_per_token = e.hbm_j_per_token + e.logic_j_per_token + e.static_j_per_token;
  e.tokens_per_j = e.j_per_token > 0 ? 1.0 / e.j_per_token : 0.0;
  if (!e.logic) e.missing = "logic";
  if (!e.board_static) e.missing += std::string(e.missing.empty() ? "" : ", ") + "static";
  return e;
}

void add_energy_stats(StatGroup& summary, const EnergyEstimate& e, const std::string& file) {
  const std::string src = " (" + file.substr(file.find_last_of('/') + 1) + ")";
  StatGroup& g = summary.group("energy", "energy per decoded token from the coefficients of models/energy.json, each "
                                         "with its public source; a term without a source is not modelled");
  g.add_real("hbm_j_per_token", e.hbm_j_per_token, "J/token",
             "decode_bytes.hbm_physical x 8 x HBM pJ/bit / decode_tokens" + src);
  if (e.logic) {
    g.add_real("logic_w", e.logic_w, "W", "DSP, LUT and URAM in use x uW/MHz x core clock (skipopu resources)");
    g.add_real("logic_j_per_token", e.logic_j_per_token, "J/token", "logic_w x decode time / decode_tokens");
  }
  if (e.board_static)
    g.add_real("static_j_per_token", e.static_j_per_token, "J/token", "board static power x decode time / decode_tokens");
  const bool all = e.missing.empty();
  const std::string why = "no public source found for: " + e.missing;
  g.add_real("j_per_token", e.j_per_token, "J/token",
             "sum of the modelled terms; " + (all ? std::string("every term modelled") : "a lower bound: " + why));
  g.add_real("tokens_per_j", e.tokens_per_j, "token/J",
             "1 / j_per_token; " + (all ? std::string("every term modelled") : "an upper bound: " + why));
  g.add("terms_modelled", (e.hbm ? 1 : 0) + (e.logic ? 1 : 0) + (e.board_static ? 1 : 0), "count",
        "of 3 (HBM, logic dynamic, board static)");
}

}  // namespace skipopu::baselines

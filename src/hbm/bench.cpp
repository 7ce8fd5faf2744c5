#include "skipopu/hbm/hbm_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "skipopu/error.hpp"

namespace skipopu::hbm {

void validate_bench(const HbmParams& p, const BenchSpec& s, const std::string& o) {
  const uint32_t pcs = s.pcs ? s.pcs : p.pseudo_channels;
  const uint32_t ports = s.ports ? s.ports : pcs;
  const uint64_t range = s.range ? s.range : p.pc_bytes;
  if (s.pattern != "seq" && s.pattern != "random" && s.pattern != "strided")
    throw_input_error(o, "pattern", "expected seq, random or strided, got \"" + s.pattern + "\"");
  if (pcs > p.pseudo_channels) throw_input_error(o, "pcs", "at most " + std::to_string(p.pseudo_channels));
  if (ports > p.ports) throw_input_error(o, "ports", "at most " + std::to_string(p.ports));
  if (pcs % ports && ports % pcs) throw_input_error(o, "ports", "ports and pcs must divide one another");
  if (s.size == 0 || s.size > range) throw_input_error(o, "size", "must be in [1, range]");
  if (range > p.pc_bytes) throw_input_error(o, "range", "must be at most the PC size");
  if (s.pattern == "strided" && (s.stride == 0 || s.stride % s.size))
    throw_input_error(o, "stride", "must be a positive multiple of size");
  if (s.outstanding == 0) throw_input_error(o, "outstanding", "must be >= 1");
  if (s.requests == 0) throw_input_error(o, "requests", "must be >= 1");
  if (!(s.write_fraction >= 0 && s.write_fraction <= 1)) throw_input_error(o, "write-fraction", "must be in [0, 1]");
  if (!(s.rate > 0 && s.rate <= 1)) throw_input_error(o, "rate", "must be in (0, 1]");
}

BenchResult run_bench(const HbmParams& p, const BenchSpec& s, bool record, StatGroup* report) {
  validate_bench(p, s, "hbm-bench");
  const uint32_t pcs = s.pcs ? s.pcs : p.pseudo_channels;
  const uint32_t ports = s.ports ? s.ports : pcs;
  const uint64_t range = s.range ? s.range : p.pc_bytes;
  const uint64_t slots = range / s.size;
  const bool slots_pow2 = (slots & (slots - 1)) == 0;
  const uint64_t beats = (s.size + p.beat_bytes - 1) / p.beat_bytes;
  HbmParams q = p;
  q.pseudo_channels = pcs;  // unused PCs would only refresh
  auto model = make_model(q);

  struct Port {
    uint64_t next = 0, inflight = 0, addr = 0;
    Cycle nom = 0;  // nominal(next), kept with next
    SplitMix64 rng{0};
  };
  std::vector<Port> port(ports);
  for (uint32_t i = 0; i < ports; ++i) {
    port[i].rng = SplitMix64(s.seed * 0x100000001b3ull + i);
  }
  const uint32_t per = pcs > ports ? pcs / ports : 1;
  const int pattern = s.pattern == "seq" ? 0 : s.pattern == "random" ? 1 : 2;  // no string work per request
  const double interval = double(beats) / s.rate;
  auto nominal = [&](uint64_t j) { return Cycle(std::floor(double(j) * interval)); };
  for (Port& pt : port) pt.nom = nominal(0);

  BenchResult res;
  res.peak_gbs = double(pcs) * p.beat_bytes * p.axi_mhz * 1e-3;
  if (record) res.completions.reserve(s.requests * ports);
  res.lat_min = kNever;
  double lat_sum = 0;
  Cycle now = 0;
  const uint64_t total = s.requests * ports;
  uint64_t done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  Completion c;
  // Earliest nominal arrival over the ports that may issue (requests left, below the
  // outstanding limit); the next submit time is max(that, now). Kept current by the submit
  // pass (which visits every port) and by each completion (which may free a port).
  auto may_issue = [&](const Port& pt) { return pt.next < s.requests && pt.inflight < s.outstanding; };
  Cycle nom_min = kNever;
  for (const Port& pt : port)
    if (may_issue(pt)) nom_min = std::min(nom_min, pt.nom);
  while (done < total) {
    const Cycle ts = nom_min == kNever ? kNever : std::max(nom_min, now);
    const Cycle te = model->next_event();
    if (te <= ts) {
      while (model->pop_completion(te, c)) {
        const uint32_t pi = uint32_t(c.id >> 40);
        const Cycle lat = c.done - c.arrival;
        lat_sum += double(lat);
        res.lat_min = std::min(res.lat_min, lat);
        res.lat_max = std::max(res.lat_max, lat);
        res.end = std::max(res.end, c.done);
        --port[pi].inflight;
        if (may_issue(port[pi])) nom_min = std::min(nom_min, port[pi].nom);
        ++done;
        if (record) res.completions.push_back(c);
      }
      now = std::max(now, te);
      continue;
    }
    nom_min = kNever;
    for (uint32_t i = 0; i < ports; ++i) {
      Port& pt = port[i];
      while (pt.next < s.requests && pt.inflight < s.outstanding && std::max(pt.nom, now) == ts) {
        const uint64_t j = pt.next++;
        pt.nom = nominal(pt.next);
        Request r;
        r.id = (uint64_t(i) << 40) | j;
        r.port = i;
        const uint32_t base = ports > pcs ? i % pcs : i;
        r.pc = per == 1 ? (base + s.pc_offset) % pcs : (base + s.pc_offset + uint32_t(j % per) * ports) % pcs;
        uint64_t slot;
        if (pattern == 0) slot = j % slots;
        else if (pattern == 1) slot = slots_pow2 ? pt.rng.next() & (slots - 1) : pt.rng.below(slots);  // same value
        else slot = (j * (s.stride / s.size)) % slots;
        r.addr = slot * s.size;
        r.bytes = s.size;
        r.write = s.write_fraction > 0 && double(pt.rng.next() >> 11) * 0x1.0p-53 < s.write_fraction;
        r.arrival = ts;
        ++pt.inflight;
        model->submit(r);
      }
      if (may_issue(pt)) nom_min = std::min(nom_min, pt.nom);
    }
    now = ts;
  }
  res.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.cpu_s = double(std::clock() - c0) / CLOCKS_PER_SEC;
  res.requests = total;
  res.bytes = total * s.size;
  res.bandwidth_gbs = double(res.bytes) / double(res.end + 1) * p.axi_mhz * 1e-3;
  res.lat_mean = lat_sum / double(total);
  StatGroup g("hbm");
  model->report(g, res.end + 1);
  if (const Stat* st = g.find("row_hit_rate")) res.row_hit_rate = st->dvalue;
  if (const Stat* st = g.find("refresh_overhead")) res.refresh_overhead = st->dvalue;
  if (report) *report = std::move(g);
  return res;
}

}  // namespace skipopu::hbm

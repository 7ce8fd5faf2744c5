#include "skipopu/hbm/hbm_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <string>

#include "skipopu/error.hpp"

namespace skipopu::hbm {

namespace {

uint64_t parse_size(const std::string& v, const std::string& origin, const std::string& field) {
  size_t used = 0;
  uint64_t n = 0;
  try {
    if (v.empty() || v[0] == '-') throw std::invalid_argument("sign");
    n = std::stoull(v, &used, 0);
  } catch (const std::exception&) {
    throw_input_error(origin, field, "expected a byte count (optionally with K, M or G), got \"" + v + "\"");
  }
  const std::string suf = v.substr(used);
  const int shift = suf.empty() ? 0 : suf == "K" ? 10 : suf == "M" ? 20 : suf == "G" ? 30 : -1;
  if (shift < 0 || (n >> (63 - shift)) != 0)
    throw_input_error(origin, field, "expected a byte count (optionally with K, M or G), got \"" + v + "\"");
  return n << shift;
}

uint32_t parse_u32(const std::string& v, const std::string& origin, const std::string& field) {
  size_t used = 0;
  unsigned long n = 0;
  try {
    if (v.empty() || v[0] == '-') throw std::invalid_argument("sign");
    n = std::stoul(v, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v.size() || n > 0xffffffffUL)
    throw_input_error(origin, field, "expected a non-negative integer, got \"" + v + "\"");
  return uint32_t(n);
}

// One port of the bench: its PCs, base address, direction (from the uniform layout or a stream).
struct PortPlan {
  uint32_t port = 0;
  std::vector<uint32_t> pcs;
  uint64_t base = 0;
  int dir = -1;
  uint64_t slots = 0;      // request-sized slots in [base, base + range)
  bool slots_pow2 = false;
};

std::vector<PortPlan> plan_ports(const HbmParams& p, const BenchSpec& s, uint32_t& model_pcs, uint32_t& distinct_pcs) {
  std::vector<PortPlan> plan;
  if (!s.streams.empty()) {
    std::vector<bool> used(p.pseudo_channels, false);
    model_pcs = 0;
    distinct_pcs = 0;
    for (const BenchStream& st : s.streams) {
      PortPlan pp;
      pp.port = st.port;
      pp.base = st.base;
      pp.dir = st.dir;
      pp.slots = (s.range ? s.range : p.pc_bytes - st.base) / s.size;
      for (uint32_t k = 0; k < st.pc_count; ++k) {
        const uint32_t c = st.pc_first + k;
        pp.pcs.push_back(c);
        if (!used[c]) { used[c] = true; ++distinct_pcs; }
        model_pcs = std::max(model_pcs, c + 1);
      }
      pp.slots_pow2 = (pp.slots & (pp.slots - 1)) == 0;
      plan.push_back(pp);
    }
    return plan;
  }
  const uint32_t pcs = s.pcs ? s.pcs : p.pseudo_channels;
  const uint32_t ports = s.ports ? s.ports : pcs;
  const uint32_t per = pcs > ports ? pcs / ports : 1;
  model_pcs = distinct_pcs = pcs;
  for (uint32_t i = 0; i < ports; ++i) {
    PortPlan pp;
    pp.port = i;
    pp.slots = (s.range ? s.range : p.pc_bytes) / s.size;
    const uint32_t base = ports > pcs ? i % pcs : i;
    for (uint32_t k = 0; k < per; ++k) pp.pcs.push_back((base + s.pc_offset + k * ports) % pcs);
    plan.push_back(pp);
  }
  for (PortPlan& pp : plan) pp.slots_pow2 = (pp.slots & (pp.slots - 1)) == 0;
  return plan;
}

}  // namespace

BenchStream parse_bench_stream(const std::string& spec, const std::string& origin) {
  BenchStream st;
  bool seen_port = false, seen_pc = false;
  const std::string field = "stream \"" + spec + "\"";
  size_t at = 0;
  while (at <= spec.size()) {
    const size_t comma = std::min(spec.find(',', at), spec.size());
    const std::string item = spec.substr(at, comma - at);
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw_input_error(origin, field, "expected key=value items separated by commas (port, pc, base, dir), got \"" + item + "\"");
    const std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "port") {
      st.port = parse_u32(v, origin, field + " port");
      seen_port = true;
    } else if (k == "pc") {
      const size_t dash = v.find('-');
      st.pc_first = parse_u32(v.substr(0, dash), origin, field + " pc");
      const uint32_t last = dash == std::string::npos ? st.pc_first : parse_u32(v.substr(dash + 1), origin, field + " pc");
      if (last < st.pc_first) throw_input_error(origin, field + " pc", "range A-B needs A <= B");
      st.pc_count = last - st.pc_first + 1;
      seen_pc = true;
    } else if (k == "base") {
      st.base = parse_size(v, origin, field + " base");
    } else if (k == "dir") {
      if (v == "read") st.dir = 0;
      else if (v == "write") st.dir = 1;
      else if (v == "mix") st.dir = -1;
      else throw_input_error(origin, field + " dir", "expected read, write or mix, got \"" + v + "\"");
    } else {
      throw_input_error(origin, field, "unknown key \"" + k + "\" (expected port, pc, base, dir)");
    }
    at = comma + 1;
  }
  if (!seen_port || !seen_pc) throw_input_error(origin, field, "needs port=P and pc=A or pc=A-B");
  return st;
}

void validate_bench(const HbmParams& p, const BenchSpec& s, const std::string& o) {
  const uint32_t pcs = s.pcs ? s.pcs : p.pseudo_channels;
  const uint32_t ports = s.ports ? s.ports : pcs;
  const uint64_t range = s.range ? s.range : p.pc_bytes;
  if (s.pattern != "seq" && s.pattern != "random" && s.pattern != "strided")
    throw_input_error(o, "pattern", "expected seq, random or strided, got \"" + s.pattern + "\"");
  if (s.streams.empty()) {
    if (pcs > p.pseudo_channels) throw_input_error(o, "pcs", "at most " + std::to_string(p.pseudo_channels));
    if (ports > p.ports) throw_input_error(o, "ports", "at most " + std::to_string(p.ports));
    if (pcs % ports && ports % pcs) throw_input_error(o, "ports", "ports and pcs must divide one another");
  } else {
    if (s.pcs || s.ports || s.pc_offset)
      throw_input_error(o, "stream", "with streams, each stream names its port and PCs (leave pcs, ports and pc-offset at 0)");
    std::vector<bool> port_used(p.ports, false);
    for (const BenchStream& st : s.streams) {
      const std::string f = "stream port=" + std::to_string(st.port);
      if (st.port >= p.ports) throw_input_error(o, f, "port must be below " + std::to_string(p.ports));
      if (port_used[st.port]) throw_input_error(o, f, "two streams on one port (one stream per AXI port)");
      port_used[st.port] = true;
      if (st.pc_count == 0 || uint64_t(st.pc_first) + st.pc_count > p.pseudo_channels)
        throw_input_error(o, f, "PCs must lie below " + std::to_string(p.pseudo_channels));
      if (st.base % p.beat_bytes) throw_input_error(o, f, "base must be a multiple of " + std::to_string(p.beat_bytes) + " bytes");
      if (st.base >= p.pc_bytes || (s.range ? s.range : p.pc_bytes - st.base) > p.pc_bytes - st.base)
        throw_input_error(o, f, "base + range must fit in a PC (" + std::to_string(p.pc_bytes) + " bytes)");
      if (s.size > (s.range ? s.range : p.pc_bytes - st.base)) throw_input_error(o, f, "size must fit in the stream's range");
    }
  }
  if (s.size == 0 || s.size > range) throw_input_error(o, "size", "must be in [1, range]");
  if (range > p.pc_bytes) throw_input_error(o, "range", "must be at most the PC size");
  if (s.pattern == "strided" && (s.stride == 0 || s.stride % s.size))
    throw_input_error(o, "stride", "must be a positive multiple of size");
  if (s.outstanding == 0) throw_input_error(o, "outstanding", "must be >= 1");
  if (s.requests == 0) throw_input_error(o, "requests", "must be >= 1");
  if (!(s.write_fraction >= 0 && s.write_fraction <= 1)) throw_input_error(o, "write-fraction", "must be in [0, 1]");
  if (!(s.rate > 0 && s.rate <= 1)) throw_input_error(o, "rate", "must be in (0, 1]");
  if (s.axi_ids == 0 || s.axi_ids > p.ids_per_port)
    throw_input_error(o, "axi-ids", "must be in [1, " + std::to_string(p.ids_per_port) + "] (the preset's axi.ids_per_port)");
}

BenchResult run_bench(const HbmParams& p, const BenchSpec& s, bool record, StatGroup* report) {
  validate_bench(p, s, "hbm-bench");
  uint32_t pcs = 0, distinct_pcs = 0;
  const std::vector<PortPlan> plan = plan_ports(p, s, pcs, distinct_pcs);
  const uint32_t ports = uint32_t(plan.size());
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
  const int pattern = s.pattern == "seq" ? 0 : s.pattern == "random" ? 1 : 2;  // no string work per request
  const double interval = double(beats) / s.rate;
  // At full rate the interval is `beats` exactly and every product below 2^53 is exact in a
  // double, so floor(j * interval) is j * beats: an integer multiply, no conversion per request.
  const bool whole = s.rate == 1.0 && beats < (uint64_t(1) << 20) && s.requests < (uint64_t(1) << 32);
  auto nominal = [&](uint64_t j) { return whole ? Cycle(j * beats) : Cycle(std::floor(double(j) * interval)); };
  for (Port& pt : port) pt.nom = nominal(0);

  BenchResult res;
  res.peak_gbs = double(distinct_pcs) * p.beat_bytes * p.axi_mhz * 1e-3;
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
  // pass and by each completion (which may free a port). `issuing` holds the ports that may
  // issue (a bit each, by index): the submit pass visits only those, in index order, as a pass
  // over every port would (the others submit nothing).
  auto may_issue = [&](const Port& pt) { return pt.next < s.requests && pt.inflight < s.outstanding; };
  std::vector<uint64_t> issuing((ports + 63) / 64, 0);
  Cycle nom_min = kNever;
  for (uint32_t i = 0; i < ports; ++i)
    if (may_issue(port[i])) {
      nom_min = std::min(nom_min, port[i].nom);
      issuing[i / 64] |= uint64_t(1) << (i % 64);
    }
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
        if (may_issue(port[pi])) {
          nom_min = std::min(nom_min, port[pi].nom);
          issuing[pi / 64] |= uint64_t(1) << (pi % 64);
        }
        ++done;
        if (record) res.completions.push_back(c);
      }
      now = std::max(now, te);
      continue;
    }
    nom_min = kNever;
    for (uint32_t w = 0; w < issuing.size(); ++w) {
      for (uint64_t bits = issuing[w]; bits; bits &= bits - 1) {
        const uint32_t i = w * 64 + uint32_t(__builtin_ctzll(bits));
        Port& pt = port[i];
        while (pt.next < s.requests && pt.inflight < s.outstanding && std::max(pt.nom, now) == ts) {
          const uint64_t j = pt.next++;
          pt.nom = nominal(pt.next);
          const PortPlan& pp = plan[i];
          Request r;
          r.id = (uint64_t(i) << 40) | j;
          r.port = pp.port;
          r.axi_id = uint32_t(j % s.axi_ids);
          uint64_t slot;
          if (pattern == 0) slot = j % pp.slots;
          else if (pattern == 1) slot = pp.slots_pow2 ? pt.rng.next() & (pp.slots - 1) : pt.rng.below(pp.slots);  // same value
          else slot = (j * (s.stride / s.size)) % pp.slots;
          const size_t n = pp.pcs.size();
          r.pc = n == 1 ? pp.pcs[0] : pp.pcs[pattern == 1 && !s.pc_round_robin ? pt.rng.below(n) : j % n];
          r.addr = pp.base + slot * s.size;
          r.bytes = s.size;
          r.write = pp.dir >= 0 ? pp.dir == 1
                                : s.write_fraction > 0 && double(pt.rng.next() >> 11) * 0x1.0p-53 < s.write_fraction;
          r.arrival = ts;
          ++pt.inflight;
          model->submit(r);
        }
        if (may_issue(pt)) nom_min = std::min(nom_min, pt.nom);
        else issuing[w] &= ~(uint64_t(1) << (i % 64));
      }
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

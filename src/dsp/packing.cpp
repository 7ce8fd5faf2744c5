// Packing layouts: parsing, validation, capacity, bit-accurate evaluation, resources.
#include "skipopu/dsp/packing.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "skipopu/error.hpp"

namespace skipopu::dsp {

namespace {

constexpr unsigned kCapacityCap = 1u << 20;  // "at least this many" for very wide lanes

unsigned port_bits(Port p) { return p == Port::A ? 30 : p == Port::D ? 27 : 18; }
const char* port_name(Port p) { return p == Port::A ? "A" : p == Port::D ? "D" : "B"; }

// Largest k with k*pmin >= lo and k*pmax <= hi (products accumulate without leaving [lo, hi]).
unsigned lane_capacity(int64_t pmin, int64_t pmax, int64_t lo, int64_t hi) {
  uint64_t k = kCapacityCap;
  if (pmin < 0) k = std::min<uint64_t>(k, lo >= 0 ? 0 : static_cast<uint64_t>(-lo) / static_cast<uint64_t>(-pmin));
  if (pmax > 0) k = std::min<uint64_t>(k, hi < 0 ? 0 : static_cast<uint64_t>(hi) / static_cast<uint64_t>(pmax));
  if (pmin > hi || pmax < lo) k = 0;
  return static_cast<unsigned>(k);
}

int64_t low_bits(int64_t v, unsigned c) { return static_cast<int64_t>(zext(v, c)); }

}  // namespace

unsigned PackingLayout::operand_bits() const {
  unsigned s = 0;
  for (const auto& o : operands) s += o.bits;
  return s;
}

PackingLayout parse_layout(const Json& doc, const std::string& file) {
  JsonReader r(doc, file);
  PackingLayout l;
  l.file = file;
  l.name = r.str("name");
  if (l.name.empty() || l.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
    r.fail("name", "expected a non-empty name of [a-z0-9_], got \"" + l.name + "\"");
  l.description = r.str("description");
  l.source = r.str("source");
  l.preadd_sub = r.choice("preadder", {"add", "sub"}) == "sub";
  const std::string b = r.choice("borrow_correction", {"none", "carry_bit", "ripple"});
  l.borrow = b == "none" ? Borrow::None : b == "carry_bit" ? Borrow::CarryBit : Borrow::Ripple;
  l.c_constant = r.has("c_constant") ? r.i64("c_constant", 0, (int64_t{1} << 47) - 1) : 0;
  l.claims_exact = r.boolean("claims_exact");

  std::map<std::string, unsigned> index;
  auto ops = r.objects("operands");
  if (ops.empty() || ops.size() > kMaxOperands)
    r.fail("operands", "expected 1 to " + std::to_string(kMaxOperands) + " operands, got " + std::to_string(ops.size()));
  for (auto& o : ops) {
    PackOperand op;
    op.name = o.str("name");
    if (index.count(op.name)) o.fail("name", "duplicate operand name \"" + op.name + "\"");
    op.bits = static_cast<unsigned>(o.u64("bits", 1, 18));
    op.is_signed = o.boolean("signed");
    const std::string p = o.choice("port", {"A", "D", "B"});
    op.port = p == "A" ? Port::A : p == "D" ? Port::D : Port::B;
    op.shift = static_cast<unsigned>(o.u64("shift", 0, port_bits(op.port) - 1));
    op.offline = o.has("offline") ? o.boolean("offline") : false;
    o.finish();
    index[op.name] = static_cast<unsigned>(l.operands.size());
    l.operands.push_back(op);
  }
  // Each port's packed value must fit the port.
  for (Port p : {Port::A, Port::D, Port::B}) {
    int64_t lo = 0, hi = 0;
    for (const auto& op : l.operands) {
      if (op.port != p) continue;
      lo += op.min() * (int64_t{1} << op.shift);
      hi += op.max() * (int64_t{1} << op.shift);
    }
    const int64_t plo = -(int64_t{1} << (port_bits(p) - 1)), phi = (int64_t{1} << (port_bits(p) - 1)) - 1;
    if (lo < plo || hi > phi)
      throw_input_error(file, "/operands", std::string("operands on port ") + port_name(p) + " span [" +
                                               std::to_string(lo) + ", " + std::to_string(hi) +
                                               "], expected them to fit the " + std::to_string(port_bits(p)) +
                                               "-bit signed port");
  }
  auto operand_ref = [&](JsonReader& o, const char* key) {
    const std::string n = o.str(key);
    auto it = index.find(n);
    if (it == index.end()) o.fail(key, "expected the name of an operand, got \"" + n + "\"");
    return it->second;
  };

  auto lanes = r.objects("lanes");
  if (lanes.empty() || lanes.size() > kMaxLanes)
    r.fail("lanes", "expected 1 to " + std::to_string(kMaxLanes) + " lanes, got " + std::to_string(lanes.size()));
  for (auto& o : lanes) {
    PackLane ln;
    ln.name = o.str("name");
    ln.x = operand_ref(o, "x");
    ln.y = operand_ref(o, "y");
    const auto& X = l.operands[ln.x];
    const auto& Y = l.operands[ln.y];
    if (X.port == Port::B) o.fail("x", "expected an operand on port A or D, got one on B");
    if (Y.port != Port::B) o.fail("y", std::string("expected an operand on port B, got one on ") + port_name(Y.port));
    ln.offset = static_cast<unsigned>(o.u64("offset", 0, 47));
    if (ln.offset != X.shift + Y.shift)
      o.fail("offset", "expected shift(x) + shift(y) = " + std::to_string(X.shift + Y.shift) + ", got " +
                           std::to_string(ln.offset));
    ln.width = static_cast<unsigned>(o.u64("width", 1, 48 - ln.offset));
    ln.drop = static_cast<unsigned>(o.u64("drop", 0, ln.width - 1));
    ln.is_signed = o.boolean("signed");
    ln.cancel_low_bits = o.has("cancel_low_bits") ? static_cast<unsigned>(o.u64("cancel_low_bits", 0, 16)) : 0;
    ln.bias = o.has("bias") ? o.i64("bias", 0, int64_t{1} << 46) : 0;
    if (ln.bias != 0 && l.c_constant == 0) o.fail("bias", "a lane bias needs a non-zero c_constant");
    if (ln.bias != 0 && ln.cancel_low_bits != 0) o.fail("bias", "expected no bias on a lane with cancel_low_bits");
    if (ln.cancel_low_bits >= ln.width) o.fail("cancel_low_bits", "expected fewer bits than the lane width");
    o.finish();
    ln.sign = (X.port == Port::A && l.preadd_sub) ? -1 : 1;
    const int64_t c[4] = {X.min() * Y.min(), X.min() * Y.max(), X.max() * Y.min(), X.max() * Y.max()};
    ln.pmin = ln.sign * *std::min_element(c, c + 4);
    ln.pmax = ln.sign * *std::max_element(c, c + 4);
    if (ln.sign < 0) std::swap(ln.pmin, ln.pmax);
    l.lane.push_back(ln);
  }
  // Every (A/D operand, B operand) pair is a product in P: each must be a declared lane.
  for (unsigned xi = 0; xi < l.operands.size(); ++xi) {
    if (l.operands[xi].port == Port::B) continue;
    for (unsigned yi = 0; yi < l.operands.size(); ++yi) {
      if (l.operands[yi].port != Port::B) continue;
      unsigned n = 0;
      for (const auto& ln : l.lane) n += (ln.x == xi && ln.y == yi);
      if (n != 1)
        r.fail("lanes", "expected exactly one lane for the product " + l.operands[xi].name + "*" +
                            l.operands[yi].name + ", got " + std::to_string(n));
    }
  }
  for (size_t i = 1; i < l.lane.size(); ++i)
    if (l.lane[i].offset <= l.lane[i - 1].offset)
      r.fail("lanes", "expected lanes in strictly increasing offset order");

  if (r.has("c_gated")) {
    for (auto& o : r.objects("c_gated")) {
      GatedTerm g;
      g.operand = operand_ref(o, "operand");
      g.gate = operand_ref(o, "gate");
      g.gate_bit = static_cast<unsigned>(o.u64("gate_bit", 0, l.operands[g.gate].bits - 1));
      g.shift = static_cast<unsigned>(o.u64("shift", 0, 47));
      o.finish();
      l.gated.push_back(g);
    }
  }
  r.finish();

  // Capacity: products a lane can accumulate before its clean field overflows.
  l.lanes = static_cast<unsigned>(l.lane.size());
  l.capacity = kCapacityCap;
  for (size_t i = 0; i < l.lane.size(); ++i) {
    auto& ln = l.lane[i];
    const unsigned top = i + 1 < l.lane.size() ? l.lane[i + 1].offset + l.lane[i + 1].cancel_low_bits : 48;
    ln.usable_bits = std::min(ln.width, top > ln.offset ? top - ln.offset : 0u);
    const unsigned u = ln.usable_bits;
    int64_t lo, hi;
    if (u == 0) {
      lo = hi = 0;
    } else if (ln.bias != 0) {
      lo = -ln.bias;
      hi = (int64_t{1} << u) - 1 - ln.bias;
    } else if (ln.is_signed) {
      lo = -(int64_t{1} << (u - 1));
      hi = (int64_t{1} << (u - 1)) - 1;
    } else {
      lo = 0;
      hi = (int64_t{1} << u) - 1;
    }
    ln.capacity = u == 0 ? 0 : lane_capacity(ln.pmin, ln.pmax, lo, hi);
    l.capacity = std::min(l.capacity, ln.capacity);
  }
  return l;
}

PackingLayout load_layout_file(const std::string& path) { return parse_layout(load_json_file(path), path); }

// ---- evaluation -----------------------------------------------------------------------

PortValues pack_ports(const PackingLayout& l, const OperandValues& v, bool corrected, bool first) {
  PortValues p;
  for (size_t i = 0; i < l.operands.size(); ++i) {
    const auto& op = l.operands[i];
    const int64_t s = v[i] * (int64_t{1} << op.shift);
    if (op.port == Port::A) p.a += s;
    else if (op.port == Port::D) p.d += s;
    else p.b += s;
  }
  for (const auto& g : l.gated)
    if ((v[g.gate] >> g.gate_bit) & 1) p.c += v[g.operand] * (int64_t{1} << g.shift);
  if (corrected) {
    for (const auto& ln : l.lane)
      if (ln.cancel_low_bits) p.c -= low_bits(ln.sign * v[ln.x] * v[ln.y], ln.cancel_low_bits) << ln.offset;
    if (first) p.c += l.c_constant;
  }
  return p;
}

Dsp48e2Config dsp_config(const PackingLayout& l, bool accumulate) {
  Dsp48e2Config c;
  c.use_a = c.use_d = false;
  for (const auto& op : l.operands) {
    if (op.port == Port::A) c.use_a = true;
    if (op.port == Port::D) c.use_d = true;
  }
  c.preadd_sub = l.preadd_sub;
  c.w = WMux::C;
  c.z = accumulate ? ZMux::P : ZMux::Zero;
  return c;
}

namespace {

void extract(const PackingLayout& l, int64_t P, bool corrected, const LaneValues& restore, LaneValues& out) {
  // q: floor(L / 2^offset) where L is what the lanes below hold in P.
  int64_t q = 0;
  for (size_t i = 0; i < l.lane.size(); ++i) {
    const auto& ln = l.lane[i];
    // A lane whose low c bits were cancelled is read from offset + c: the bits below belong
    // to the lane underneath (they are restored from the fabric's own copy).
    const unsigned c = corrected ? ln.cancel_low_bits : 0;
    const unsigned pos = ln.offset + c;
    int64_t shifted = P >> pos;  // P is sign-extended: arithmetic shift = floor
    if (corrected && l.borrow == Borrow::CarryBit && pos > 0) shifted += (P >> (pos - 1)) & 1;
    if (corrected && l.borrow == Borrow::Ripple) shifted -= q >> c;  // floor(L / 2^pos)
    int64_t field;
    if (corrected && ln.bias != 0) field = static_cast<int64_t>(zext(shifted, ln.width)) - ln.bias;
    else field = (ln.is_signed ? sext(shifted, ln.width - c) : static_cast<int64_t>(zext(shifted, ln.width - c))) * (int64_t{1} << c);
    // Ripple: the lanes below lane i+1 hold field * 2^offset + (lanes below i), so
    // floor(L_{i+1} / 2^offset_{i+1}) = (field + q) >> (offset_{i+1} - offset_i).
    if (l.borrow == Borrow::Ripple && i + 1 < l.lane.size()) q = (field + q) >> (l.lane[i + 1].offset - ln.offset);
    if (corrected) field += restore[i];
    out[i] = field >> ln.drop;  // floor
  }
}

}  // namespace

PackedMac::PackedMac(const PackingLayout& l, bool corrected) : l_(&l), corrected_(corrected) {}

void PackedMac::reset() {
  dsp_.reset();
  n_ = 0;
  restore_.fill(0);
}

void PackedMac::add(const OperandValues& v) {
  const PortValues pv = pack_ports(*l_, v, corrected_, n_ == 0);
  Dsp48e2Inputs in;
  in.a = pv.a;
  in.b = pv.b;
  in.c = pv.c;
  in.d = pv.d;
  dsp_.clock(dsp_config(*l_, true), in);
  if (corrected_)
    for (size_t i = 0; i < l_->lane.size(); ++i) {
      const auto& ln = l_->lane[i];
      if (ln.cancel_low_bits) restore_[i] += low_bits(ln.sign * v[ln.x] * v[ln.y], ln.cancel_low_bits);
    }
  ++n_;
}

void PackedMac::extract(LaneValues& out) const { dsp::extract(*l_, dsp_.p(), corrected_, restore_, out); }

void evaluate(const PackingLayout& l, const OperandValues& v, bool corrected, LaneValues& out) {
  const PortValues pv = pack_ports(l, v, corrected, true);
  const Dsp48e2Config cfg = dsp_config(l, false);
  const int64_t m = Dsp48e2::multiply(Dsp48e2::preadd(cfg, pv.a, pv.d), pv.b);
  const int64_t P = sext(m + sext(pv.c, 48), 48);  // same as Dsp48e2::clock with W=C, Z=0
  LaneValues restore{};
  if (corrected)
    for (size_t i = 0; i < l.lane.size(); ++i) {
      const auto& ln = l.lane[i];
      if (ln.cancel_low_bits) restore[i] = low_bits(ln.sign * v[ln.x] * v[ln.y], ln.cancel_low_bits);
    }
  extract(l, P, corrected, restore, out);
}

void reference(const PackingLayout& l, const OperandValues& v, LaneValues& out) {
  for (size_t i = 0; i < l.lane.size(); ++i) {
    const auto& ln = l.lane[i];
    out[i] = (ln.sign * v[ln.x] * v[ln.y]) >> ln.drop;
  }
}

OperandValues capacity_witness(const PackingLayout& l, unsigned lane, bool want_max) {
  const auto& ln = l.lane.at(lane);
  OperandValues v{};
  const auto& X = l.operands[ln.x];
  const auto& Y = l.operands[ln.y];
  int64_t best = want_max ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  for (int64_t x : {X.min(), X.max()})
    for (int64_t y : {Y.min(), Y.max()}) {
      const int64_t p = ln.sign * x * y;
      if (want_max ? p > best : p < best) {
        best = p;
        v[ln.x] = x;
        v[ln.y] = y;
      }
    }
  return v;
}

// ---- resources ----------------------------------------------------------------------------

PeResources estimate_pe_resources(const PackingLayout& l) {
  PeResources r;
  r.lanes = l.lanes;
  r.dsp_per_product = 1.0 / l.lanes;
  for (Port p : {Port::A, Port::D, Port::B}) {
    unsigned n = 0, lo = 64, hi = 0, top_shift = 0;
    bool runtime = false;
    for (const auto& op : l.operands)
      if (op.port == p) {
        ++n;
        runtime |= !op.offline;
        lo = std::min(lo, op.shift);
        hi = std::max(hi, op.shift + op.bits);
        top_shift = std::max(top_shift, op.shift);
      }
    bool signed_below_top = false;
    for (const auto& op : l.operands)
      if (op.port == p && op.shift < top_shift && op.is_signed) signed_below_top = true;
    if (n > 1 && runtime && signed_below_top) r.luts_port_packing += std::min(hi, port_bits(p)) - lo;
  }
  for (size_t i = 0; i < l.lane.size(); ++i) {
    const auto& ln = l.lane[i];
    const unsigned c = ln.cancel_low_bits;
    r.luts_cancel += c * (c + 1) / 2;
    if (i == 0) continue;
    if (l.borrow == Borrow::CarryBit) r.luts_borrow += ln.width - ln.drop;
    if (l.borrow == Borrow::Ripple) r.luts_borrow += ln.width - ln.drop + (ln.width + 5) / 6 + 1;
  }
  for (const auto& g : l.gated) r.luts_gated += (l.operands[g.operand].bits + 1) / 2;
  r.luts_total = r.luts_port_packing + r.luts_cancel + r.luts_borrow + r.luts_gated;
  return r;
}

unsigned dsps_for_products(const PackingLayout& l, unsigned products) {
  return (products + l.lanes - 1) / l.lanes;
}

}  // namespace skipopu::dsp

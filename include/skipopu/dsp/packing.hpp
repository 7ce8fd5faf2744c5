// Packing layouts: several narrow multiplications in one DSP48E2, described as data.
//
// A layout (configs/dsp_layouts/*.json, compiled into the library as the builtin set)
// places operands on the A, D and B ports at bit offsets; the DSP computes
//   P = (D +/- A) * B + C   (+ P when accumulating),
// so every pair (x on A/D, y on B) lands in P at offset shift(x)+shift(y). Each such
// pair is a lane: a field of P with an offset, a width, a signedness and a number of
// truncated LSBs (`drop`). Corrections (each switchable off for the error analysis):
//   - borrow "carry_bit": lane i adds P bit (offset_i - 1) (WP486 sign fix, WP521 carry-in);
//   - borrow "ripple": lane i removes q_i = floor(L_i / 2^offset_i), L_i being what the
//     lanes below hold in P; q_{i+1} = (T_i + q_i) >> (offset_{i+1} - offset_i) from the
//     lane-below value T_i, so it is exact for overlapping lanes (q is -1, 0 or +1);
//   - "cancel_low_bits" (per lane): the lane's low c product bits, (x mod 2^c)(y mod 2^c)
//     mod 2^c from a small LUT multiplier, are subtracted through the C port, so that an
//     overlapping lane below sees clean bits; the lane is then read from offset + c and
//     the cancelled bits are added back at extraction;
//   - "c_constant" + lane "bias": an offset-binary constant through the C port makes all
//     lanes non-negative (no borrows); extraction subtracts the bias (MSB inversion).
// Structural C-port terms ("c_gated": operand * bit(gate) << shift) are always applied,
// e.g. to undo the 27-bit pre-adder wrap of an FP16 mantissa with its hidden bit.
// Abstracted away: which pipeline stage the fabric logic sits in, and routing.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/dsp/dsp48e2.hpp"
#include "skipopu/json_reader.hpp"

namespace skipopu::dsp {

constexpr unsigned kMaxOperands = 8;
constexpr unsigned kMaxLanes = 8;

enum class Port : uint8_t { A, D, B };
enum class Borrow : uint8_t { None, CarryBit, Ripple };

struct PackOperand {
  std::string name;
  unsigned bits = 0;       // 1..18
  bool is_signed = false;
  Port port = Port::B;
  unsigned shift = 0;      // bit offset inside the port
  bool offline = false;    // packed ahead of time (weights): no fabric adder for the port
  int64_t min() const { return is_signed ? -(int64_t{1} << (bits - 1)) : 0; }
  int64_t max() const { return is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1; }
};

struct PackLane {
  std::string name;
  unsigned x = 0, y = 0;     // operand indices: x on A or D, y on B
  unsigned offset = 0;       // bit of P where the product's LSB lands
  unsigned width = 0;        // bits of P read for the lane: [offset, offset + width)
  unsigned drop = 0;         // truncated LSBs: the lane value is floor(field / 2^drop)
  bool is_signed = true;
  unsigned cancel_low_bits = 0;  // correction: low product bits removed via C, restored at extraction
  int64_t bias = 0;              // correction: offset-binary bias (needs c_constant)
  int sign = 1;                  // -1 when x is on A and the pre-adder subtracts
  int64_t pmin = 0, pmax = 0;    // range of sign * x * y
  unsigned usable_bits = 0;      // clean bits before the next lane (or P's top) starts
  unsigned capacity = 0;         // products this lane can accumulate exactly
};

struct GatedTerm {  // C += operand * bit(gate, gate_bit) << shift  (structural, always on)
  unsigned operand = 0, gate = 0, gate_bit = 0, shift = 0;
};

struct PackingLayout {
  std::string name;
  unsigned lanes = 0;          // == lane.size()
  std::string description;
  std::string source;          // where the scheme comes from
  std::string file;            // where it was parsed from
  std::vector<PackOperand> operands;
  std::vector<PackLane> lane;  // sorted by offset
  bool preadd_sub = false;
  Borrow borrow = Borrow::None;
  int64_t c_constant = 0;      // correction: added once (first product of an accumulation)
  std::vector<GatedTerm> gated;
  bool claims_exact = false;   // corrected lanes equal floor(sum(x*y) / 2^drop) for every input
  unsigned capacity = 0;       // min over lanes: products accumulable in P before overflow
  unsigned operand_bits() const;  // sum of operand widths (log2 of the exhaustive case count)
};

// Parses and validates one layout; InputError names file, JSON path and what was expected.
PackingLayout parse_layout(const Json& doc, const std::string& file);
PackingLayout load_layout_file(const std::string& path);

// The layouts shipped in configs/dsp_layouts/ (compiled in). Unknown name: InputError
// listing the valid ones.
const PackingLayout& builtin_layout(const std::string& name);
std::vector<std::string> builtin_layout_names();  // sorted

// ---- bit-accurate evaluation ----------------------------------------------------------
using OperandValues = std::array<int64_t, kMaxOperands>;  // indexed like layout.operands
using LaneValues = std::array<int64_t, kMaxLanes>;        // indexed like layout.lane

// Port values (before the DSP truncates them to the port width).
struct PortValues { int64_t a = 0, d = 0, b = 0, c = 0; };
// Ports for one product set; `corrected` adds cancel terms (and c_constant if `first`).
PortValues pack_ports(const PackingLayout& l, const OperandValues& v, bool corrected, bool first);
// DSP configuration the layout uses (Z = P when accumulating).
Dsp48e2Config dsp_config(const PackingLayout& l, bool accumulate);

// Accumulates product sets in one DSP48E2 (P feedback) and extracts the lanes.
class PackedMac {
 public:
  PackedMac(const PackingLayout& l, bool corrected);
  void reset();
  void add(const OperandValues& v);        // one DSP cycle
  void extract(LaneValues& out) const;     // lane values of the current P
  int64_t p() const { return dsp_.p(); }
  unsigned count() const { return n_; }

 private:
  const PackingLayout* l_;
  bool corrected_;
  Dsp48e2 dsp_;
  unsigned n_ = 0;
  LaneValues restore_{};  // accumulated cancelled low bits per lane
};

// Single product set, not accumulated: P = (D +/- A) * B + C, then extraction.
void evaluate(const PackingLayout& l, const OperandValues& v, bool corrected, LaneValues& out);
// The intended lane values: floor(sign * sum(x*y) / 2^drop) for one product set.
void reference(const PackingLayout& l, const OperandValues& v, LaneValues& out);

// Operands at a corner of their ranges that make lane `lane`'s product extreme
// (`want_max`); used to verify lane capacity.
OperandValues capacity_witness(const PackingLayout& l, unsigned lane, bool want_max);

// ---- resource model --------------------------------------------------------------------
// Per PE (one DSP48E2 with its packing logic). LUT counts are a first-order model, to be
// calibrated against synthesis (see docs/dsp.md "Resource model"):
//   port packing adder:   n LUTs for an n-bit fabric adder (a port holding >1 run-time
//                         operand, with a signed operand not at the top);
//   cancel_low_bits c:    c*(c+1)/2 LUTs (low half of a c x c multiplier);
//   borrow carry_bit:     (width - drop) LUTs per upper lane (incrementer);
//   borrow ripple:        (width - drop) + ceil(width/6) + 1 LUTs per upper lane;
//   c_gated term:         ceil(bits/2) LUTs (AND gates, two per dual-output LUT6);
//   bias, c_constant:     0 (MSB inversion and a constant on C / RND).
struct PeResources {
  unsigned dsps = 1;
  unsigned lanes = 0;
  double dsp_per_product = 0;
  unsigned luts_port_packing = 0;
  unsigned luts_cancel = 0;
  unsigned luts_borrow = 0;
  unsigned luts_gated = 0;
  unsigned luts_total = 0;
};
PeResources estimate_pe_resources(const PackingLayout& l);
// DSPs needed for `products` multiplications per cycle: ceil(products / lanes).
unsigned dsps_for_products(const PackingLayout& l, unsigned products);

}  // namespace skipopu::dsp

// Byte sizes of what a model keeps in memory: the one source for the memory map, the
// controller's workload counters, the overlay compiler and both baselines (the GPU replay
// and the FPGA peers' dense-token normalisation). Each size is rounded up to whole bytes.
//
// Models: a weight matrix (K inputs x N outputs, `bits` per weight plus per-group
// metadata: a scale and a zero point per group of group_size weights along K), one K/V
// entry (K and V of one token at one layer), one module's router weights (d -> 2), one
// embedding row; and the shapes of a Llama-style layer's matrices in HBM storage order.
// Abstracts away: padding and placement (the memory map pads slices to AXI beats and
// stripes regions; those are layout, not size).
#pragma once
#include <array>
#include <cstdint>

#include "skipopu/config.hpp"
#include "skipopu/model_card.hpp"

namespace skipopu::sizes {

inline uint64_t bits_to_bytes(uint64_t bits) { return (bits + 7) / 8; }

// K x N matrix of `bits`-bit weights plus `meta_bits` per group of `group_size` weights
// along K (group_size 0: one group per output column).
inline uint64_t matrix_bytes(uint64_t k, uint64_t n, uint32_t bits, uint32_t group_size, uint32_t meta_bits) {
  const uint64_t groups = (group_size == 0 ? 1 : (k + group_size - 1) / group_size) * n;
  return bits_to_bytes(k * n * bits + groups * meta_bits);
}
// The same in the overlay's weight format (fixed point: every group carries its scale and
// zero point, whatever the width). `bits` overrides the weight width (LM head).
inline uint64_t matrix_bytes(const WeightFormat& f, uint64_t k, uint64_t n, uint32_t bits) {
  return matrix_bytes(k, n, bits, f.group_size, f.scale_bits + f.zero_point_bits);
}

// One K/V entry: K and V (2 * kv_dim elements) of one token at one layer.
inline uint64_t kv_entry_bytes(const ModelCard& m, uint32_t element_bits) {
  return bits_to_bytes(2ull * m.kv_dim() * element_bits);
}
// The router weights of one module: a d x 2 matrix (no group metadata).
inline uint64_t router_weight_bytes(uint64_t d, uint32_t weight_bits) { return bits_to_bytes(2ull * d * weight_bits); }
// One row of the embedding table.
inline uint64_t embedding_row_bytes(const ModelCard& m, uint32_t element_bits) {
  return bits_to_bytes(uint64_t(m.d_model) * element_bits);
}

// The weight matrices of one decoder layer, in HBM storage order (K/V projection first, so
// the dense K/V policy can stream it alone), and the LM head.
enum LayerMatrix { kKvProj, kQProj, kOProj, kGateUp, kDown, kLayerMatrices };
struct MatrixShape {
  const char* name;
  uint64_t k, n;
};
inline std::array<MatrixShape, kLayerMatrices> layer_matrices(const ModelCard& m) {
  const uint64_t d = m.d_model;
  return {{{"kv_proj", d, 2ull * m.kv_dim()},
           {"q_proj", d, m.q_dim()},
           {"o_proj", m.q_dim(), d},
           {"gate_up", d, 2ull * m.d_ff},
           {"down", m.d_ff, d}}};
}
inline MatrixShape lm_head(const ModelCard& m) { return {"lm_head", m.d_model, m.vocab}; }

}  // namespace skipopu::sizes

// FPGA resource model: DSP48E2, LUT, FF, BRAM36 and URAM288 of one hardware config, per
// component, against a device card (models/fpga/u280-device.json). The coefficients are data
// (models/fpga/resource-model.json); derivation and calibration in docs/resources.md.
//
//   PE array   DSP = ceil(rows*cols / lanes(layout_fp16_int4)) + dsp_per_row*rows
//              LUT/FF = per_product*rows*cols + per_row*rows ; BRAM = weight double buffer
//   router     per lane + fixed (synthesised); BRAM for on-chip router weights
//   nonlinear  one shared unit: per lane * max elems_per_cycle + fixed (synthesised)
//   KV buffer  URAM = kv_buffer.urams; LUT/FF per URAM (address and read muxes)
//   HBM ports  per pseudo-channel (AXI master, DMA engine, FIFOs)
//   controller, shell: constants
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/config.hpp"
#include "skipopu/json_reader.hpp"

namespace skipopu::baselines {

enum Res { kDsp = 0, kLut, kFf, kBram, kUram, kResCount };
const char* res_name(int r);  // "dsp", "lut", "ff", "bram36", "uram"

struct DeviceCard {
  std::string name, part, file;
  double total[kResCount] = {0, 0, 0, 0, 0};
  double max_utilisation = 1.0;  // a point fits when every resource <= total * this
  Json sources;
};
DeviceCard load_device_card(const std::string& path);

struct ResourceCoefficients {
  std::string file;
  // per resource kind (index Res)
  double pe_per_product[kResCount] = {};
  double pe_per_row[kResCount] = {};
  double pe_per_col[kResCount] = {};  // per column of the array (activation registers, exponent tree)
  double pe_fixed[kResCount] = {};    // once per array (sequencer)
  double router_per_lane[kResCount] = {};  // times router.lanes
  double router_fixed[kResCount] = {};
  double router_weight_bram36 = 0;  // when router.weights_on_chip
  // One shared nonlinear unit (as gen-rtl generates it): its width is the largest
  // nonlinear.<op>.elems_per_cycle.
  double nl_per_lane[kResCount] = {};
  double nl_fixed[kResCount] = {};
  double kv_per_uram[kResCount] = {};
  double hbm_per_port[kResCount] = {};
  double controller[kResCount] = {};
  double shell[kResCount] = {};
  double bram36_bytes = 4608;  // usable bytes of one BRAM36 (36 Kb incl. parity: 32 Kb data)
  uint32_t weight_buffers = 2;  // double buffering of the weight prefetch window
};
ResourceCoefficients load_resource_coefficients(const std::string& path);

struct ResourceLine {
  std::string component;
  double v[kResCount] = {};
};

struct ResourceEstimate {
  std::vector<ResourceLine> lines;
  uint64_t total[kResCount] = {};
  double utilisation[kResCount] = {};
  bool fits = false;
  std::vector<std::string> notes;  // e.g. config dsps disagrees with the layout
  std::string device;
  Json to_json() const;
  std::string text() const;
};

ResourceEstimate estimate_resources(const HardwareConfig& c, const ResourceCoefficients& k, const DeviceCard& d);

}  // namespace skipopu::baselines

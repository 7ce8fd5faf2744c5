// HBM parameters: organisation, clocks, AXI ports and switch, controller policy and the
// declarative DRAM timing table. Loaded from JSON presets in configs/hbm/ (see docs/hbm.md
// for every key) and embedded in the top-level hardware config as an "hbm" section.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "skipopu/hbm/hbm_model.hpp"
#include "skipopu/json_reader.hpp"

namespace skipopu::hbm {

// DRAM timing table, all values in device clock cycles (tCK).
struct Timing {
  uint32_t tRCDRD = 0, tRCDWR = 0, tRP = 0, tRAS = 0, tRC = 0;
  uint32_t tCL = 0, tCWL = 0, tCCD_S = 0, tCCD_L = 0, tRRD_S = 0, tRRD_L = 0, tFAW = 0;
  uint32_t tWR = 0, tWTR_S = 0, tWTR_L = 0, tRTP = 0, tRTW = 0, tRFC = 0, tREFI = 0;
  uint32_t tRFCsb = 0;  // per-bank refresh (REFsb) to ACT of the same bank
  uint32_t tRREFD = 0;  // REFsb to REFsb or ACT of another bank
  uint32_t BL = 4;  // burst length in data beats (DDR: BL/2 tCK on the data bus)
  uint32_t burst_cycles() const { return BL / 2; }
};

// One field of the address map, LSB first after the beat offset.
enum class AddrField : uint8_t { Row, Column, BG, BA };
struct AddrBit {
  AddrField field;
  uint8_t index;  // bit index inside BG/BA (bg0 = 0); ignored for Row/Column (whole field)
};

struct HbmParams {
  std::string model = "burst";  // "burst" | "bank"
  std::string preset_name;      // preset's "name"

  // organisation
  uint32_t pseudo_channels = 32;
  uint32_t ports = 32;
  uint64_t pc_bytes = 256ull << 20;
  uint32_t bank_groups = 4;
  uint32_t banks_per_group = 4;
  uint32_t row_bytes = 1024;
  uint32_t beat_bytes = 32;

  // clocks: device cycles per AXI cycle = dev_num / dev_den (exact rational)
  double axi_mhz = 450.0;
  double device_mhz = 900.0;
  uint32_t dev_num = 2, dev_den = 1;

  // AXI ports and switch
  uint32_t max_burst_beats = 16;   // AXI3: 1..16
  uint32_t ports_per_switch = 4;   // ports of one switch (port p is on switch p / ports_per_switch)
  uint32_t pcs_per_switch = 4;     // PCs of one switch
  uint32_t hop_latency = 0;        // extra AXI cycles per switch crossed, each way
  uint32_t lateral_beats = 1;      // a lateral link carries lateral_beats beats ...
  uint32_t lateral_cycles = 1;     // ... every lateral_cycles AXI cycles
  uint32_t lateral_links = 1;      // lateral connections per switch boundary (divides ports_per_switch)
  uint32_t lateral_write_gap = 0;  // dead AXI cycles on a connection's write path when its master changes
  uint32_t read_latency = 0;       // fixed controller/PHY/switch pipeline, AXI cycles (reads)
  uint32_t write_latency = 0;      // same, for the write response
  // The design's AXI masters, not the HBM IP (a top config's hbm.master_ar_cycles, required
  // there; never in a preset): AXI cycles between a master's successive burst addresses, so the
  // port stage sends a request's burst k at base + k x master_ar_cycles. A preset alone (the HBM
  // tools, traffic generators on the AXI clock) leaves 1: one address an AXI cycle.
  uint32_t master_ar_cycles = 1;
  // The design's AXI read masters again (a top config's hbm.master_command_gap_cycles, required
  // there; never in a preset): AXI cycles a port's read master leaves between a command's last
  // burst address and the next command's first (the generated skipopu_axi_rd_master takes a new
  // command only once every burst address of the one before has gone: one core cycle). The port
  // stage's read address channel is free again at base + bursts x master_ar_cycles + this. Reads
  // only (the write master waits for every response, not modelled). A preset alone leaves 0.
  uint32_t master_command_gap = 0;
  // AXI front end (src/hbm/axi_frontend.hpp), per port: ID ordering, outstanding limits
  enum class IdOrdering : uint8_t { None, PerIdInOrder, SingleSlavePerId };
  IdOrdering id_ordering = IdOrdering::None;  // none | per_id_in_order | single_slave_per_id
  uint32_t ids_per_port = 64;          // AXI IDs a port may use (0 .. ids_per_port-1)
  uint32_t max_outstanding_reads = 0;  // per port; 0: unlimited
  uint32_t max_outstanding_writes = 0; // per port; 0: unlimited
  uint32_t release_cycles = 1;         // response at t frees its slot / ID for an issue at t + release_cycles
  bool axi_front_end() const {
    return id_ordering != IdOrdering::None || max_outstanding_reads != 0 || max_outstanding_writes != 0;
  }

  // controller
  enum class Scheduler : uint8_t { Fcfs, FrFcfs, FrFcfsCap };
  Scheduler scheduler = Scheduler::FrFcfs;
  uint32_t row_hit_cap = 0;   // frfcfs_cap: row hits that may bypass an older miss to the same bank
  enum class RefreshMode : uint8_t { AllBank, PerBank };
  RefreshMode refresh_mode = RefreshMode::AllBank;
  bool open_page = true;
  uint32_t read_queue = 16;   // entries (AXI bursts)
  uint32_t write_queue = 16;
  uint32_t write_high = 12;   // switch to writes at this many queued writes
  uint32_t write_low = 4;     // back to reads at this many
  // Starvation bound (0: none): after this many bursts of one direction served while bursts of
  // the other wait and none of them is served, the controller serves the other direction until
  // one of its bursts is done (then the watermarks again)
  uint32_t starvation_limit = 0;
  bool refresh = true;
  std::vector<AddrBit> mapping;      // LSB first; row/column appear once as whole fields
  std::vector<std::string> mapping_names;  // as written (MSB first), for reports

  Timing timing;

  // simulator switches (preset section "simulator"; not hardware facts)
  bool fast_path = true;  // incremental scheduler and timing registers (false: full scans, table-driven)
  bool stream_extrapolation = true;  // fast path: replay memoised steady-state stretches of long streams
  uint64_t memo_nodes = 65536;       // stream memo capacity in states (about 1.1 KB each); work, not results

  // "burst" model
  uint32_t burst_latency = 48;  // AXI cycles from service start to the first beat

  uint32_t banks() const { return bank_groups * banks_per_group; }
  uint64_t rows() const { return pc_bytes / (uint64_t(row_bytes) * banks()); }
  uint32_t columns() const { return row_bytes / beat_bytes; }
  double peak_bytes_per_s() const { return double(pseudo_channels) * beat_bytes * axi_mhz * 1e6; }
};

// Parses a whole preset document (configs/hbm/*.json schema). `file` names it in errors.
HbmParams parse_hbm_preset(const Json& doc, const std::string& file);
HbmParams load_hbm_preset(const std::string& path);

// Parses the top-level config's "hbm" section:
//   { "model": "burst"|"bank", "preset": "u280" | "path/to/file.json",
//     "overrides": { <any preset keys, deep-merged> }          (optional)
//     "pseudo_channels": N, "ports": N }                        (optional)
// A bare preset name is looked up as <data_dir>/configs/hbm/<name>.json.
HbmParams parse_hbm_params(JsonReader& hbm_section, const std::string& data_dir);

// Path of a preset given by name or path.
std::string resolve_hbm_preset(const std::string& preset, const std::string& data_dir);

// Checks cross-field consistency; throws InputError naming `file`.
void validate_hbm_params(const HbmParams& p, const std::string& file);

// Builds the model named by p.model, wrapped in the AXI front end when p.axi_front_end().
std::unique_ptr<Model> make_model(const HbmParams& p);

}  // namespace skipopu::hbm

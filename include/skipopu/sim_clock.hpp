// Time in the SystemC model.
//
// The core clock is the simulation's master clock: SystemC time is always a whole number
// of core periods (the period rounded to 1 ps, the kernel's resolution), so every cycle
// count the model reports is an exact integer. Other clocks (the HBM AXI port clock, and
// the DRAM device clock inside the HBM model) keep their own integer cycle counts and meet
// the core clock only at clock-domain crossings, converted with exact integer arithmetic
// (ClockCrossing) -- never through rounded picoseconds.
#pragma once
#include <cstdint>
#include <systemc>

namespace skipopu {

class CoreClock {
 public:
  explicit CoreClock(uint64_t core_hz);
  uint64_t hz() const { return hz_; }
  uint64_t now() const;                       // current core cycle
  sc_core::sc_time cycles(uint64_t n) const;  // duration of n core cycles
  void wait_until(uint64_t cycle) const;      // blocks the calling thread until `cycle`

 private:
  uint64_t hz_;
  uint64_t period_ps_;
};

// Exact conversion between core cycles and AXI cycles, with `sync` synchroniser cycles of
// the receiving clock on each crossing.
struct ClockCrossing {
  uint64_t core_hz = 0, axi_hz = 0;
  uint32_t sync = 0;
  // AXI cycle at which a request issued at core cycle c is presented at the port.
  uint64_t to_axi(uint64_t c) const;
  // Core cycle at which data completed at AXI cycle a is visible to the core.
  uint64_t to_core(uint64_t a) const;
  // Latest AXI cycle whose completions are visible at core cycle c (see to_core).
  uint64_t visible_axi(uint64_t c) const;
  // First core cycle c whose request reaches the port by AXI cycle a (to_axi(c) >= a).
  uint64_t first_core_at(uint64_t a) const;
};

}  // namespace skipopu

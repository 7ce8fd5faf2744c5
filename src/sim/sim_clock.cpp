#include "skipopu/sim_clock.hpp"

namespace skipopu {

using u128 = unsigned __int128;

CoreClock::CoreClock(uint64_t core_hz)
    : hz_(core_hz), period_ps_((1000000000000ull + core_hz / 2) / core_hz) {
  // The kernel's resolution must be 1 ps for cycles() to be exact (the default).
  sc_assert(sc_core::sc_get_time_resolution() == sc_core::sc_time(1, sc_core::SC_PS));
}

uint64_t CoreClock::now() const { return sc_core::sc_time_stamp().value() / period_ps_; }

sc_core::sc_time CoreClock::cycles(uint64_t n) const { return sc_core::sc_time::from_value(n * period_ps_); }

void CoreClock::wait_until(uint64_t cycle) const {
  const uint64_t n = now();
  if (cycle > n) sc_core::wait(cycles(cycle - n));
}

uint64_t ClockCrossing::to_axi(uint64_t c) const {
  return static_cast<uint64_t>((u128(c) * axi_hz + core_hz - 1) / core_hz) + sync;
}

uint64_t ClockCrossing::to_core(uint64_t a) const {
  return static_cast<uint64_t>((u128(a) * core_hz + axi_hz - 1) / axi_hz) + sync;
}

uint64_t ClockCrossing::first_core_at(uint64_t a) const {
  // to_axi(c) >= a  <=>  ceil(c axi / core) > a - sync - 1  <=>  c axi > (a - sync - 1) core
  if (a <= sync) return 0;
  return static_cast<uint64_t>((u128(a - sync - 1) * core_hz) / axi_hz) + 1;
}

uint64_t ClockCrossing::visible_axi(uint64_t c) const {
  if (c < sync) return 0;
  return static_cast<uint64_t>((u128(c - sync) * axi_hz) / core_hz);
}

}  // namespace skipopu

// libsystemc brings its own main() that calls sc_main(); our executables have their own
// main() (the CLI, Catch2), which the linker prefers. This definition only satisfies the
// library's reference and is never called.
int sc_main(int, char**) { return 1; }

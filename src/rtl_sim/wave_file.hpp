// The --wave waveform of a verilated model, written like every result file (output_file.hpp):
// the VCD goes to PATH.tmp and is renamed to PATH only when the run finished; a run that fails
// (or a process that dies) before that leaves no half-written waveform under PATH.
// Models: no hardware; infrastructure of skipopu-rtl.
// Abstracts away: Verilator's own write errors (VerilatedVcdC reports none after open).
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "skipopu/output_file.hpp"
#include "verilated_vcd_c.h"

namespace skipopu {

class WaveFile {
 public:
  // Traces every signal of MODEL (levels 99) into PATH.tmp; OutputError when it cannot.
  template <class M>
  WaveFile(M& model, const std::string& path) : path_(path), tmp_(path + ".tmp") {
    Verilated::traceEverOn(true);
    model.trace(&vcd_, 99);
    vcd_.open(tmp_.c_str());
    if (!vcd_.isOpen()) throw OutputError(path_ + ": cannot write the waveform");
  }
  WaveFile(const WaveFile&) = delete;
  WaveFile& operator=(const WaveFile&) = delete;
  ~WaveFile() {
    if (committed_) return;
    vcd_.close();
    std::remove(tmp_.c_str());
  }

  void dump(uint64_t t) { vcd_.dump(t); }
  // The run finished: close the VCD and rename it into place.
  void commit() {
    if (committed_) return;
    vcd_.close();
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      const int e = errno;
      std::remove(tmp_.c_str());
      throw OutputError(path_ + ": cannot rename " + tmp_ + " into place (" + std::strerror(e) + ")");
    }
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  VerilatedVcdC vcd_;
  bool committed_ = false;
};

}  // namespace skipopu

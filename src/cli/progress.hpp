// The progress line of `skipopu run` on stderr: tokens done / total, simulated time, wall
// time and an ETA, rewritten in place ("\r", erase to end of line) at most `min_interval_s`
// apart, and only once the run has taken `delay_s` of wall time (short runs print nothing).
// The caller enables it only when stderr is a terminal and the run is not --quiet; it sees
// the simulation only through RunProgress (once per token), so it cannot change a result.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

#include "skipopu/skipopu_top.hpp"

namespace skipopu::cli {

class ProgressLine {
 public:
  using Clock = std::chrono::steady_clock;

  ProgressLine(std::FILE* out, double delay_s, double min_interval_s = 0.25)
      : out_(out), delay_s_(delay_s), interval_s_(min_interval_s), start_(Clock::now()) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  // A run that ends by an exception still leaves the terminal on a fresh line.
  ~ProgressLine() { finish(); }

  void update(const RunProgress& p) {
    const Clock::time_point now = Clock::now();
    if (p.decode_done == 0) {  // before the prefill and after it: decode rate starts here
      decode_t0_ = now;
      decode_t0_set_ = true;
    }
    const double wall = seconds(now - start_);
    const bool last = p.tokens_done == p.tokens_total;
    if (wall < delay_s_) return;
    if (shown_ && !last && seconds(now - last_print_) < interval_s_) return;
    last_print_ = now;
    shown_ = true;

    char eta[32] = "--";
    if (last) {
      std::snprintf(eta, sizeof eta, "0 s");
    } else if (decode_t0_set_ && p.decode_done > 0) {
      const double per_token = seconds(now - decode_t0_) / double(p.decode_done);
      format_duration(eta, sizeof eta, per_token * double(p.decode_total - p.decode_done));
    }
    char w[32];
    format_duration(w, sizeof w, wall);
    const double sim_s = p.core_hz > 0 ? double(p.cycle) / p.core_hz : 0.0;
    std::fprintf(out_, "\r[skipopu] %llu/%llu tokens, decode %llu/%llu, sim %.4f s, wall %s, ETA %s\033[K",
                 static_cast<unsigned long long>(p.tokens_done), static_cast<unsigned long long>(p.tokens_total),
                 static_cast<unsigned long long>(p.decode_done), static_cast<unsigned long long>(p.decode_total),
                 sim_s, w, eta);
    std::fflush(out_);
  }

  // Ends the line (a newline after the last update), if one was shown; idempotent.
  void finish() {
    if (!shown_ || finished_) return;
    finished_ = true;
    std::fputc('\n', out_);
    std::fflush(out_);
  }

  bool shown() const { return shown_; }

 private:
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  static void format_duration(char* buf, size_t n, double s) {
    if (s < 60) std::snprintf(buf, n, "%.1f s", s);
    else if (s < 3600) std::snprintf(buf, n, "%dm%02ds", int(s) / 60, int(s) % 60);
    else std::snprintf(buf, n, "%dh%02dm", int(s) / 3600, (int(s) % 3600) / 60);
  }

  std::FILE* out_;
  double delay_s_, interval_s_;
  Clock::time_point start_, last_print_{}, decode_t0_{};
  bool decode_t0_set_ = false, shown_ = false, finished_ = false;
};

}  // namespace skipopu::cli

// Shared plumbing of the libFuzzer harnesses (tests/fuzz/README.md). An input must end in
// success or in an InputError whose message is one line; anything else (another exception,
// a sanitizer report, a crash, a hang) is a finding.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "skipopu/error.hpp"

namespace fuzz {

// A scratch folder of this process (libFuzzer may run several jobs at once).
inline const std::string& scratch() {
  static const std::string dir = [] {
    char t[] = "/tmp/skipopu-fuzz-XXXXXX";
    if (!mkdtemp(t)) std::abort();
    return std::string(t);
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "FUZZ FINDING: %s: %s\n", what, detail.c_str());
  std::abort();
}

// Runs `body`; an InputError must be one line, any other exception is a finding.
template <class F>
void expect_input_error_or_ok(F&& body) {
  try {
    body();
  } catch (const skipopu::InputError& e) {
    const std::string m = e.what();
    if (m.empty() || m.find('\n') != std::string::npos) finding("InputError not one line", m);
  } catch (const std::exception& e) {
    finding("exception other than InputError", e.what());
  }
}

}  // namespace fuzz

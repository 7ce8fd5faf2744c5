#pragma once
#include <string>
#include <vector>

#include "skipopu/config.hpp"

namespace skipopu::test {

inline std::string data(const std::string& rel) { return std::string(SKIPOPU_DATA_DIR) + "/" + rel; }

inline HardwareConfig default_config(const std::vector<std::string>& sets = {}) {
  return load_hardware_config(data("configs/u280.json"), sets, SKIPOPU_DATA_DIR);
}

// Writes `text` to a fresh file under the build tree and returns its path.
std::string temp_file(const std::string& name, const std::string& text);

// Message of the InputError thrown by f, or "" if none was thrown.
template <class F>
std::string input_error(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace skipopu::test

#include "sim_test_util.hpp"

#include <fstream>

namespace skipopu::test {

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = std::string(SKIPOPU_BINARY_DIR) + "/test_tmp_" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

}  // namespace skipopu::test

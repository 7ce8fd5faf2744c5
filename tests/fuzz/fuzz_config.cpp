// Hardware config loader: the input is a config file, optionally followed by "\n--set\n" and
// one override per line. The config may name "base.json" (a copy of configs/u280.json) as
// its base, and its "hbm" section any shipped preset.
#include <fstream>
#include <sstream>

#include "fuzz_common.hpp"
#include "skipopu/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool base_written = [] {
    std::ifstream in(std::string(SKIPOPU_DATA_DIR) + "/configs/u280.json", std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string t = ss.str();
    fuzz::write_scratch("base.json", reinterpret_cast<const uint8_t*>(t.data()), t.size());
    return true;
  }();
  (void)base_written;
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t sep = in.find("\n--set\n");
  const std::string cfg = in.substr(0, sep);
  std::vector<std::string> sets;
  if (sep != std::string::npos) {
    std::istringstream rest(in.substr(sep + 7));
    std::string line;
    while (std::getline(rest, line) && sets.size() < 16) sets.push_back(line);
  }
  const std::string path = fuzz::write_scratch("config.json", reinterpret_cast<const uint8_t*>(cfg.data()), cfg.size());
  fuzz::expect_input_error_or_ok([&] { skipopu::load_hardware_config(path, sets, SKIPOPU_DATA_DIR); });
  return 0;
}

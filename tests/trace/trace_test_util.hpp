// Helpers shared by the trace tests.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "skipopu/model_card.hpp"

namespace trace_test {

// A fresh scratch directory per test case (CTest runs test cases in parallel processes).
inline std::string scratch(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(SKIPOPU_BINARY_DIR) / "trace-test-scratch";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

inline std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = scratch(name);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string data(const std::string& rel) { return std::string(SKIPOPU_DATA_DIR) + "/" + rel; }

inline skipopu::ModelCard model(const std::string& name) {
  return skipopu::load_model_card(data("models/" + name + ".json"));
}

}  // namespace trace_test

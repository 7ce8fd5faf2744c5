// Result files are written atomically: to FILE.tmp, then renamed, so a reader never sees
// a half-written file (also when the process is killed).
#pragma once
#include <cstdio>
#include <fstream>
#include <string>

#include "commands.hpp"

namespace skipopu::cli {

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw OutputError(path + ": cannot open for writing");
    out << content;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw OutputError(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw OutputError(path + ": cannot rename " + tmp + " into place");
  }
}

}  // namespace skipopu::cli

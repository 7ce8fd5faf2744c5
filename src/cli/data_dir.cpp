#include "data_dir.hpp"

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "skipopu/error.hpp"

namespace skipopu::cli {

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string executable_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string p(buf, size_t(n));
  return p.substr(0, p.rfind('/'));
}

}  // namespace

std::string find_data_dir(const std::string& explicit_dir) {
  const char* hint = "a directory holding models/ and configs/ (pass --data-dir DIR or set SKIPOPU_DATA_DIR)";
  if (!explicit_dir.empty()) {
    if (!is_dir(explicit_dir + "/models")) throw InputError("--data-dir " + explicit_dir + ": expected " + hint);
    return explicit_dir;
  }
  if (const char* env = std::getenv("SKIPOPU_DATA_DIR"); env && *env) {
    if (!is_dir(std::string(env) + "/models"))
      throw InputError(std::string("SKIPOPU_DATA_DIR=") + env + ": expected " + hint);
    return env;
  }
  std::string dir = executable_dir();
  for (int up = 0; up < 4 && !dir.empty(); ++up) {
    if (is_dir(dir + "/share/skipopu/models")) return dir + "/share/skipopu";
    dir = dir.substr(0, dir.rfind('/'));
  }
  throw InputError("cannot find the data directory (no share/skipopu next to the executable " + executable_dir() +
                   " or above it): expected " + hint);
}

}  // namespace skipopu::cli

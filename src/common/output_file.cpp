#include "skipopu/output_file.hpp"

#include <cerrno>
#include <cstring>

namespace skipopu {

namespace {
std::string reason(int err) { return err ? std::string(" (") + std::strerror(err) + ")" : std::string(); }
}  // namespace

AtomicOutputFile::AtomicOutputFile(const std::string& path) : path_(path), tmp_(path + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw OutputError(path_ + ": cannot open " + tmp_ + " for writing" + reason(errno));
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!committed_) discard();
}

void AtomicOutputFile::discard() {
  if (f_) std::fclose(f_);
  f_ = nullptr;
  std::remove(tmp_.c_str());
}

void AtomicOutputFile::write(const char* data, size_t n) {
  if (failed_ || committed_ || n == 0) return;
  if (std::fwrite(data, 1, n, f_) != n) {
    failed_ = true;
    err_ = errno;
  }
}

void AtomicOutputFile::commit() {
  if (committed_) return;
  if (!failed_ && std::fflush(f_) != 0) {
    failed_ = true;
    err_ = errno;
  }
  if (!failed_ && std::ferror(f_)) failed_ = true;
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (!failed_ && rc != 0) {
    failed_ = true;
    err_ = errno;
  }
  if (failed_) {
    std::remove(tmp_.c_str());
    throw OutputError(path_ + ": write failed" + reason(err_) + "; nothing written");
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp_.c_str());
    throw OutputError(path_ + ": cannot rename " + tmp_ + " into place" + reason(e));
  }
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicOutputFile f(path);
  f.write(content);
  f.commit();
}

}  // namespace skipopu

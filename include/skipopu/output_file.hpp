// Atomic output files: every result file the simulator writes (reports, traces, tables,
// benchmark JSON) goes through AtomicOutputFile.
// Models: no hardware; infrastructure shared by every command.
// Abstracts away: fsync (a rename is atomic for readers; durability after a power cut is not
// promised).
//
// The content is written to PATH.tmp; commit() flushes, checks every write, the flush and the
// close, and only then renames PATH.tmp to PATH. Any failure removes PATH.tmp and throws
// OutputError naming PATH (the CLI exits with status 3); a reader never sees a half-written
// or truncated file under PATH, also when the process is killed before commit().
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>

namespace skipopu {

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AtomicOutputFile {
 public:
  explicit AtomicOutputFile(const std::string& path);  // opens PATH.tmp; OutputError when it cannot
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;
  ~AtomicOutputFile();  // removes PATH.tmp unless commit() succeeded

  void write(const char* data, size_t n);  // a failed write is remembered, reported by commit()
  void write(const std::string& s) { write(s.data(), s.size()); }
  void commit();  // flush + close (both checked), then rename into place
  const std::string& path() const { return path_; }

 private:
  void discard();
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  bool failed_ = false, committed_ = false;
  int err_ = 0;  // errno of the first failure
};

// The whole content in one go.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace skipopu

// Result files are written atomically through skipopu::AtomicOutputFile (FILE.tmp, checked
// at every write, flush and close, then renamed); OutputError makes the CLI exit with 3.
#pragma once
#include "skipopu/output_file.hpp"

namespace skipopu::cli {
using skipopu::OutputError;
using skipopu::write_file_atomically;
}  // namespace skipopu::cli

// Where the binary finds its data (models/, configs/, traces/, tools/): never a path compiled
// into the binary, so an installed or relocated binary works the same as one in a build tree.
#pragma once
#include <string>

namespace skipopu::cli {

// The data directory, first match wins:
//   1. `explicit_dir` (the command's --data-dir), when not empty;
//   2. the environment variable SKIPOPU_DATA_DIR, when set and not empty;
//   3. share/skipopu in the directory of the executable or one of its three parents: the
//      installed layout PREFIX/bin/skipopu + PREFIX/share/skipopu, and the build tree, where
//      CMake links BUILD/share/skipopu to the source tree (BUILD/src/cli/skipopu).
// The result must contain models/ (1 and 2 are checked too, so a typo is one clear line);
// otherwise InputError naming the source of the path and how to set it.
std::string find_data_dir(const std::string& explicit_dir);

}  // namespace skipopu::cli

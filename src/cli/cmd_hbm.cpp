// Placeholder: replaced by the owning area.
#include <iostream>
#include "commands.hpp"
namespace skipopu::cli {
int cmd_hbm_bench(const Args&) { std::cerr << "skipopu: 'hbm_bench' is not implemented yet\n"; return kExitInternal; }
}

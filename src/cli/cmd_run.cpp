#include <iostream>
#include "commands.hpp"
namespace skipopu::cli {
int cmd_run(const Args&) { std::cerr << "skipopu: 'run' is not implemented yet\n"; return kExitInternal; }
}

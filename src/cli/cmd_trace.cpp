// Placeholder: replaced by the owning area.
#include <iostream>
#include "commands.hpp"
namespace skipopu::cli {
int cmd_gen_trace(const Args&) { std::cerr << "skipopu: 'gen_trace' is not implemented yet\n"; return kExitInternal; }
int cmd_check_trace(const Args&) { std::cerr << "skipopu: 'check_trace' is not implemented yet\n"; return kExitInternal; }
}

// Placeholder: replaced by the owning area.
#include <iostream>
#include "commands.hpp"
namespace skipopu::cli {
int cmd_resources(const Args&) { std::cerr << "skipopu: 'resources' is not implemented yet\n"; return kExitInternal; }
int cmd_compare(const Args&) { std::cerr << "skipopu: 'compare' is not implemented yet\n"; return kExitInternal; }
}

// Placeholder: replaced by the owning area.
#include <iostream>
#include "commands.hpp"
namespace skipopu::cli {
int cmd_dsp_error(const Args&) { std::cerr << "skipopu: 'dsp_error' is not implemented yet\n"; return kExitInternal; }
}

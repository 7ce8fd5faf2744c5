// Errors the simulator reports to a user.
//
// InputError: the user's input is wrong (a config, model card, trace, sweep spec or
// command line). Its message is one line that names the file, the field or line, and
// what was expected. The CLI prints it and exits with status 2 (see README "Exit codes").
// Anything else that escapes is an internal error (status 1).
#pragma once
#include <stdexcept>
#include <string>

namespace skipopu {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// "file: where: what" in one line; `where` may be empty.
[[noreturn]] void throw_input_error(const std::string& file, const std::string& where,
                                    const std::string& what);

}  // namespace skipopu

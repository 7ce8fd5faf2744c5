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

// `message` with its control characters (a line break in a JSON key, a file name or an
// argument) written as \n, \r, \t or \xNN, so that an InputError is one line whatever the
// input put in it. Other bytes (UTF-8 names) are kept.
inline std::string one_line(const std::string& message) {
  std::string out;
  out.reserve(message.size());
  for (const char ch : message) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) out += ch;
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else {
      static const char* hex = "0123456789abcdef";
      out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
  }
  return out;
}

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

// "file: where: what" in one line; `where` may be empty.
[[noreturn]] void throw_input_error(const std::string& file, const std::string& where,
                                    const std::string& what);

}  // namespace skipopu

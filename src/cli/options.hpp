// Shared Boost.Program_options plumbing for subcommands.
#pragma once
#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <typeinfo>

#include "commands.hpp"
#include "skipopu/error.hpp"

namespace skipopu::cli {

namespace po = boost::program_options;

// Boost converts "-1" into an unsigned option as 2^N - 1; a negative count or seed is an error.
inline void reject_negative_unsigned(const po::parsed_options& parsed, const po::variables_map& vm) {
  for (const auto& o : parsed.options) {
    if (o.string_key.empty() || !vm.count(o.string_key)) continue;
    const auto& t = vm[o.string_key].value().type();
    const bool is_unsigned = t == typeid(unsigned char) || t == typeid(unsigned short) || t == typeid(unsigned) ||
                             t == typeid(unsigned long) || t == typeid(unsigned long long);
    if (!is_unsigned) continue;
    for (const auto& v : o.value) {
      const size_t i = v.find_first_not_of(" \t");
      if (i != std::string::npos && v[i] == '-')
        throw InputError("command line: --" + o.string_key + ": expected a non-negative integer, got '" + v + "'");
    }
  }
}

// Boost.Program_options builds its error messages by replacing %name% placeholders until none
// is left, so an argument that contains one (e.g. an unknown option "--x%original_token%")
// never finishes (found by tests/fuzz/fuzz_hbm_args). Such arguments are refused first.
inline std::string printable(const std::string& a) {  // for messages: one line, at most 60 bytes
  std::string out;
  for (size_t i = 0; i < a.size() && i < 60; ++i) {
    const unsigned char c = static_cast<unsigned char>(a[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
  }
  return a.size() > 60 ? out + "..." : out;
}

inline void reject_placeholders(const Args& args) {
  for (const std::string& a : args) {
    for (size_t open = a.find('%'); open != std::string::npos; open = a.find('%', open + 1)) {
      const size_t close = a.find('%', open + 1);
      if (close == std::string::npos) break;
      bool word = close > open + 1;
      for (size_t i = open + 1; i < close; ++i)
        word = word && ((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z') || a[i] == '_');
      if (word)
        throw InputError("command line: '" + printable(a) + "': expected an argument without a %name% sequence (" +
                         a.substr(open, close - open + 1) + " is reserved by the option parser)");
    }
  }
}

// Parses `args` against `desc`. Returns false (and prints help) when --help was given.
// Unknown options and bad values become an InputError naming the command.
inline bool parse_options(const char* command, const Args& args, po::options_description& desc,
                          po::variables_map& vm, const char* synopsis) {
  desc.add_options()("help,h", "show this help");
  reject_placeholders(args);
  try {
    const po::parsed_options parsed = po::command_line_parser(args).options(desc).run();
    po::store(parsed, vm);
    reject_negative_unsigned(parsed, vm);
    if (vm.count("help")) {
      std::cout << "usage: skipopu " << command << " " << synopsis << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("command line: ") + e.what());
  }
  return true;
}

}  // namespace skipopu::cli

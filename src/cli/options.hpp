// Shared Boost.Program_options plumbing for subcommands.
#pragma once
#include <boost/program_options.hpp>
#include <iostream>

#include "commands.hpp"
#include "skipopu/error.hpp"

namespace skipopu::cli {

namespace po = boost::program_options;

// Parses `args` against `desc`. Returns false (and prints help) when --help was given.
// Unknown options and bad values become an InputError naming the command.
inline bool parse_options(const char* command, const Args& args, po::options_description& desc,
                          po::variables_map& vm, const char* synopsis) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
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

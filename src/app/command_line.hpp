// borealis's command line, close to HAProxy's: -f FILE (repeatable), -c to
// check, -q quiet, -db/-d accepted for scripts written for HAProxy.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace borealis::app {

struct Options {
  std::vector<std::string> config_files;
  bool check_only = false;
  bool quiet = false;
  bool show_version = false;
};

// Returns nullopt after printing help or an error; `exit_code` says how to exit.
std::optional<Options> parse_command_line(int argc, char** argv, int& exit_code);

}  // namespace borealis::app

#include "app/command_line.hpp"

#include <CLI/CLI.hpp>
#include <string_view>

namespace borealis::app {

std::optional<Options> parse_command_line(int argc, char** argv, int& exit_code) {
  // HAProxy's "-db" (foreground, no background mode) is one word; borealis
  // always runs in the foreground, so it is accepted and means nothing.
  std::vector<std::string> arguments;
  for (int i = argc - 1; i > 0; --i) {
    std::string_view word = argv[i];
    if (word == "-db" || word == "-d" || word == "-dW") continue;
    arguments.emplace_back(word);
  }

  Options options;
  CLI::App cli{"borealis: a serverless gateway for MySQL and MariaDB"};
  cli.add_option("-f", options.config_files, "configuration file (repeatable)")->take_all();
  cli.add_flag("-c", options.check_only, "check the configuration and exit (0 valid, 1 errors)");
  cli.add_flag("-q", options.quiet, "quiet: print only errors");
  cli.add_flag("-v,--version", options.show_version, "print the version and exit");
  try {
    cli.parse(std::move(arguments));
  } catch (const CLI::ParseError& error) {
    exit_code = cli.exit(error) == 0 ? 0 : 1;
    return std::nullopt;
  }
  if (options.config_files.empty() && !options.show_version) {
    std::fprintf(stderr, "%s\nborealis: no configuration file given (use -f FILE)\n",
                 cli.help().c_str());
    exit_code = 1;
    return std::nullopt;
  }
  return options;
}

}  // namespace borealis::app

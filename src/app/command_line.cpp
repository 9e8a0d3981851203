#include "app/command_line.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

namespace borealis::app {

std::optional<Options> parse_command_line(int argc, char** argv, int& exit_code) {
  // HAProxy's "-db" (foreground, no background mode) is one word; borealis
  // always runs in the foreground, so it is accepted and means nothing.
  // -sf/-st take every process ID that follows, as HAProxy's do; CLI11
  // knows only one-letter short options, so they are read here.
  Options options;
  std::vector<std::string> arguments;
  std::vector<pid_t>* pids = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "-db" || word == "-d" || word == "-dW") continue;
    if (word == "-W" || word == "-Ws") {
      options.master_worker = true;
      pids = nullptr;
      continue;
    }
    if (word == "-sf" || word == "-st") {
      pids = word == "-sf" ? &options.finish_pids : &options.terminate_pids;
      continue;
    }
    if (pids && !word.empty() && word.front() != '-') {
      pid_t pid = 0;
      auto [end, failure] = std::from_chars(word.data(), word.data() + word.size(), pid);
      if (failure != std::errc() || end != word.data() + word.size() || pid <= 0) {
        std::fprintf(stderr, "borealis: '%s' after -sf/-st is not a process ID\n", argv[i]);
        exit_code = 1;
        return std::nullopt;
      }
      pids->push_back(pid);
      continue;
    }
    pids = nullptr;
    arguments.emplace_back(word);
  }
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last first

  CLI::App cli{"borealis: a serverless gateway for MySQL and MariaDB"};
  cli.add_option("-f", options.config_files, "configuration file (repeatable)")->take_all();
  cli.add_flag("-c", options.check_only, "check the configuration and exit (0 valid, 1 errors)");
  cli.add_flag("-q", options.quiet, "quiet: print only errors");
  cli.add_flag("-v,--version", options.show_version, "print the version and exit");
  cli.footer(
      "Reload: -sf PID... starts a new process that takes the listening sockets of\n"
      "the old ones (from -x SOCKET, or the first `level admin` stats socket of the\n"
      "configuration), then tells them to finish their sessions and exit (SIGUSR1);\n"
      "-st PID... tells them to stop at once (SIGTERM).\n"
      "-W, -Ws: master-worker mode; SIGUSR2 or SIGHUP to the master reloads.");
  cli.add_option("-x", options.takeover_socket,
                 "reload: the runtime API socket to take the listening sockets from");
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

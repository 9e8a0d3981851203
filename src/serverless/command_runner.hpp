// Runs a shell command with a time limit on the control thread, collecting
// its output for the log when it fails.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "serverless/child_process.hpp"

namespace borealis::serverless {

struct CommandResult {
  bool ok = false;
  std::string error;   // "exit code 3", "timed out after 60000 ms", ...
  std::string output;  // stdout and stderr, at most the last 4 KiB
};

// `argv` runs as given; with one element it is a shell command (/bin/sh -c).
// It runs in a process group of its own: at the timeout the whole group is
// killed (what a shell started too), and reaped.
asio::awaitable<CommandResult> run_command(std::vector<std::string> argv,
                                           std::chrono::milliseconds timeout,
                                           std::string scratch_directory,
                                           std::vector<std::string> environment = {},
                                           std::optional<Identity> identity = std::nullopt);

}  // namespace borealis::serverless

#include "serverless/command_runner.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <fstream>
#include <sstream>

#include "serverless/child_process.hpp"

namespace borealis::serverless {

namespace {

constexpr std::size_t kKeptOutput = 4096;

// The end of a command's output on one line, so a log line stays one line.
std::string read_tail(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::string all = text.str();
  if (all.size() > kKeptOutput) all = all.substr(all.size() - kKeptOutput);
  while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
  std::string line;
  for (char c : all) {
    if (c == '\r') continue;
    if (c == '\n')
      line += " | ";
    else
      line += c;
  }
  return line;
}

}  // namespace

asio::awaitable<CommandResult> run_command(std::vector<std::string> argv,
                                           std::chrono::milliseconds timeout,
                                           std::string scratch_directory,
                                           std::vector<std::string> environment,
                                           std::optional<Identity> identity) {
  static std::atomic<unsigned> sequence{0};
  if (argv.size() == 1) argv = {"/bin/sh", "-c", argv[0]};
  SpawnOptions options;
  options.output_path =
      fmt::format("{}/.borealis-command-{}-{}.out", scratch_directory, ::getpid(), sequence++);
  options.argv = std::move(argv);
  options.environment = std::move(environment);
  options.identity = std::move(identity);
  options.own_process_group = true;
  options.working_directory = scratch_directory;
  CommandResult result;
  ChildProcess child;
  if (core::Status started = child.start(options); !started) {
    result.error = started.error();
    co_return result;
  }
  std::optional<ExitStatus> exit = co_await child.wait_for_exit(timeout);
  if (!exit) {
    co_await child.kill_and_reap();
    result.error = fmt::format("timed out after {} ms", timeout.count());
  } else {
    result.ok = exit->clean();
    if (!result.ok) result.error = exit->describe();
  }
  result.output = read_tail(options.output_path);
  ::unlink(options.output_path.c_str());
  co_return result;
}

}  // namespace borealis::serverless

#include "core/sleep.hpp"
#include "serverless/command_runner.hpp"

#include <signal.h>
#include <unistd.h>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "serverless/child_process.hpp"

namespace borealis::serverless {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);
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
    if (c == '\n') line += " | ";
    else line += c;
  }
  return line;
}

}  // namespace

asio::awaitable<CommandResult> run_command(std::vector<std::string> argv,
                                           std::chrono::milliseconds timeout,
                                           std::string scratch_directory,
                                           std::vector<std::string> environment) {
  static std::atomic<unsigned> sequence{0};
  if (argv.size() == 1) argv = {"/bin/sh", "-c", argv[0]};
  std::string output_path = fmt::format("{}/.borealis-command-{}-{}.out", scratch_directory,
                                        ::getpid(), sequence++);
  CommandResult result;
  ChildProcess child;
  result.error = child.start(argv, output_path, environment);
  if (!result.error.empty()) co_return result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<ExitStatus> exit;
  while (!(exit = child.poll_exit())) {
    if (std::chrono::steady_clock::now() >= deadline) {
      child.send_signal(SIGKILL);
      while (!child.poll_exit()) co_await core::sleep_for(kPollInterval);
      result.error = fmt::format("timed out after {} ms", timeout.count());
      result.output = read_tail(output_path);
      ::unlink(output_path.c_str());
      co_return result;
    }
    co_await core::sleep_for(kPollInterval);
  }
  result.output = read_tail(output_path);
  ::unlink(output_path.c_str());
  result.ok = exit->signal == 0 && exit->code == 0;
  if (!result.ok) result.error = exit->describe();
  co_return result;
}

}  // namespace borealis::serverless

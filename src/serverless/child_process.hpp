// A program borealis starts and supervises (mariadbd, a user command).
//
// Invariants, held by construction in start():
// - the child inherits no descriptor of borealis but stdin (/dev/null),
//   stdout and stderr (its output file) and the `passed_sockets`, whatever
//   borealis has open at the time (client sockets, listeners, locks);
// - it dies with borealis: the kernel sends it `parent_death_signal` when
//   the control thread that started it ends, however borealis ends;
// - when started as root with an `identity`, it never runs a single
//   instruction of the program as root;
// - every child is reaped: by poll_exit()/wait_for_exit(), or at worst by
//   the destructor, which kills what is still running.
#pragma once

#include <sys/types.h>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "serverless/program_launch.hpp"

namespace borealis::serverless {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  core::Status start(const SpawnOptions& options);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Reaps the child if it ended; returns its status then, once.
  std::optional<ExitStatus> poll_exit();
  // Waits up to `limit` for the child to end (woken by the kernel through a
  // pidfd, not by polling); returns its status once it has, else nullopt.
  asio::awaitable<std::optional<ExitStatus>> wait_for_exit(std::chrono::milliseconds limit);
  void send_signal(int signal_number);
  // The whole process group with own_process_group, else the child alone.
  void signal_group(int signal_number);
  // SIGKILL (to the group) and reap: nothing of it is left afterwards.
  asio::awaitable<ExitStatus> kill_and_reap();

 private:
  core::Status spawn(const SpawnOptions& options);
  void forget();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool own_group_ = false;
};

}  // namespace borealis::serverless

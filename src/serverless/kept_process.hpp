// A program that must be able to outlive the borealis that started it
// (mariadbd, handed to a new borealis at a reload), yet never outlive
// borealis as a whole.
//
// borealis forks a keeper, which starts the program, reaps it and holds one
// end of a lifeline (a SOCK_SEQPACKET socket pair); borealis holds the
// other. Over the lifeline borealis asks for signals and hears the
// program's start and exit status. When every holder of borealis's end is
// gone (borealis killed, or the last process of a reload exits) the keeper
// sends the program SIGTERM, waits for it and ends: the death guarantee of
// a parent-death signal, but carried by a descriptor that can be passed to
// another process (SCM_RIGHTS).
//
// Invariants, by construction:
// - the keeper holds nothing of borealis's but its lifeline (stdio is
//   /dev/null): no client socket or lock lives on in it;
// - the program inherits what ChildProcess gives a child (program_launch);
//   its parent-death signal is tied to the keeper;
// - the keeper ignores the signals a terminal or a service manager sends a
//   process group: it lives by its lifeline and its program only;
// - the keeper's lifeline end is read by one process at a time: the one
//   that runs the program's state machine. A process that hands it over
//   stops reading (let_go()).
#pragma once

#include <sys/types.h>

#include <asio/awaitable.hpp>
#include <chrono>
#include <optional>

#include "core/status.hpp"
#include "serverless/program_launch.hpp"

namespace borealis::serverless {

class KeptProcess {
 public:
  KeptProcess() = default;
  // Kills a program still running (SIGKILL, then waits for its keeper to
  // report it reaped), unless it was let go.
  ~KeptProcess();
  KeptProcess(const KeptProcess&) = delete;
  KeptProcess& operator=(const KeptProcess&) = delete;

  // Forks the keeper and returns once it reported the program's PID.
  core::Status start(const SpawnOptions& options);
  // Takes over a program another borealis started: `lifeline` (owned from
  // here) and the program's PID, as that process described them.
  core::Status adopt(int lifeline, pid_t pid);
  // Stops being this program's owner without stopping it: the lifeline is
  // closed here (another process holds it now).
  void let_go();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int lifeline() const { return lifeline_; }
  // Reads what the keeper said; the exit status once, when the program ended.
  std::optional<ExitStatus> poll_exit();
  asio::awaitable<std::optional<ExitStatus>> wait_for_exit(std::chrono::milliseconds limit);
  void send_signal(int signal_number);
  asio::awaitable<ExitStatus> kill_and_reap();

 private:
  void forget();

  pid_t pid_ = -1;
  int lifeline_ = -1;
  pid_t keeper_ = -1;  // this process's child, when it started the program
};

}  // namespace borealis::serverless

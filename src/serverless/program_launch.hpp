// Starting a program from borealis: what is built before fork() and what
// the child does between fork() and exec(). Shared by ChildProcess (a
// program borealis reaps itself) and KeptProcess (mariadbd, reaped by its
// keeper).
//
// After fork() only async-signal-safe calls are allowed (borealis has other
// threads): everything the child needs is prepared before.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace borealis::serverless {

struct ExitStatus {
  int code = 0;      // exit code, when the program exited
  int signal = 0;    // the signal that ended it, or 0
  std::string note;  // how an end was noticed without an exit status
  bool clean() const { return code == 0 && signal == 0 && note.empty(); }
  std::string describe() const;  // "exit code 1", "signal 9 (Killed)"
};

// An unprivileged account to run a child as (supplementary groups cleared).
struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

struct SpawnOptions {
  std::vector<std::string> argv;         // argv[0] is searched in PATH unless it has a '/'
  std::string output_path;               // stdout and stderr are appended here
  std::vector<std::string> environment;  // "NAME=value", added to borealis's own
  std::optional<Identity> identity;      // run as this account (borealis must be root)
  // Listening sockets handed over with systemd's socket activation protocol:
  // they become descriptors 3, 4, ... and LISTEN_FDS/LISTEN_PID are set.
  std::vector<int> passed_sockets;
  // A process group of its own, so that signal_group() reaches everything
  // the program started (a shell command's children).
  bool own_process_group = false;
  int parent_death_signal = 9;  // SIGKILL; mariadbd asks for SIGTERM (a clean stop)
  std::string working_directory;
};

// Everything the child needs, built before fork().
struct PreparedLaunch {
  std::string program;  // empty: not found
  std::vector<std::string> argument_storage, environment_storage;
  std::vector<char*> argv, envp;
  std::size_t listen_pid_index = 0;  // the LISTEN_PID= entry the child fills in
};

// Without root a program runs as borealis's own account: an identity is
// dropped when it is that account (borealis dropped its privileges to it),
// and is an error otherwise.
core::Status settle_identity(SpawnOptions& options);

PreparedLaunch prepare_launch(const SpawnOptions& options);

// In the child: descriptors, identity, death signal, then exec. `parent`
// is the process that forked it (it must still be there).
[[noreturn]] void launch_in_child(const SpawnOptions& options, PreparedLaunch& prepared,
                                  pid_t parent);

// A wait() status as an ExitStatus.
ExitStatus decode_wait_status(int status);

}  // namespace borealis::serverless

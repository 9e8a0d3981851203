// borealis's command line, close to HAProxy's: -f FILE (repeatable), -c to
// check, -q quiet, -db/-d accepted for scripts written for HAProxy; a
// reload with -sf PID... (the old processes finish their sessions) or
// -st PID... (they stop at once), and -x SOCKET, the runtime API socket
// the listening sockets are taken from; -W/-Ws, master-worker mode.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace borealis::app {

struct Options {
  std::vector<std::string> config_files;
  bool check_only = false;
  bool quiet = false;
  bool show_version = false;
  std::vector<pid_t> finish_pids;     // -sf: sent SIGUSR1 once this process listens
  std::vector<pid_t> terminate_pids;  // -st: sent SIGTERM
  std::string takeover_socket;        // -x
  bool master_worker = false;         // -W, -Ws
  bool replacing() const {
    return !finish_pids.empty() || !terminate_pids.empty() || !takeover_socket.empty();
  }
};

// Returns nullopt after printing help or an error; `exit_code` says how to exit.
std::optional<Options> parse_command_line(int argc, char** argv, int& exit_code);

}  // namespace borealis::app

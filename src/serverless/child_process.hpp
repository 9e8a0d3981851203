// A program borealis starts and supervises (mariadbd, a user command). The
// control thread polls it; nothing here blocks.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace borealis::serverless {

struct ExitStatus {
  int code = 0;    // exit code, when the program exited
  int signal = 0;  // the signal that ended it, or 0
  std::string describe() const;  // "exit code 1", "signal 9 (Killed)"
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `argv` with stdout and stderr appended to `output_path`, with
  // `extra_environment` ("NAME=value") added to borealis's own. Returns an
  // error message, or empty on success.
  std::string start(const std::vector<std::string>& argv, const std::string& output_path,
                    const std::vector<std::string>& extra_environment = {});

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Reaps the child if it ended; returns its status then, once.
  std::optional<ExitStatus> poll_exit();
  void send_signal(int signal_number);

 private:
  pid_t pid_ = -1;
};

}  // namespace borealis::serverless

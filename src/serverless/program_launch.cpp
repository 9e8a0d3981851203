#include "serverless/program_launch.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace borealis::serverless {

namespace {

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = ::getenv("PATH");
  std::string directories = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    std::size_t end = directories.find(':', start);
    if (end == std::string::npos) end = directories.size();
    std::string candidate = directories.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// Async-signal-safe helpers for the child.
void write_text(int fd, const char* text) { (void)!::write(fd, text, std::strlen(text)); }

[[noreturn]] void fail_in_child(const char* what) {
  int error = errno;
  write_text(STDERR_FILENO, "borealis: cannot start the program: ");
  write_text(STDERR_FILENO, what);
  write_text(STDERR_FILENO, ": ");
  write_text(STDERR_FILENO, ::strerror(error));  // glibc's is safe for known errno values
  write_text(STDERR_FILENO, "\n");
  ::_exit(127);
}

void write_pid(char* digits, pid_t pid) {
  char text[16];
  int length = 0;
  do {
    text[length++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  for (int i = 0; i < length; ++i) digits[i] = text[length - 1 - i];
  digits[length] = '\0';
}

}  // namespace

core::Status settle_identity(SpawnOptions& options) {
  if (!options.identity || ::geteuid() == 0) return {};
  if (options.identity->uid != ::geteuid())
    return core::fail(fmt::format("cannot start {} as '{}': borealis is not root", options.argv[0],
                                  options.identity->name));
  options.identity.reset();
  return {};
}

PreparedLaunch prepare_launch(const SpawnOptions& options) {
  PreparedLaunch prepared;
  prepared.program = find_program(options.argv[0]);
  prepared.argument_storage = options.argv;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    // A borealis started by systemd must not pass its own activation on.
    if (text.starts_with("LISTEN_FDS=") || text.starts_with("LISTEN_PID=") ||
        text.starts_with("LISTEN_FDNAMES="))
      continue;
    prepared.environment_storage.emplace_back(text);
  }
  for (const auto& entry : options.environment) prepared.environment_storage.push_back(entry);
  if (!options.passed_sockets.empty()) {
    prepared.environment_storage.push_back(
        fmt::format("LISTEN_FDS={}", options.passed_sockets.size()));
    prepared.listen_pid_index = prepared.environment_storage.size();
    prepared.environment_storage.push_back("LISTEN_PID=0000000000");
  }
  for (auto& argument : prepared.argument_storage) prepared.argv.push_back(argument.data());
  prepared.argv.push_back(nullptr);
  for (auto& entry : prepared.environment_storage) prepared.envp.push_back(entry.data());
  prepared.envp.push_back(nullptr);
  return prepared;
}

[[noreturn]] void launch_in_child(const SpawnOptions& options, PreparedLaunch& prepared,
                                  pid_t parent) {
  if (options.own_process_group) ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number : {SIGPIPE, SIGTERM, SIGINT, SIGUSR1, SIGHUP})
    ::sigaction(signal_number, &default_action, nullptr);

  int output = ::open(options.output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int input = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (output < 0 || input < 0) ::_exit(127);
  // Passed sockets go above everything first, so that moving them to 3, 4,
  // ... never overwrites one that is still to be moved.
  int highest = 3 + static_cast<int>(options.passed_sockets.size()) + output + input + 64;
  std::vector<int>::size_type count = options.passed_sockets.size();
  int lifted[16];
  if (count > 16) ::_exit(127);
  for (std::size_t i = 0; i < count; ++i) {
    lifted[i] = ::fcntl(options.passed_sockets[i], F_DUPFD_CLOEXEC, highest);
    if (lifted[i] < 0) fail_in_child("passing a socket");
  }
  ::dup2(input, STDIN_FILENO);
  ::dup2(output, STDOUT_FILENO);
  ::dup2(output, STDERR_FILENO);
  for (std::size_t i = 0; i < count; ++i)
    if (::dup2(lifted[i], 3 + static_cast<int>(i)) < 0) fail_in_child("passing a socket");
  // Nothing else of borealis's crosses exec: client sockets, listeners, the
  // data directory's lock.
  ::syscall(SYS_close_range, 3 + count, ~0U, 0);

  if (options.identity) {
    gid_t group = options.identity->gid;
    if (::setgroups(1, &group) != 0) fail_in_child("setgroups");
    if (::setgid(options.identity->gid) != 0) fail_in_child("setgid");
    if (::setuid(options.identity->uid) != 0) fail_in_child("setuid");
  }
  // After the identity change, which clears it.
  if (::prctl(PR_SET_PDEATHSIG, options.parent_death_signal) != 0) fail_in_child("prctl");
  if (::getppid() != parent) ::_exit(127);  // borealis is already gone
  if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0)
    fail_in_child("chdir");
  if (prepared.listen_pid_index > 0)
    write_pid(prepared.envp[prepared.listen_pid_index] + std::strlen("LISTEN_PID="), ::getpid());
  ::execve(prepared.program.c_str(), prepared.argv.data(), prepared.envp.data());
  fail_in_child(prepared.argv[0]);
}

ExitStatus decode_wait_status(int status) {
  ExitStatus exit;
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
  return exit;
}

std::string ExitStatus::describe() const {
  if (!note.empty()) return note;
  if (signal != 0) return fmt::format("signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit code {}", code);
}

}  // namespace borealis::serverless

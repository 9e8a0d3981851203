#include "app/master_worker.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/pidfile.hpp"
#include "app/service_notify.hpp"
#include "logging/stderr_notice.hpp"

namespace borealis::app {
namespace {

using logging::Severity;

constexpr int kHandled[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGCHLD};

// The workers' command line: the master's without -W/-Ws, then -sf OLDPID
// for a reload.
std::vector<std::string> worker_arguments(int argc, char** argv, std::optional<pid_t> replacing) {
  std::vector<std::string> words;
  for (int i = 0; i < argc; ++i) {
    std::string_view word = argv[i];
    if (i > 0 && (word == "-W" || word == "-Ws")) continue;
    words.emplace_back(word);
  }
  if (replacing) {
    words.emplace_back("-sf");
    words.emplace_back(std::to_string(*replacing));
  }
  return words;
}

// The socket workers report READY=1 on: abstract, with a name the kernel
// picks (autobind), so that no other process can take it first; each
// datagram's sender is checked (SO_PASSCRED) against the worker started.
struct WorkerChannel {
  int fd = -1;
  std::string name;  // "@" and the kernel's name, as NOTIFY_SOCKET says it

  bool open() {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(sa_family_t)) != 0) return false;
    socklen_t length = sizeof(address);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
    const auto size = length - offsetof(sockaddr_un, sun_path);
    if (size < 2 || address.sun_path[0] != '\0') return false;
    name = "@" + std::string(address.sun_path + 1, size - 1);
    return true;
  }

  // One datagram: its text and the sender's PID (0 when unknown).
  std::optional<std::pair<std::string, pid_t>> receive() const {
    char text[512];
    char control[CMSG_SPACE(sizeof(ucred))];
    iovec data{text, sizeof(text)};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    const ssize_t got = ::recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0) return std::nullopt;
    pid_t sender = 0;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header))
      if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials;
        std::memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
        sender = credentials.pid;
      }
    return std::make_pair(std::string(text, static_cast<std::size_t>(got)), sender);
  }
};

class Master {
 public:
  Master(int argc, char** argv) : argc_(argc), argv_(argv) {}

  int run() {
    if (!prepare()) return 1;
    if (!start_worker(std::nullopt)) return 1;
    while (!workers_.empty()) wait_for_events();
    logging::notice(Severity::notice,
                    fmt::format("master: last worker gone, exiting with {}", exit_code_));
    return exit_code_;
  }

 private:
  bool prepare() {
    sigset_t handled;
    sigemptyset(&handled);
    for (int number : kHandled) sigaddset(&handled, number);
    // Blocked here and read from a signalfd; unblocked in each worker.
    ::sigprocmask(SIG_BLOCK, &handled, nullptr);
    signals_ = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals_ < 0 || !channel_.open()) {
      logging::notice(Severity::alert,
                      fmt::format("master: cannot set up: {}", std::strerror(errno)));
      return false;
    }
    return true;
  }

  bool start_worker(std::optional<pid_t> replacing) {
    const auto words = worker_arguments(argc_, argv_, replacing);
    const std::string notify = "NOTIFY_SOCKET=" + channel_.name;
    const std::string mark = fmt::format("{}={}", kWorkerMark, ::getpid());
    const pid_t master = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
      logging::notice(Severity::alert,
                      fmt::format("master: cannot start a worker: {}", std::strerror(errno)));
      return false;
    }
    if (child == 0) run_worker(words, {notify, mark}, master);
    workers_.push_back(child);
    starting_ = child;
    logging::notice(Severity::notice, fmt::format("master: worker {} started{}", child,
                                                  replacing ? " (reload)" : ""));
    return true;
  }

  // In the child: the master is single-threaded, so anything may run
  // between fork and exec.
  [[noreturn]] static void run_worker(const std::vector<std::string>& words,
                                      const std::vector<std::string>& environment, pid_t master) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // A worker does not outlive its master (as HAProxy's).
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != master) ::_exit(1);
    for (const auto& variable : environment) ::putenv(const_cast<char*>(variable.c_str()));
    std::vector<char*> argv;
    for (const auto& word : words) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    // The program as it was named (a path picks up an upgraded binary at a
    // reload), else the one running.
    const char* program =
        words[0].find('/') != std::string::npos ? words[0].c_str() : "/proc/self/exe";
    ::execv(program, argv.data());
    ::_exit(127);
  }

  void wait_for_events() {
    pollfd watched[2] = {{signals_, POLLIN, 0}, {channel_.fd, POLLIN, 0}};
    if (::poll(watched, 2, -1) < 0) return;
    if (watched[1].revents & POLLIN) read_reports();
    if (watched[0].revents & POLLIN) read_signals();
  }

  void read_reports() {
    while (auto report = channel_.receive()) {
      const auto& [text, sender] = *report;
      if (sender != starting_ || text.find("READY=1") == std::string::npos) continue;
      logging::notice(Severity::notice, fmt::format("master: worker {} ready", sender));
      current_ = sender;
      starting_ = 0;
      service_.notify(fmt::format("READY=1\nSTATUS=worker {} listening", sender));
    }
  }

  void read_signals() {
    signalfd_siginfo info;
    while (::read(signals_, &info, sizeof(info)) == sizeof(info)) {
      const int number = static_cast<int>(info.ssi_signo);
      if (number == SIGCHLD)
        reap_workers();
      else if (number == SIGUSR2 || number == SIGHUP)
        reload();
      else
        pass_on(number);
    }
  }

  void reload() {
    if (stopping_) return;
    if (starting_ != 0) {
      logging::notice(Severity::warning, "master: a reload is already in progress; ignored");
      return;
    }
    logging::notice(Severity::notice, "master: reloading");
    service_.notify("RELOADING=1");
    if (!start_worker(current_)) service_.notify("READY=1");
  }

  void pass_on(int number) {
    if (!stopping_) service_.notify("STOPPING=1");
    stopping_ = true;
    for (pid_t worker : workers_) ::kill(worker, number);
  }

  void reap_workers() {
    int status = 0;
    pid_t ended;
    while ((ended = ::waitpid(-1, &status, WNOHANG)) > 0) {
      std::erase(workers_, ended);
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (ended == starting_) {
        starting_ = 0;
        if (current_ != 0) {
          logging::notice(Severity::alert,
                          fmt::format("master: reload failed (worker {} exited with {} before "
                                      "it listened); worker {} serves on",
                                      ended, code, current_));
          service_.notify(
              fmt::format("READY=1\nSTATUS=reload failed; worker {} listening", current_));
          continue;
        }
      }
      if (ended == current_) current_ = 0;
      exit_code_ = code;
      logging::notice(Severity::notice,
                      fmt::format("master: worker {} exited with {}", ended, code));
    }
  }

  int argc_;
  char** argv_;
  // Taken out of the environment first: workers report to the master.
  ServiceNotifier service_ = ServiceNotifier::from_environment();
  WorkerChannel channel_;
  int signals_ = -1;
  std::vector<pid_t> workers_;  // every worker still running
  pid_t current_ = 0;           // the ready worker new connections go to
  pid_t starting_ = 0;          // a worker not ready yet
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_master(const std::string& pidfile, int argc, char** argv) {
  if (std::string error = write_pidfile(pidfile); !error.empty()) {
    logging::notice(Severity::alert, error);
    return 1;
  }
  Master master(argc, argv);
  return master.run();
}

}  // namespace borealis::app

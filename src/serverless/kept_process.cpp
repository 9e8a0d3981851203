#include "serverless/kept_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace borealis::serverless {

namespace {

using namespace asio::experimental::awaitable_operators;

// How long start() waits for the keeper to say the program's PID, and the
// destructor for a killed program to be reaped.
constexpr int kKeeperAnswerMs = 5000;
// Without a pidfd (an old kernel) the keeper looks for its program's end
// this often.
constexpr int kKeeperPollMs = 100;

// One message on the lifeline, either way.
enum class Kind : std::int32_t {
  started = 1,  // keeper: the program's PID
  exited = 2,   // keeper: its wait() status
  failed = 3,   // keeper: fork() failed with this errno
  signal = 4,   // borealis: send the program this signal
};

struct Message {
  Kind kind;
  std::int32_t value;
};

bool say(int lifeline, Kind kind, int value) {
  Message message{kind, value};
  return ::send(lifeline, &message, sizeof(message), MSG_NOSIGNAL | MSG_DONTWAIT) ==
         static_cast<ssize_t>(sizeof(message));
}

// The keeper's life after fork(): async-signal-safe calls only. Ends when
// the program has ended, after reporting how.
[[noreturn]] void keep(const SpawnOptions& options, PreparedLaunch& prepared, int lifeline) {
  sigset_t all;
  ::sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);  // the program's own mask is reset before exec
  ::prctl(PR_SET_NAME, "borealis-keep");
  const pid_t keeper = ::getpid();
  const pid_t program = ::fork();
  if (program < 0) {
    say(lifeline, Kind::failed, errno);
    ::_exit(1);
  }
  if (program == 0) launch_in_child(options, prepared, keeper);
  // Nothing of borealis's stays open here but the lifeline.
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0)
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null, fd);
  if (lifeline != 3) {
    ::dup2(lifeline, 3);
    lifeline = 3;
  }
  ::syscall(SYS_close_range, 4U, ~0U, 0);
  say(lifeline, Kind::started, program);
  const int ended = static_cast<int>(::syscall(SYS_pidfd_open, program, 0));
  bool orphaned = false;  // no borealis holds the lifeline any more
  for (;;) {
    pollfd watched[2] = {{ended, POLLIN, 0}, {orphaned ? -1 : lifeline, POLLIN, 0}};
    ::poll(watched, 2, ended >= 0 ? -1 : kKeeperPollMs);
    int status = 0;
    if (::waitpid(program, &status, WNOHANG) == program) {
      say(lifeline, Kind::exited, status);
      ::_exit(0);
    }
    if (orphaned || watched[1].revents == 0) continue;
    Message message{};
    ssize_t got = ::recv(lifeline, &message, sizeof(message), MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      // Every borealis that held the other end is gone: a clean stop,
      // also of a program left frozen (a warm pause), which acts on
      // SIGTERM only once continued.
      ::kill(program, SIGTERM);
      ::kill(program, SIGCONT);
      orphaned = true;
      continue;
    }
    if (got == sizeof(message) && message.kind == Kind::signal && message.value > 0 &&
        message.value < NSIG)
      ::kill(program, message.value);
  }
}

// Waits up to `milliseconds` for a message; false on silence.
bool wait_readable(int fd, int milliseconds) {
  pollfd watched{fd, POLLIN, 0};
  int ready;
  do ready = ::poll(&watched, 1, milliseconds);
  while (ready < 0 && errno == EINTR);
  return ready > 0;
}

}  // namespace

KeptProcess::~KeptProcess() {
  if (pid_ > 0) {
    send_signal(SIGKILL);
    while (pid_ > 0 && wait_readable(lifeline_, kKeeperAnswerMs) && !poll_exit()) {
    }
  }
  forget();
}

void KeptProcess::forget() {
  if (lifeline_ >= 0) ::close(lifeline_);
  lifeline_ = -1;
  pid_ = -1;
  // The keeper ends right after it reported the end: reaped here when it
  // is this process's child (not when adopted).
  if (keeper_ > 0) ::waitpid(keeper_, nullptr, 0);
  keeper_ = -1;
}

core::Status KeptProcess::start(const SpawnOptions& options) {
  if (options.argv.empty()) return core::fail("nothing to run");
  if (pid_ > 0) return core::fail("a previous run is still going");
  SpawnOptions effective = options;
  if (core::Status settled = settle_identity(effective); !settled) return settled;
  PreparedLaunch prepared = prepare_launch(effective);
  if (prepared.program.empty())
    return core::fail(fmt::format("cannot start {}: not found", options.argv[0]));
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
    return core::fail(
        fmt::format("cannot start {}: lifeline: {}", options.argv[0], std::strerror(errno)));
  const pid_t keeper = ::fork();
  if (keeper == 0) {
    ::close(ends[0]);
    keep(effective, prepared, ends[1]);
  }
  const int fork_error = errno;
  ::close(ends[1]);
  if (keeper < 0) {
    ::close(ends[0]);
    return core::fail(
        fmt::format("cannot start {}: {}", options.argv[0], std::strerror(fork_error)));
  }
  lifeline_ = ends[0];
  keeper_ = keeper;
  Message message{};
  if (wait_readable(lifeline_, kKeeperAnswerMs) &&
      ::recv(lifeline_, &message, sizeof(message), MSG_DONTWAIT) ==
          static_cast<ssize_t>(sizeof(message)) &&
      message.kind == Kind::started) {
    pid_ = message.value;
    return {};
  }
  const bool fork_failed = message.kind == Kind::failed;
  ::kill(keeper, SIGKILL);
  forget();
  return core::fail(
      fmt::format("cannot start {}: {}", options.argv[0],
                  fork_failed ? std::strerror(message.value) : "its keeper did not answer"));
}

core::Status KeptProcess::adopt(int lifeline, pid_t pid) {
  if (pid_ > 0) return core::fail("a program is already kept here");
  if (lifeline < 0 || pid <= 0) return core::fail("no lifeline to adopt");
  lifeline_ = lifeline;
  pid_ = pid;
  keeper_ = -1;
  return {};
}

void KeptProcess::let_go() {
  keeper_ = -1;  // still this process's child: the kernel reaps it at exit
  forget();
}

std::optional<ExitStatus> KeptProcess::poll_exit() {
  while (pid_ > 0) {
    Message message{};
    ssize_t got = ::recv(lifeline_, &message, sizeof(message), MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::nullopt;
    if (got == static_cast<ssize_t>(sizeof(message)) && message.kind == Kind::exited) {
      forget();
      return decode_wait_status(message.value);
    }
    if (got > 0) continue;  // anything else the keeper said
    forget();
    return ExitStatus{0, 0, "its keeper ended without reporting"};
  }
  return std::nullopt;
}

asio::awaitable<std::optional<ExitStatus>> KeptProcess::wait_for_exit(
    std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    if (auto exit = poll_exit()) co_return exit;
    const auto now = std::chrono::steady_clock::now();
    if (pid_ <= 0 || now >= deadline) co_return std::nullopt;
    // The lifeline becomes readable when the keeper reports the end. The
    // descriptor is lent to asio and released before it could close it.
    asio::posix::stream_descriptor watch(executor, lifeline_);
    asio::steady_timer timer(executor, deadline - now);
    asio::error_code ignored;
    co_await (watch.async_wait(asio::posix::stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, ignored)) ||
              timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored)));
    watch.release();
  }
}

void KeptProcess::send_signal(int signal_number) {
  if (pid_ > 0) say(lifeline_, Kind::signal, signal_number);
}

asio::awaitable<ExitStatus> KeptProcess::kill_and_reap() {
  send_signal(SIGKILL);
  for (;;) {
    if (pid_ <= 0) co_return ExitStatus{0, SIGKILL, {}};
    if (auto exit = co_await wait_for_exit(std::chrono::milliseconds(1000))) co_return *exit;
  }
}

}  // namespace borealis::serverless

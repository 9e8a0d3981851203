#include "serverless/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

#include "core/sleep.hpp"

namespace borealis::serverless {

namespace {

using namespace asio::experimental::awaitable_operators;

constexpr auto kReapPoll = std::chrono::milliseconds(5);

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    if (own_group_) ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  forget();
}

void ChildProcess::forget() {
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

core::Status ChildProcess::start(const SpawnOptions& options) {
  if (options.argv.empty()) return core::fail("nothing to run");
  if (pid_ > 0) return core::fail("a previous run is still going");
  SpawnOptions effective = options;
  if (core::Status settled = settle_identity(effective); !settled) return settled;
  return spawn(effective);
}

core::Status ChildProcess::spawn(const SpawnOptions& options) {
  PreparedLaunch prepared = prepare_launch(options);
  if (prepared.program.empty())
    return core::fail(fmt::format("cannot start {}: not found", options.argv[0]));
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0)
    return core::fail(fmt::format("cannot start {}: {}", options.argv[0], std::strerror(errno)));
  if (child == 0) launch_in_child(options, prepared, parent);
  pid_ = child;
  own_group_ = options.own_process_group;
  // Also set from here: a signal to the group must not miss a child that
  // has not yet run its own setpgid.
  if (own_group_) ::setpgid(child, child);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  if (pidfd_ >= 0) ::fcntl(pidfd_, F_SETFD, FD_CLOEXEC);
  return {};
}

std::optional<ExitStatus> ChildProcess::poll_exit() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0) return std::nullopt;
  forget();
  if (done < 0) return ExitStatus{};
  return decode_wait_status(status);
}

asio::awaitable<std::optional<ExitStatus>> ChildProcess::wait_for_exit(
    std::chrono::milliseconds limit) {
  if (auto exit = poll_exit()) co_return exit;
  if (pid_ <= 0) co_return std::nullopt;
  auto executor = co_await asio::this_coro::executor;
  if (pidfd_ < 0) {
    // No pidfd (an old kernel): poll.
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      co_await core::sleep_for(kReapPoll);
      if (auto exit = poll_exit()) co_return exit;
    }
    co_return std::nullopt;
  }
  // A pidfd becomes readable when the process ends. The descriptor is lent
  // to asio and released before it could close it.
  asio::posix::stream_descriptor watch(executor, pidfd_);
  asio::steady_timer timer(executor, limit);
  asio::error_code ignored;
  co_await (watch.async_wait(asio::posix::stream_descriptor::wait_read,
                             asio::redirect_error(asio::use_awaitable, ignored)) ||
            timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored)));
  watch.release();
  co_return poll_exit();
}

void ChildProcess::send_signal(int signal_number) {
  if (pid_ > 0) ::kill(pid_, signal_number);
}

void ChildProcess::signal_group(int signal_number) {
  if (pid_ <= 0) return;
  if (own_group_) ::kill(-pid_, signal_number);
  ::kill(pid_, signal_number);
}

asio::awaitable<ExitStatus> ChildProcess::kill_and_reap() {
  signal_group(SIGKILL);
  for (;;) {
    if (pid_ <= 0) co_return ExitStatus{0, SIGKILL, {}};
    if (auto exit = co_await wait_for_exit(std::chrono::milliseconds(1000))) co_return *exit;
  }
}

}  // namespace borealis::serverless

#include "serverless/database_runtime.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <algorithm>
#include <fmt/format.h>

#include "logging/stderr_notice.hpp"

namespace borealis::serverless {

namespace {

constexpr auto kSampleInterval = std::chrono::seconds(1);
constexpr auto kTick = std::chrono::milliseconds(1000);
constexpr auto kLongestBackoff = std::chrono::seconds(30);

double seconds_between(core::SteadyTime from, core::SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

DatabaseRuntime::DatabaseRuntime(asio::io_context& context, const config::Database& database,
                                 DatabaseGate& gate, std::unique_ptr<Engine> engine,
                                 logging::Logger logger)
    : context_(context),
      config_(database),
      gate_(gate),
      engine_(std::move(engine)),
      logger_(std::move(logger)),
      policy_(database),
      wake_(context) {}

void DatabaseRuntime::say(logging::Level level, const std::string& message) {
  std::string line = fmt::format("database {}: {}", config_.name, message);
  logger_.log(level, line);
  logging::notice(level <= logging::Level::err ? logging::Severity::alert
                                               : logging::Severity::notice,
                  line);
}

void DatabaseRuntime::account(core::SteadyTime now) {
  double elapsed = seconds_between(accounted_until_, now);
  // Compute is billed whenever it runs: starting, running or stopping.
  if (state_ != DatabaseState::paused && state_ != DatabaseState::stopped &&
      state_ != DatabaseState::failed)
    acu_seconds_ += elapsed * capacity_;
  accounted_until_ = now;
}

void DatabaseRuntime::enter(DatabaseState next) {
  auto now = core::SteadyClock::now();
  account(now);
  seconds_in_state_[static_cast<std::size_t>(state_)] += seconds_between(state_since_, now);
  state_ = next;
  state_since_ = now;
  gate_.publish({next, engine_->endpoint(), failures_});
}

void DatabaseRuntime::start() {
  capacity_ = starting_capacity(config_);
  gate_.set_resume_handler([this] {
    resume_wanted_ = true;
    wake_.cancel();
  });
  // With a minimum of 0 compute starts on the first connection; otherwise now.
  enter(config_.capacity_min > 0 ? DatabaseState::stopped : DatabaseState::paused);
  if (state_ == DatabaseState::paused)
    say(logging::Level::notice, fmt::format("paused until the first connection ({})",
                                            engine_->credentials_hint()));
  asio::co_spawn(context_, supervise(), asio::detached);
}

asio::awaitable<void> DatabaseRuntime::wait_for_event(std::chrono::milliseconds limit) {
  // A pending resume ends the wait, except while a failed start backs off.
  if (resume_wanted_ && state_ != DatabaseState::failed) co_return;
  wake_.expires_after(limit);
  asio::error_code ignored;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

asio::awaitable<void> DatabaseRuntime::supervise() {
  while (!shutting_down_) {
    gate_.take_resume_request();  // later requests post again
    auto now = core::SteadyClock::now();
    switch (state_) {
      case DatabaseState::stopped:
        co_await bring_up(DatabaseState::starting);
        continue;
      case DatabaseState::paused:
        if (resume_wanted_) {
          co_await bring_up(DatabaseState::resuming);
          continue;
        }
        break;
      case DatabaseState::failed:
        if ((resume_wanted_ || config_.capacity_min > 0) && now >= retry_after_) {
          co_await bring_up(DatabaseState::starting);
          continue;
        }
        break;
      case DatabaseState::running: {
        resume_wanted_ = false;
        if (auto exit = engine_->unexpected_exit()) {
          handle_crash(*exit);
          continue;
        }
        if (gate_.sessions().load() > 0) idle_since_ = now;
        bool may_pause = config_.capacity_min == 0 && config_.auto_pause;
        if (may_pause && now - idle_since_ >= *config_.auto_pause) {
          co_await pause();
          continue;
        }
        if (now >= next_sample_) {
          co_await follow_load(std::chrono::duration<double>(kSampleInterval).count());
          next_sample_ = now + kSampleInterval;
        }
        break;
      }
      default:
        break;
    }
    now = core::SteadyClock::now();
    account(now);
    auto limit = state_ == DatabaseState::running ? std::chrono::milliseconds(200) : kTick;
    if (state_ == DatabaseState::failed && retry_after_ > now)
      limit = std::min<std::chrono::milliseconds>(
          limit, std::chrono::duration_cast<std::chrono::milliseconds>(retry_after_ - now) +
                     std::chrono::milliseconds(1));
    co_await wait_for_event(limit);
  }
}

asio::awaitable<void> DatabaseRuntime::bring_up(DatabaseState how) {
  resume_wanted_ = false;
  if (how == DatabaseState::resuming || state_ == DatabaseState::failed)
    capacity_ = starting_capacity(config_);
  enter(how);
  auto started = core::SteadyClock::now();
  std::string error = co_await engine_->start(capacity_);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(core::SteadyClock::now() -
                                                                    started);
  if (!error.empty()) {
    ++failures_;
    ++consecutive_failures_;
    auto backoff = std::min<std::chrono::milliseconds>(
        kLongestBackoff, std::chrono::milliseconds(250L << std::min(consecutive_failures_, 7)));
    retry_after_ = core::SteadyClock::now() + backoff;
    enter(DatabaseState::failed);
    say(logging::Level::alert, fmt::format("{} failed after {} ms: {} (next try in {} ms)",
                                           how == DatabaseState::resuming ? "resume" : "start",
                                           took.count(), error, backoff.count()));
    co_return;
  }
  consecutive_failures_ = 0;
  int waiting = gate_.sessions().load();
  idle_since_ = core::SteadyClock::now();
  next_sample_ = idle_since_ + kSampleInterval;
  enter(DatabaseState::running);
  if (how == DatabaseState::resuming)
    say(logging::Level::notice,
        fmt::format("resumed in {} ms for {} waiting connections at {} ACU", took.count(),
                    waiting, format_acu(capacity_)));
  else
    say(logging::Level::notice, fmt::format("started in {} ms at {} ACU ({})", took.count(),
                                            format_acu(capacity_), engine_->credentials_hint()));
}

asio::awaitable<void> DatabaseRuntime::pause() {
  double idle = seconds_between(idle_since_, core::SteadyClock::now());
  enter(DatabaseState::pausing);
  std::string error = co_await engine_->stop();
  enter(DatabaseState::paused);
  if (!error.empty()) say(logging::Level::warning, "pause: " + error);
  say(logging::Level::notice,
      fmt::format("paused after {:.0f}s without client sessions ({:.1f} ACU-seconds used so far)",
                  idle, acu_seconds_));
}

void DatabaseRuntime::handle_crash(const ExitStatus& exit) {
  ++failures_;
  say(logging::Level::alert,
      fmt::format("compute exited unexpectedly ({}); restarting", exit.describe()));
  enter(DatabaseState::stopped);
}

asio::awaitable<void> DatabaseRuntime::follow_load(double seconds) {
  auto sample = co_await engine_->sample(capacity_, seconds);
  LoadSample load;
  if (sample) {
    load = *sample;
  } else {
    // No engine metrics: the gateway's own session count is the signal.
    load.connections = gate_.sessions().load();
    load.max_connections = limits_for(config_.acu, capacity_).max_connections;
  }
  ScalingDecision decision = policy_.decide(capacity_, load, seconds);
  if (decision.capacity == capacity_) co_return;
  std::string error = co_await engine_->resize(decision.capacity);
  if (!error.empty()) {
    say(logging::Level::warning, fmt::format("scaling {} -> {} ACU failed: {}",
                                             format_acu(capacity_),
                                             format_acu(decision.capacity), error));
    co_return;
  }
  say(logging::Level::notice,
      fmt::format("scaling {} -> {} ACU ({})", format_acu(capacity_),
                  format_acu(decision.capacity), decision.reason));
  account(core::SteadyClock::now());
  capacity_ = decision.capacity;
}

asio::awaitable<void> DatabaseRuntime::shut_down() {
  shutting_down_ = true;
  wake_.cancel();
  if (state_ == DatabaseState::running || state_ == DatabaseState::starting ||
      state_ == DatabaseState::resuming) {
    std::string error = co_await engine_->stop();
    if (!error.empty()) say(logging::Level::warning, "stop: " + error);
  }
  enter(DatabaseState::stopped);
  std::string times;
  for (int i = 0; i < kDatabaseStateCount; ++i)
    if (seconds_in_state_[static_cast<std::size_t>(i)] > 0 &&
        (i != static_cast<int>(DatabaseState::stopped) ||
         seconds_in_state_[static_cast<std::size_t>(i)] >= 0.05))
      times += fmt::format(" {} {:.1f}s", state_name(static_cast<DatabaseState>(i)),
                           seconds_in_state_[static_cast<std::size_t>(i)]);
  say(logging::Level::notice,
      fmt::format("stopped; {:.1f} ACU-seconds used; time in states:{}", acu_seconds_, times));
}

}  // namespace borealis::serverless

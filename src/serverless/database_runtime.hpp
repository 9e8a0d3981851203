// The control plane's side of one serverless database: its state machine
// (stopped, starting, running, pausing, paused, resuming, failed), pausing
// after an idle period, resuming when a client asks, restarting compute
// that died, and following load with its capacity. Every change is logged
// with its reason.
#pragma once

#include <array>
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <memory>

#include "config/model.hpp"
#include "core/clock.hpp"
#include "logging/logger.hpp"
#include "serverless/capacity.hpp"
#include "serverless/database_gate.hpp"
#include "serverless/engine.hpp"

namespace borealis::serverless {

class DatabaseRuntime {
 public:
  DatabaseRuntime(asio::io_context& context, const config::Database& database,
                  DatabaseGate& gate, std::unique_ptr<Engine> engine, logging::Logger logger);

  std::string prepare() { return engine_->prepare(); }
  const Engine& engine() const { return *engine_; }
  void start();
  // Stops compute cleanly (borealis is exiting); `done` runs afterwards.
  asio::awaitable<void> shut_down();

 private:
  asio::awaitable<void> supervise();
  asio::awaitable<void> bring_up(DatabaseState how);
  asio::awaitable<void> pause();
  asio::awaitable<void> follow_load(double seconds);
  void handle_crash(const ExitStatus& exit);
  void enter(DatabaseState next);
  void account(core::SteadyTime now);
  void say(logging::Level level, const std::string& message);
  asio::awaitable<void> wait_for_event(std::chrono::milliseconds limit);

  asio::io_context& context_;
  const config::Database& config_;
  DatabaseGate& gate_;
  std::unique_ptr<Engine> engine_;
  logging::Logger logger_;
  ScalingPolicy policy_;
  asio::steady_timer wake_;

  DatabaseState state_ = DatabaseState::stopped;
  double capacity_ = 0;
  bool resume_wanted_ = false;
  bool shutting_down_ = false;
  unsigned long long failures_ = 0;
  int consecutive_failures_ = 0;
  core::SteadyTime state_since_ = core::SteadyClock::now();
  core::SteadyTime accounted_until_ = core::SteadyClock::now();
  core::SteadyTime idle_since_ = core::SteadyClock::now();
  core::SteadyTime next_sample_ = core::SteadyClock::now();
  core::SteadyTime retry_after_ = core::SteadyClock::now();
  std::array<double, kDatabaseStateCount> seconds_in_state_{};
  double acu_seconds_ = 0;
};

}  // namespace borealis::serverless

// The control plane's side of one serverless database: its state machine
// (stopped, starting, running, pausing, paused, frozen, resuming, failed),
// pausing after an idle period (warm first where the engine can freeze,
// deep after `auto-pause-deep` or when memory runs short), resuming when a
// client asks, restarting compute that died, and following load with its
// capacity. Every change is logged with its reason.
//
// One owner: a single supervisor coroutine makes every call into the
// engine, one at a time. Everything else (a resume request, a stop) is an
// event it handles in whatever state it is in: shut_down() only asks, and
// completes when the supervisor has stopped compute and ended.
// Time comes from an injected clock, so tests drive the machine state by
// state without waiting.
#pragma once

#include <array>
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/capacity_bounds.hpp"
#include "config/model.hpp"
#include "core/clock.hpp"
#include "logging/logger.hpp"
#include "serverless/capacity.hpp"
#include "serverless/database_gate.hpp"
#include "serverless/engine.hpp"
#include "serverless/handover.hpp"
#include "serverless/scaling_policy.hpp"
#include "stats/histogram.hpp"

namespace borealis::serverless {

// A database as an operator sees it (the runtime API's `show databases`).
struct DatabaseReport {
  std::string name;
  DatabaseState state = DatabaseState::stopped;
  double capacity = 0, capacity_min = 0, capacity_max = 0;
  double acu_seconds = 0;
  double frozen_mib_seconds = 0;
  std::array<double, kDatabaseStateCount> seconds_in_state{};
  int sessions = 0;  // client sessions on the database
  int active = 0;    // of them, those holding a connection to the engine
  int held = 0;      // of them, those waiting for a resume or a connection slot
  unsigned long long failed_starts = 0, crashes = 0;
  // Resumes, from compute starting or thawing to clients let in: deep, warm.
  stats::HistogramReading deep_resumes, warm_resumes;
};

class DatabaseRuntime {
 public:
  DatabaseRuntime(asio::io_context& context, const config::Database& database, DatabaseGate& gate,
                  std::unique_ptr<Engine> engine, logging::Logger logger,
                  core::Clock& clock = core::system_clock());
  // Compute adopted but never run here (the reload failed later) is let
  // go, not stopped: the previous process still owns it.
  ~DatabaseRuntime();

  // Whether the host is short of memory (a warm pause then turns deep);
  // tests replace the host's /proc/meminfo.
  void set_memory_probe(std::function<bool()> memory_is_short) {
    memory_is_short_ = std::move(memory_is_short);
  }
  // The engine's preparation; what it kept of the accounts is published.
  core::Status prepare();
  const Engine& engine() const { return *engine_; }
  // Publishes the first state and starts the supervisor.
  void start();
  // Stops compute cleanly (borealis is exiting); completes once the
  // supervisor has ended. Safe to call in any state, and more than once.
  asio::awaitable<void> shut_down();

  const std::string& name() const { return config_.name; }
  DatabaseState state() const { return state_; }
  double capacity() const { return capacity_; }
  double acu_seconds() const { return acu_seconds_; }
  // Memory held by frozen compute over time (warm pauses count no ACU).
  double frozen_mib_seconds() const { return frozen_mib_seconds_; }
  bool finished() const { return finished_; }
  // Counted up to now.
  DatabaseReport report();
  // An operator's requests (the runtime API). A pause is taken at the next
  // step if no client session is there then, as auto-pause would without
  // waiting; it fails at once, saying why, where it cannot be.
  core::Status request_pause();
  void request_resume();
  // New capacity bounds (`set database NAME capacity MIN MAX`), followed
  // within a step: capacity moves inside them, a minimum above 0 resumes a
  // paused database and keeps it from pausing, a minimum of 0 lets
  // `auto-pause` apply again.
  void set_capacity_bounds(const config::CapacityBounds& bounds);

  // A reload (database_handover.cpp). hold() waits, up to `limit`, for the
  // supervisor to be between steps and keeps it there (a client asking for
  // a resume meanwhile waits); it returns what the new process needs, or
  // nullopt when the database is stopping or stays busy. Then either
  // detach() (the new process took it over) or release_hold() (the reload
  // failed: supervision goes on).
  asio::awaitable<std::optional<DatabaseHandover>> hold(std::chrono::milliseconds limit);
  void release_hold();
  // Compute is left running, owned by the new process. This process's
  // sessions go on reaching it at its endpoint: the new owner resumes it
  // when one of their connections waits in its queue.
  void detach();
  bool detached() const { return detached_; }
  // Instead of prepare(), in the new process: compute as it was handed over.
  core::Status adopt(DatabaseHandover handover);

 private:
  asio::awaitable<void> supervise();
  asio::awaitable<void> stay_held();
  void watch_backlog();
  bool used_from_outside() const;
  // Acts on the current state; returns when it wants to look again.
  asio::awaitable<core::SteadyTime> step();
  asio::awaitable<core::SteadyTime> step_running();
  asio::awaitable<void> wait_until(core::SteadyTime deadline);
  asio::awaitable<void> bring_up(DatabaseState how);
  asio::awaitable<void> fit_waiting_clients(int waiting);
  asio::awaitable<void> pause();
  void call_off_pause();
  bool pauses_warm() const;
  asio::awaitable<bool> pause_warm(double idle);
  asio::awaitable<core::SteadyTime> step_frozen();
  asio::awaitable<void> thaw();
  asio::awaitable<void> pause_deep_from_warm(const std::string& why);
  asio::awaitable<void> follow_load(double seconds);
  asio::awaitable<void> stop_compute();
  asio::awaitable<void> read_accounts(bool exact);
  void handle_crash(const ExitStatus& exit);
  void enter(DatabaseState next);
  void publish();
  void share_auto_pause();
  double capacity_for_clients(int clients) const;
  int client_limit(double capacity) const;
  void account(core::SteadyTime now);
  void say(logging::Level level, const std::string& message);
  void log_summary();

  asio::io_context& context_;
  // A copy: the runtime API may change its capacity bounds.
  config::Database config_;
  DatabaseGate& gate_;
  std::unique_ptr<Engine> engine_;
  logging::Logger logger_;
  core::Clock& clock_;
  std::function<bool()> memory_is_short_;
  ScalingPolicy policy_;
  asio::steady_timer wake_;          // the supervisor's alarm; cancel() is an event
  asio::steady_timer on_finished_;   // completes shut_down()
  asio::steady_timer hold_changed_;  // wakes hold() once the supervisor is held
  // A copy of the engine's client listener: readable while paused when a
  // connection waits in its queue.
  asio::posix::stream_descriptor backlog_;
  bool backlog_watched_ = false;

  DatabaseState state_ = DatabaseState::stopped;
  double capacity_ = 0;
  bool resume_wanted_ = false;
  bool pause_wanted_ = false;
  bool stop_requested_ = false;
  bool supervising_ = false;
  bool finished_ = false;
  bool hold_wanted_ = false;
  bool held_ = false;
  bool detached_ = false;
  // Taken over from a previous process, in this state: that process's
  // sessions may still use compute (counted from the engine's connections).
  std::optional<DatabaseState> adopted_state_;
  int outside_connections_ = 0;      // at the last sample: connections not ours
  unsigned long long failures_ = 0;  // failed starts, published in the view
  unsigned long long crashes_ = 0;
  stats::Histogram deep_resumes_{stats::kResumeBounds}, warm_resumes_{stats::kResumeBounds};
  int consecutive_failures_ = 0;
  core::SteadyTime state_since_;
  core::SteadyTime accounted_until_;
  core::SteadyTime idle_since_;
  bool used_since_last_step_ = false;  // sessions were seen: idle_since_ is their last use
  core::SteadyTime next_sample_;
  core::SteadyTime next_accounts_read_;
  core::SteadyTime retry_after_;
  std::optional<core::SteadyTime> warm_up_due_;  // after a thaw: when compute grows back
  std::array<double, kDatabaseStateCount> seconds_in_state_{};
  double acu_seconds_ = 0;
  double frozen_mib_ = 0;  // what frozen compute keeps resident
  double frozen_mib_seconds_ = 0;
};

}  // namespace borealis::serverless

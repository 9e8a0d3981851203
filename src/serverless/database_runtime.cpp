#include "serverless/database_runtime.hpp"

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <utility>

#include "logging/stderr_notice.hpp"
#include "serverless/memory_pressure.hpp"

namespace borealis::serverless {

namespace {

constexpr auto kSampleInterval = std::chrono::seconds(1);
// How far behind the accounts table may fall while compute runs (a login
// it cannot verify then goes to the server, which decides).
constexpr auto kAccountsInterval = std::chrono::seconds(5);
constexpr auto kLongestBackoff = std::chrono::seconds(30);
// Where nothing is due, the supervisor still looks again this often.
constexpr auto kIdleLook = std::chrono::seconds(60);
// How often a warm pause looks at the host's memory.
constexpr auto kFrozenLook = std::chrono::seconds(5);
// After a thaw, how long compute serves at its frozen size before it grows
// back: growing stalls the engine's first queries (InnoDB's buffer pool
// resize, about 15 ms here), which come first.
constexpr auto kWarmUpDelay = std::chrono::seconds(1);
constexpr double kMiB = 1024.0 * 1024.0;

double seconds_between(core::SteadyTime from, core::SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

bool compute_may_run(DatabaseState state) {
  return state == DatabaseState::starting || state == DatabaseState::running ||
         state == DatabaseState::resuming || state == DatabaseState::pausing;
}

}  // namespace

DatabaseRuntime::DatabaseRuntime(asio::io_context& context, const config::Database& database,
                                 DatabaseGate& gate, std::unique_ptr<Engine> engine,
                                 logging::Logger logger, core::Clock& clock)
    : context_(context),
      config_(database),
      gate_(gate),
      engine_(std::move(engine)),
      logger_(std::move(logger)),
      clock_(clock),
      memory_is_short_(host_memory_is_short),
      policy_(config_),
      wake_(context),
      on_finished_(context),
      hold_changed_(context),
      backlog_(context) {
  auto now = clock_.now();
  state_since_ = accounted_until_ = idle_since_ = next_sample_ = retry_after_ = now;
}

DatabaseRuntime::~DatabaseRuntime() {
  if (adopted_state_ && !supervising_) engine_->let_go();
}

void DatabaseRuntime::say(logging::Level level, const std::string& message) {
  std::string line = fmt::format("database {}: {}", config_.name, message);
  logger_.log(level, line);
  logging::notice(
      level <= logging::Level::err ? logging::Severity::alert : logging::Severity::notice, line);
}

void DatabaseRuntime::account(core::SteadyTime now) {
  double elapsed = seconds_between(accounted_until_, now);
  // Compute is billed whenever it may run: starting, running or stopping.
  if (compute_may_run(state_)) acu_seconds_ += elapsed * capacity_;
  if (state_ == DatabaseState::frozen) frozen_mib_seconds_ += elapsed * frozen_mib_;
  accounted_until_ = now;
}

int DatabaseRuntime::client_limit(double capacity) const {
  return std::max(
      1, limits_for(config_.acu, capacity).max_connections - engine_->reserved_connections());
}

// The smallest capacity (from the starting one, within MAX) whose
// connections fit `clients`.
double DatabaseRuntime::capacity_for_clients(int clients) const {
  double capacity = starting_capacity(config_);
  while (capacity < config_.capacity_max && client_limit(capacity) < clients)
    capacity = std::min(config_.capacity_max, capacity + 0.5);
  return capacity;
}

void DatabaseRuntime::publish() {
  gate_.publish({state_, engine_->endpoint(), failures_, client_limit(capacity_)});
}

void DatabaseRuntime::enter(DatabaseState next) {
  auto now = clock_.now();
  account(now);
  seconds_in_state_[static_cast<std::size_t>(state_)] += seconds_between(state_since_, now);
  state_ = next;
  state_since_ = now;
  if (next == DatabaseState::paused || next == DatabaseState::frozen) policy_.forget_load();
  publish();
}

// What sessions read of `auto-pause` (to give their server connection back
// before it): nothing while the minimum is above 0, which never pauses.
void DatabaseRuntime::share_auto_pause() {
  gate_.set_auto_pause(config_.capacity_min > 0 ? std::nullopt : config_.auto_pause);
}

void DatabaseRuntime::start() {
  if (!adopted_state_) capacity_ = starting_capacity(config_);
  share_auto_pause();
  gate_.set_resume_handler([this] { request_resume(); });
  if (int listener = engine_->client_listener(); listener >= 0) {
    asio::error_code ignored;
    backlog_.assign(::fcntl(listener, F_DUPFD_CLOEXEC, 0), ignored);
  }
  if (adopted_state_) {
    if (*adopted_state_ == DatabaseState::frozen)
      frozen_mib_ = static_cast<double>(engine_->frozen_resident_bytes()) / kMiB;
    engine_->took_over();
    enter(*adopted_state_);
    say(logging::Level::notice, fmt::format("taken over from the previous process: {} at {} ACU",
                                            state_name(state_), format_acu(capacity_)));
  } else {
    // With a minimum of 0 compute starts on the first connection; otherwise now.
    enter(config_.capacity_min > 0 ? DatabaseState::stopped : DatabaseState::paused);
    if (state_ == DatabaseState::paused)
      say(logging::Level::notice,
          fmt::format("paused until the first connection ({})", engine_->credentials_hint()));
  }
  supervising_ = true;
  asio::co_spawn(context_, supervise(), asio::detached);
}

asio::awaitable<void> DatabaseRuntime::supervise() {
  while (!stop_requested_) {
    if (hold_wanted_) {
      co_await stay_held();
      continue;
    }
    gate_.take_resume_request();  // later requests post again
    core::SteadyTime next = co_await step();
    if (stop_requested_) break;
    co_await wait_until(next);
  }
  asio::error_code ignored;
  backlog_.close(ignored);
  if (!detached_) co_await stop_compute();
  finished_ = true;
  on_finished_.cancel();
}

asio::awaitable<void> DatabaseRuntime::wait_until(core::SteadyTime deadline) {
  // Events that arrived while the supervisor was busy end the wait at once.
  const bool paused = state_ == DatabaseState::paused || state_ == DatabaseState::frozen;
  if (stop_requested_ || hold_wanted_ || (resume_wanted_ && paused)) co_return;
  if (paused) watch_backlog();
  clock_.arm(wake_, deadline);
  asio::error_code ignored;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  clock_.disarm(wake_);
}

asio::awaitable<core::SteadyTime> DatabaseRuntime::step() {
  auto now = clock_.now();
  switch (state_) {
    case DatabaseState::stopped:
      co_await bring_up(DatabaseState::starting);
      co_return clock_.now();
    case DatabaseState::paused:
      if (resume_wanted_) {
        co_await bring_up(DatabaseState::resuming);
        co_return clock_.now();
      }
      co_return now + kIdleLook;
    case DatabaseState::frozen:
      co_return co_await step_frozen();
    case DatabaseState::failed: {
      bool wanted = resume_wanted_ || config_.capacity_min > 0;
      if (!wanted) co_return now + kIdleLook;
      if (now < retry_after_) co_return retry_after_;
      co_await bring_up(DatabaseState::starting);
      co_return clock_.now();
    }
    case DatabaseState::running:
      co_return co_await step_running();
    default:
      co_return now;  // transient states are left inside their own steps
  }
}

asio::awaitable<core::SteadyTime> DatabaseRuntime::step_running() {
  resume_wanted_ = false;
  if (auto exit = engine_->unexpected_exit()) {
    handle_crash(*exit);
    co_return clock_.now();
  }
  auto now = clock_.now();
  // Idle time counts from the last use by a session, however short it was:
  // a session's end, or for a `mode mysql` session that gave its server
  // connection back, the start of its idleness.
  bool in_use = gate_.sessions() > 0 || used_from_outside();
  if (in_use) {
    idle_since_ = now;
    used_since_last_step_ = true;
  } else if (used_since_last_step_) {
    idle_since_ = gate_.last_session_end();
    used_since_last_step_ = false;
  } else {
    idle_since_ = std::max(idle_since_, gate_.last_session_end());
  }
  bool may_pause = config_.capacity_min == 0 && config_.auto_pause;
  if (std::exchange(pause_wanted_, false)) {
    if (!in_use) {
      say(logging::Level::notice, "pausing: asked by the runtime API");
      co_await pause();
      co_return clock_.now();
    }
    say(logging::Level::notice, "pause asked by the runtime API called off: a client arrived");
  }
  if (may_pause && !in_use && now - idle_since_ >= *config_.auto_pause) {
    co_await pause();
    co_return clock_.now();
  }
  if (warm_up_due_ && now >= *warm_up_due_) {
    warm_up_due_.reset();
    if (core::Status warmed = co_await engine_->warm_up(capacity_); !warmed)
      say(logging::Level::warning, fmt::format("after a warm pause: {}", warmed.error()));
  }
  if (now >= next_accounts_read_) {
    co_await read_accounts(false);
    next_accounts_read_ = clock_.now() + kAccountsInterval;
  }
  if (now >= next_sample_) {
    co_await follow_load(std::chrono::duration<double>(kSampleInterval).count());
    next_sample_ = clock_.now() + kSampleInterval;
  }
  account(clock_.now());
  core::SteadyTime next = next_sample_;
  if (may_pause && !in_use) next = std::min(next, idle_since_ + *config_.auto_pause);
  if (warm_up_due_) next = std::min(next, *warm_up_due_);
  co_return next;
}

asio::awaitable<void> DatabaseRuntime::bring_up(DatabaseState how) {
  resume_wanted_ = false;
  if (how == DatabaseState::resuming || state_ == DatabaseState::failed)
    capacity_ = capacity_for_clients(gate_.sessions());
  enter(how);
  auto began = clock_.now();
  core::Status started = co_await engine_->start(capacity_);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - began);
  // Stopping: whatever the start did is stopped by stop_compute().
  if (stop_requested_) co_return;
  if (!started) {
    ++failures_;
    ++consecutive_failures_;
    auto backoff = std::min<std::chrono::milliseconds>(
        kLongestBackoff, std::chrono::milliseconds(250L << std::min(consecutive_failures_, 7)));
    retry_after_ = clock_.now() + backoff;
    enter(DatabaseState::failed);
    say(logging::Level::alert, fmt::format("{} failed after {} ms: {} (next try in {} ms)",
                                           how == DatabaseState::resuming ? "resume" : "start",
                                           took.count(), started.error(), backoff.count()));
    co_return;
  }
  consecutive_failures_ = 0;
  // From now on sessions may change accounts: the table kept while paused
  // may only say yes until it is read again (at the first running step).
  if (auto table = gate_.accounts(); table && table->exact())
    gate_.publish_accounts(std::make_shared<const auth::AccountTable>(table->inexact()));
  next_accounts_read_ = clock_.now();
  int waiting = gate_.sessions();
  co_await fit_waiting_clients(waiting);
  idle_since_ = clock_.now();
  next_sample_ = idle_since_ + kSampleInterval;
  enter(DatabaseState::running);
  if (how == DatabaseState::resuming) {
    deep_resumes_.observe(clock_.now() - began);
    const int overlapped = gate_.take_logins_during_start();
    say(logging::Level::notice,
        fmt::format("resumed in {} ms for {} waiting connections at {} ACU{}", took.count(),
                    waiting, format_acu(capacity_),
                    overlapped > 0 ? fmt::format(" ({} logged in while it started)", overlapped)
                                   : std::string()));
  } else
    say(logging::Level::notice, fmt::format("started in {} ms at {} ACU ({})", took.count(),
                                            format_acu(capacity_), engine_->credentials_hint()));
}

// Clients that arrived during the start are all served at once: capacity
// grows (within MAX) before the first of them is let in.
asio::awaitable<void> DatabaseRuntime::fit_waiting_clients(int waiting) {
  double needed = capacity_for_clients(waiting);
  if (needed <= capacity_) co_return;
  if (core::Status resized = co_await engine_->resize(needed); !resized) {
    say(logging::Level::warning,
        fmt::format("scaling {} -> {} ACU for {} waiting clients "
                    "failed: {}",
                    format_acu(capacity_), format_acu(needed), waiting, resized.error()));
    co_return;
  }
  account(clock_.now());
  capacity_ = needed;
}

void DatabaseRuntime::call_off_pause() {
  enter(DatabaseState::running);
  idle_since_ = clock_.now();
  say(logging::Level::notice, "pause called off: a client arrived");
}

// `pausing` is published before sessions are counted again: a client that
// arrived meanwhile is either counted here (the pause is called off) or
// sees `pausing` and waits for the resume it asks for.
asio::awaitable<void> DatabaseRuntime::pause() {
  double idle = seconds_between(idle_since_, clock_.now());
  enter(DatabaseState::pausing);
  if (gate_.sessions() > 0) {
    call_off_pause();
    co_return;
  }
  // No session can change an account from here until the next resume: the
  // table read now decides logins while paused, refusals included.
  co_await read_accounts(true);
  if (pauses_warm() && !memory_is_short_()) {
    // (Not in the condition: g++ 12 mishandles co_await inside &&.)
    const bool paused_warm = co_await pause_warm(idle);
    if (paused_warm) co_return;
  }
  core::Status stopped = co_await engine_->stop();
  enter(DatabaseState::paused);
  if (!stopped) say(logging::Level::warning, "pause: " + stopped.error());
  say(logging::Level::notice,
      fmt::format("paused after {:.0f}s without client sessions ({:.1f} ACU-seconds used so far)",
                  idle, acu_seconds_));
}

// A warm pause first where the engine can freeze and `auto-pause-deep`
// leaves time for one.
bool DatabaseRuntime::pauses_warm() const {
  if (!engine_->can_freeze()) return false;
  const auto& deep = config_.auto_pause_deep;
  return !deep || *deep > config_.auto_pause.value_or(config::Duration::zero());
}

// Compute frozen in place. A client arriving while it is readied calls
// the pause off. False: the freeze failed, and compute is to be stopped
// (a deep pause).
asio::awaitable<bool> DatabaseRuntime::pause_warm(double idle) {
  warm_up_due_.reset();
  // A stop calls the freeze off too: its flush may take `timeout command`.
  auto outcome =
      co_await engine_->freeze([this] { return stop_requested_ || gate_.sessions() > 0; });
  if (outcome.kind == FreezeOutcome::Kind::called_off) {
    if (stop_requested_)
      enter(DatabaseState::running);  // stop_compute() stops it next
    else
      call_off_pause();
    co_return true;
  }
  if (outcome.kind == FreezeOutcome::Kind::failed) {
    say(logging::Level::warning,
        fmt::format("warm pause failed ({}); stopping compute instead", outcome.error));
    co_return false;
  }
  frozen_mib_ = static_cast<double>(engine_->frozen_resident_bytes()) / kMiB;
  enter(DatabaseState::frozen);
  say(logging::Level::notice,
      fmt::format("paused (warm) after {:.0f}s without client sessions: compute frozen, {:.0f} MiB "
                  "stays resident ({:.1f} ACU-seconds used so far)",
                  idle, frozen_mib_, acu_seconds_));
  co_return true;
}

// A warm pause: thawed for a client, made deep after `auto-pause-deep`
// idle or when the host runs short of memory, or found dead.
asio::awaitable<core::SteadyTime> DatabaseRuntime::step_frozen() {
  if (auto exit = engine_->unexpected_exit()) {
    ++crashes_;
    enter(DatabaseState::paused);
    say(logging::Level::alert,
        fmt::format("compute exited while paused (warm) ({}); the next client starts it",
                    exit->describe()));
    co_return clock_.now();
  }
  if (resume_wanted_) {
    co_await thaw();
    co_return clock_.now();
  }
  auto now = clock_.now();
  const auto& deep = config_.auto_pause_deep;
  if (deep && now - idle_since_ >= *deep) {
    co_await pause_deep_from_warm(
        fmt::format("{}s without client sessions",
                    std::chrono::duration_cast<std::chrono::seconds>(now - idle_since_).count()));
    co_return clock_.now();
  }
  if (memory_is_short_()) {
    co_await pause_deep_from_warm("the host is short of memory");
    co_return clock_.now();
  }
  auto next = now + kFrozenLook;
  if (deep) next = std::min(next, idle_since_ + *deep);
  co_return next;
}

// Clients are let in as soon as compute answers, at the capacity it was
// frozen at (its connection limit is in force); then compute grows back
// for them and refills its caches.
asio::awaitable<void> DatabaseRuntime::thaw() {
  resume_wanted_ = false;
  enter(DatabaseState::resuming);
  auto began = clock_.now();
  if (core::Status thawed = co_await engine_->thaw(); !thawed) {
    say(logging::Level::alert,
        fmt::format("resume from a warm pause failed: {}; starting compute again", thawed.error()));
    (void)co_await engine_->stop();
    enter(DatabaseState::stopped);
    co_return;
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - began);
  if (auto table = gate_.accounts(); table && table->exact())
    gate_.publish_accounts(std::make_shared<const auth::AccountTable>(table->inexact()));
  next_accounts_read_ = clock_.now();
  const int waiting = gate_.sessions();
  idle_since_ = clock_.now();
  next_sample_ = idle_since_ + kSampleInterval;
  // As a deep resume: from the starting capacity, sized for the clients
  // waiting. At or below the frozen capacity (its connection limit is in
  // force) they are let in at once; a burst beyond it cannot wait.
  const double frozen_at = capacity_;
  const double needed = capacity_for_clients(waiting);
  if (needed <= frozen_at) capacity_ = needed;
  enter(DatabaseState::running);
  warm_resumes_.observe(clock_.now() - began);
  if (needed <= frozen_at) {
    warm_up_due_ = clock_.now() + kWarmUpDelay;
  } else if (core::Status warmed = co_await engine_->warm_up(needed); !warmed) {
    say(logging::Level::warning, fmt::format("after a warm pause: {}", warmed.error()));
  } else {
    account(clock_.now());
    capacity_ = needed;
    publish();
  }
  say(logging::Level::notice,
      fmt::format("resumed from a warm pause in {} ms for {} waiting connections at {} ACU",
                  took.count(), waiting, format_acu(capacity_)));
}

// `pausing` while compute stops: a client arriving meanwhile waits for the
// resume it asks for (a start: the freeze's memory is gone).
asio::awaitable<void> DatabaseRuntime::pause_deep_from_warm(const std::string& why) {
  enter(DatabaseState::pausing);
  core::Status stopped = co_await engine_->stop();
  enter(DatabaseState::paused);
  if (!stopped) say(logging::Level::warning, "pause: " + stopped.error());
  say(logging::Level::notice,
      fmt::format("paused (deep) after a warm pause ({}): compute stopped", why));
}

// Not a failed start: clients held for the database wait for the restart
// (the view's `failures` counts failed starts only).
void DatabaseRuntime::handle_crash(const ExitStatus& exit) {
  ++crashes_;
  say(logging::Level::alert,
      fmt::format("compute exited unexpectedly ({}); restarting", exit.describe()));
  enter(DatabaseState::stopped);
}

asio::awaitable<void> DatabaseRuntime::follow_load(double seconds) {
  auto sample = co_await engine_->sample(capacity_, seconds);
  LoadSample load;
  if (sample) {
    load = *sample;
    outside_connections_ = std::max(0, load.connections - gate_.sessions());
  } else {
    // No engine metrics: the gateway's own session count is the signal.
    load.connections = gate_.sessions();
    load.max_connections = client_limit(capacity_);
  }
  if (gate_.sessions() == 0)
    load.seconds_without_sessions = std::max(0.0, seconds_between(idle_since_, clock_.now()));
  ScalingDecision decision = policy_.decide(capacity_, load, seconds);
  // Clients waiting for a connection slot need capacity now; and capacity
  // never drops below what the connections in use need.
  int needed_clients = gate_.slots_in_use() + gate_.held();
  double needed = capacity_for_clients(needed_clients);
  if (decision.capacity < needed) {
    decision.reason = gate_.held() > 0
                          ? fmt::format("{} clients waiting for a connection", gate_.held())
                          : fmt::format("{} connections in use", needed_clients);
    decision.capacity = needed;
  }
  // Bounds an operator changed since the last step.
  if (const double bounded = clamp_capacity(config_, decision.capacity);
      bounded != decision.capacity) {
    decision.capacity = bounded;
    decision.reason = fmt::format("capacity bounds {}-{} ACU", format_acu(config_.capacity_min),
                                  format_acu(config_.capacity_max));
  }
  if (decision.capacity == capacity_) co_return;
  core::Status resized = co_await engine_->resize(decision.capacity);
  if (!resized) {
    say(logging::Level::warning,
        fmt::format("scaling {} -> {} ACU failed: {}", format_acu(capacity_),
                    format_acu(decision.capacity), resized.error()));
    co_return;
  }
  say(logging::Level::notice, fmt::format("scaling {} -> {} ACU ({})", format_acu(capacity_),
                                          format_acu(decision.capacity), decision.reason));
  account(clock_.now());
  capacity_ = decision.capacity;
  publish();
}

asio::awaitable<void> DatabaseRuntime::stop_compute() {
  if (compute_may_run(state_) || state_ == DatabaseState::frozen) {
    if (state_ == DatabaseState::running) co_await read_accounts(gate_.sessions() == 0);
    core::Status stopped = co_await engine_->stop();
    if (!stopped) say(logging::Level::warning, "stop: " + stopped.error());
  }
  enter(DatabaseState::stopped);
  log_summary();
}

asio::awaitable<void> DatabaseRuntime::read_accounts(bool exact) {
  co_await engine_->read_accounts(exact);
  gate_.publish_accounts(engine_->accounts());
}

core::Status DatabaseRuntime::prepare() {
  core::Status prepared = engine_->prepare();
  if (prepared) gate_.publish_accounts(engine_->accounts());
  return prepared;
}

core::Status DatabaseRuntime::request_pause() {
  if (config_.capacity_min > 0)
    return core::fail(fmt::format("its capacity minimum is {} ACU: it never pauses",
                                  format_acu(config_.capacity_min)));
  if (state_ != DatabaseState::running)
    return core::fail(fmt::format("it is {}, not running", state_name(state_)));
  if (int sessions = gate_.sessions(); sessions > 0)
    return core::fail(
        fmt::format("{} client session{} open", sessions, sessions == 1 ? " is" : "s are"));
  pause_wanted_ = true;
  wake_.cancel();
  return {};
}

void DatabaseRuntime::request_resume() {
  resume_wanted_ = true;
  wake_.cancel();
}

void DatabaseRuntime::set_capacity_bounds(const config::CapacityBounds& bounds) {
  if (bounds.min == config_.capacity_min && bounds.max == config_.capacity_max) return;
  say(logging::Level::notice,
      fmt::format("capacity bounds {}-{} -> {}-{} ACU (set by the runtime API)",
                  format_acu(config_.capacity_min), format_acu(config_.capacity_max),
                  format_acu(bounds.min), format_acu(bounds.max)));
  config_.capacity_min = bounds.min;
  config_.capacity_max = bounds.max;
  policy_.forget_load();  // floors it learned may be outside the new bounds
  share_auto_pause();
  if (!compute_may_run(state_)) capacity_ = starting_capacity(config_);
  if (bounds.min > 0) resume_wanted_ = true;  // compute runs from now on
  wake_.cancel();
}

DatabaseReport DatabaseRuntime::report() {
  const auto now = clock_.now();
  account(now);
  DatabaseReport report;
  report.name = config_.name;
  report.state = state_;
  report.capacity = compute_may_run(state_) ? capacity_ : 0;  // what is billed now
  report.capacity_min = config_.capacity_min;
  report.capacity_max = config_.capacity_max;
  report.acu_seconds = acu_seconds_;
  report.frozen_mib_seconds = frozen_mib_seconds_;
  report.seconds_in_state = seconds_in_state_;
  report.seconds_in_state[static_cast<std::size_t>(state_)] += seconds_between(state_since_, now);
  report.sessions = gate_.sessions();
  report.active = gate_.slots_in_use();
  report.held = gate_.held();
  report.failed_starts = failures_;
  report.crashes = crashes_;
  report.deep_resumes = deep_resumes_.read();
  report.warm_resumes = warm_resumes_.read();
  return report;
}

void DatabaseRuntime::log_summary() {
  std::string times;
  for (int i = 0; i < kDatabaseStateCount; ++i)
    if (seconds_in_state_[static_cast<std::size_t>(i)] > 0 &&
        (i != static_cast<int>(DatabaseState::stopped) ||
         seconds_in_state_[static_cast<std::size_t>(i)] >= 0.05))
      times += fmt::format(" {} {:.1f}s", state_name(static_cast<DatabaseState>(i)),
                           seconds_in_state_[static_cast<std::size_t>(i)]);
  const std::string frozen =
      frozen_mib_seconds_ > 0
          ? fmt::format("; {:.0f} MiB-seconds held while paused (warm)", frozen_mib_seconds_)
          : std::string();
  say(logging::Level::notice, fmt::format("stopped; {:.1f} ACU-seconds used; time in states:{}{}",
                                          acu_seconds_, times, frozen));
}

asio::awaitable<void> DatabaseRuntime::shut_down() {
  if (!supervising_) {
    finished_ = true;
    co_return;
  }
  stop_requested_ = true;
  engine_->abandon_start();
  wake_.cancel();
  while (!finished_) {
    on_finished_.expires_at(core::SteadyTime::max());
    asio::error_code ignored;
    co_await on_finished_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace borealis::serverless

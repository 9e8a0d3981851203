// What the data plane sees of a serverless database, and how the two planes
// meet over it: the database's state and endpoint (an immutable snapshot
// the control plane publishes), a way to ask for a resume, the count of
// client sessions that keep it awake, and the engine's connection slots.
//
// Invariants:
// - a client session is counted in sessions() from before it first reads
//   the view until it ends, so a pause that re-reads sessions() after
//   publishing `pausing` never misses it (see Use::Use());
// - a session holds at most one engine slot, and holds one for as long as
//   it has a connection to the engine: slots_in_use() never exceeds the
//   published `max_connections` at the time each slot was taken, so a burst
//   never meets "Too many connections";
// - a held session waits on an event (a publish, a freed slot, or its own
//   deadline), never on a poll.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "auth/account_table.hpp"
#include "core/clock.hpp"
#include "core/snapshot.hpp"
#include "serverless/database_state.hpp"

namespace borealis::serverless {

struct DatabaseView {
  DatabaseState state = DatabaseState::stopped;
  asio::ip::tcp::endpoint endpoint;
  // Counts failed starts: a session that saw N when it began waiting gives
  // up when it sees more, instead of waiting out its whole timeout.
  unsigned long long failures = 0;
  // Client connections the engine accepts at its current capacity.
  int max_connections = 0;
};

class DatabaseGate {
 public:
  DatabaseGate(asio::io_context& control, std::string name,
               std::chrono::milliseconds timeout_resume, int maxqueue,
               core::Clock& clock = core::system_clock());

  const std::string& name() const { return name_; }
  // Longest a client connection is held while the database wakes.
  std::chrono::milliseconds timeout_resume() const { return timeout_resume_; }
  // `auto-pause` (none: never pauses): how long a `mode mysql` session may
  // stay idle at a safe point before it gives its server connection back,
  // unless `timeout release` says otherwise. Read by the workers; set by the
  // control thread, at start and when the runtime API changes the capacity
  // minimum.
  std::optional<std::chrono::milliseconds> auto_pause() const {
    const long long ms = auto_pause_ms_.load(std::memory_order_relaxed);
    if (ms < 0) return std::nullopt;
    return std::chrono::milliseconds(ms);
  }
  void set_auto_pause(std::optional<std::chrono::milliseconds> value) {
    auto_pause_ms_.store(value ? value->count() : -1, std::memory_order_relaxed);
  }
  std::shared_ptr<const DatabaseView> view() const { return view_.load(); }
  // Control thread. Wakes every held session.
  void publish(DatabaseView view);

  // The engine's accounts, for logins borealis checks itself (null: none
  // known). Published by the control thread, read by any.
  std::shared_ptr<const auth::AccountTable> accounts() const { return accounts_.load(); }
  void publish_accounts(std::shared_ptr<const auth::AccountTable> table) {
    accounts_.publish(std::move(table));
  }

  // Any thread: a client's login was checked by borealis while the engine
  // was not running (the handshake overlapped the start); the control
  // plane takes the count for its resume line.
  void note_login_during_start() { logins_during_start_.fetch_add(1, std::memory_order_relaxed); }
  int take_logins_during_start() { return logins_during_start_.exchange(0); }

  // Any thread. Wakes the control plane once, however many sessions ask.
  void request_resume();
  // Control thread: installed before workers start.
  void set_resume_handler(std::function<void()> handler) { on_resume_ = std::move(handler); }
  bool take_resume_request() { return resume_requested_.exchange(false); }

  // A client session's use of the database, for as long as it lives.
  class Use {
   public:
    explicit Use(DatabaseGate& gate);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    // Takes an engine slot if one is free at `limit`; true when taken (then
    // held until this Use ends).
    bool try_take_slot(int limit);
    // Waits until something changes (a publish, a freed slot) or `deadline`.
    asio::awaitable<void> wait(core::SteadyTime deadline);
    // The session has been idle for `idle`: when this Use ends, the
    // database counts as unused since then, not since the end.
    void idle_for(std::chrono::nanoseconds idle) { idle_ = idle; }

   private:
    DatabaseGate& gate_;
    bool has_slot_ = false;
    std::chrono::nanoseconds idle_{0};
  };

  // A read-modify-write, not a load: see Use::Use().
  int sessions() const { return sessions_.fetch_add(0, std::memory_order_acq_rel); }
  int slots_in_use() const { return slots_.load(std::memory_order_relaxed); }
  int held() const { return held_.load(std::memory_order_relaxed); }
  // True when no more client connections should be accepted for it, with
  // `arriving` more on their way to it.
  bool queue_full(int arriving = 0) const { return held() + arriving >= maxqueue_; }
  // When the database was last used by a session that has ended (the
  // clock's time; the latest of them), or the epoch if none has.
  core::SteadyTime last_session_end() const;
  core::Clock& clock() const { return clock_; }

 private:
  struct Waiter {
    asio::steady_timer timer;
    explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
  };
  void wake(std::size_t how_many);  // how_many == 0: everyone
  void release_slot();

  asio::io_context& control_;
  std::string name_;
  std::chrono::milliseconds timeout_resume_;
  std::atomic<long long> auto_pause_ms_{-1};  // -1: none
  int maxqueue_;
  core::Clock& clock_;
  core::Snapshot<DatabaseView> view_;
  core::Snapshot<auth::AccountTable> accounts_{nullptr};
  std::function<void()> on_resume_;
  std::atomic<bool> resume_requested_{false};
  mutable std::atomic<int> sessions_{0};
  std::atomic<int> slots_{0};
  std::atomic<int> held_{0};
  std::atomic<int> logins_during_start_{0};
  std::atomic<core::SteadyTime::rep> last_session_end_{0};
  // Held sessions, oldest first. Touched only when a session waits or is
  // woken: never on the path of a running database's traffic.
  std::mutex waiters_mutex_;
  std::list<std::weak_ptr<Waiter>> waiters_;
};

}  // namespace borealis::serverless

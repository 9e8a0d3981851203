// How a database's compute is run. The database's state machine drives an
// engine; each engine knows one way to start, stop and resize compute.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/account_table.hpp"
#include "core/status.hpp"
#include "serverless/capacity.hpp"
#include "serverless/child_process.hpp"
#include "serverless/handover.hpp"

namespace borealis::serverless {

// How a freeze (a warm pause) ended.
struct FreezeOutcome {
  enum class Kind { frozen, called_off, failed };
  Kind kind = Kind::failed;
  std::string error;  // failed: why (compute may be left as it was, or stopped)
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Startup checks and preparation (directories, locks, credentials). May
  // block; runs before any traffic.
  virtual core::Status prepare() = 0;
  // Starts compute at `capacity` and returns once it answers a real login.
  // On an error nothing of the attempt is left running.
  virtual asio::awaitable<core::Status> start(double capacity) = 0;
  // Makes a start() in progress give up at its next step (borealis is
  // stopping); stop() then cleans up what it started.
  virtual void abandon_start() = 0;
  // Stops compute cleanly (for mariadb: buffer pool dumped, nothing lost),
  // frozen or not.
  virtual asio::awaitable<core::Status> stop() = 0;
  // Applies a new capacity in place, without a restart.
  virtual asio::awaitable<core::Status> resize(double capacity) = 0;
  // Load over the last `seconds`, or nullopt when the engine cannot tell.
  virtual asio::awaitable<std::optional<LoadSample>> sample(double capacity, double seconds) = 0;
  // A warm pause: compute frozen in place (no CPU, its memory given back
  // as far as it can be) and continued in milliseconds. Engines that
  // cannot freeze only stop.
  virtual bool can_freeze() const { return false; }
  // Writes out what a crash while frozen would otherwise cost, shrinks
  // compute and freezes it. `called_off` is asked between the steps (a
  // client arrived): then compute is left running as it was.
  virtual asio::awaitable<FreezeOutcome> freeze(std::function<bool()> called_off) {
    (void)called_off;
    co_return FreezeOutcome{FreezeOutcome::Kind::failed, "this engine cannot freeze"};
  }
  // Continues frozen compute; returns once it answers.
  virtual asio::awaitable<core::Status> thaw() { co_return core::fail("not frozen"); }
  // After a thaw, with clients already in: compute back at `capacity`, its
  // caches refilling.
  virtual asio::awaitable<core::Status> warm_up(double capacity) { return resize(capacity); }
  // What frozen compute keeps resident, in bytes (0: not known).
  virtual std::uint64_t frozen_resident_bytes() const { return 0; }
  // Reports, once, that compute ended without being asked to.
  virtual std::optional<ExitStatus> unexpected_exit() = 0;
  // Where clients' connections go while compute runs.
  virtual asio::ip::tcp::endpoint endpoint() const = 0;
  // Connections of max_connections the engine's own control session takes
  // (clients get the rest).
  virtual int reserved_connections() const { return 0; }
  // Reads the engine's accounts (what borealis needs to authenticate its
  // clients itself) while compute runs; `exact` when no client session can
  // change them before compute stops. Best effort: on an error the last
  // table stays.
  virtual asio::awaitable<void> read_accounts(bool exact) {
    (void)exact;
    co_return;
  }
  // The last table read (kept across restarts where the engine can), or
  // null when this engine has none.
  virtual std::shared_ptr<const auth::AccountTable> accounts() const { return nullptr; }
  // How a person connects, for the startup message ("user app, password in X").
  virtual std::string credentials_hint() const = 0;

  // A reload (DatabaseRuntime::hold()): what a new process needs to take
  // compute over. The descriptors stay this engine's until let_go().
  virtual EngineHandover hand_over() const { return {}; }
  // The new process took compute over: forget it without stopping it.
  virtual void let_go() {}
  // Instead of prepare(), in the new process: takes over compute as the
  // previous process handed it over (the descriptors are the engine's from
  // here, also on an error), running at `capacity`.
  virtual core::Status adopt(EngineHandover handover, double capacity) {
    (void)capacity;
    if (!handover.descriptors.empty()) return core::fail("this engine takes no descriptors");
    return prepare();
  }
  // The new process runs the database from here (the old one let go):
  // what adopt() prepared without side effects takes effect.
  virtual void took_over() {}
  // The listening socket clients reach compute at, when the engine owns
  // it (-1 otherwise): while compute is paused, a connection waiting in its
  // queue (from a process that handed the database over) asks for a resume.
  virtual int client_listener() const { return -1; }
};

}  // namespace borealis::serverless

// How a database's compute is run. The database's state machine drives an
// engine; each engine knows one way to start, stop and resize compute.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>

#include "auth/account_table.hpp"
#include "core/status.hpp"
#include "serverless/capacity.hpp"
#include "serverless/child_process.hpp"

namespace borealis::serverless {

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
  // Stops compute cleanly (for mariadb: buffer pool dumped, nothing lost).
  virtual asio::awaitable<core::Status> stop() = 0;
  // Applies a new capacity in place, without a restart.
  virtual asio::awaitable<core::Status> resize(double capacity) = 0;
  // Load over the last `seconds`, or nullopt when the engine cannot tell.
  virtual asio::awaitable<std::optional<LoadSample>> sample(double capacity, double seconds) = 0;
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
};

}  // namespace borealis::serverless

// What the data plane knows about a backend: an immutable list of servers
// with their current address and usability, published by the control plane.
// Per-server load counters live outside the snapshot so every worker updates
// the same ones with relaxed atomics.
#pragma once

#include <asio/ip/tcp.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/account_table.hpp"
#include "backend/continuity_counters.hpp"
#include "config/model.hpp"
#include "core/snapshot.hpp"
#include "logging/logger.hpp"
#include "mysql/server_handshake.hpp"
#include "serverless/database_gate.hpp"
#include "stats/traffic_counters.hpp"
#include "tls/client_context.hpp"

namespace borealis::backend {

struct ServerLoad {
  std::atomic<int> active{0};
  stats::TrafficCounters traffic;  // for `show stat`
};

struct ServerView {
  int id = 0;  // index into Backend::loads, stable for the process lifetime
  std::string name;
  std::optional<asio::ip::tcp::endpoint> address;
  bool usable = false;  // has an address, is up by checks, not in maintenance
  int weight = 1;
  bool backup = false;
  int maxconn = 0;
  config::SendProxy send_proxy = config::SendProxy::none;
  serverless::DatabaseGate* database = nullptr;  // address comes from it when set
  tls::ClientContext* tls = nullptr;             // `ssl`: TLS inside the MySQL handshake
};

struct BackendView {
  std::vector<ServerView> servers;
  int usable_count() const;
};

// One backend, shared by both planes for the process lifetime.
class Backend {
 public:
  Backend(const config::Proxy& proxy, logging::Logger logger);

  const config::Proxy& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  const logging::Logger& logger() const { return logger_; }

  std::shared_ptr<const BackendView> view() const { return view_.load(); }
  void publish(std::shared_ptr<const BackendView> next) { view_.publish(std::move(next)); }

  ServerLoad& load(int server_id) { return *loads_[static_cast<std::size_t>(server_id)]; }
  std::atomic<unsigned long long>& round_robin_counter() { return round_robin_; }

  // `mode mysql`: what borealis greets clients with, what a server of this
  // backend announced last (before any: a MariaDB-like version, the usual
  // capabilities and no MariaDB extensions).
  std::shared_ptr<const mysql::ServerIdentity> server_identity() const {
    return server_identity_.load();
  }
  void remember_server_identity(const mysql::ServerIdentity& identity);
  // `mysql-user` lines: accounts borealis can prove a password against and
  // log in with again, on any server (null: none). Never exact: a login
  // they do not prove is left to the server.
  const std::shared_ptr<const auth::AccountTable>& configured_accounts() const {
    return configured_accounts_;
  }
  std::atomic<int>& active_sessions() { return active_; }
  // Totals for `show stat`: sessions, bytes, failed connects, retries.
  stats::TrafficCounters& traffic() { return traffic_; }
  const stats::TrafficCounters& traffic() const { return traffic_; }
  // `mode mysql` session continuity: restores, releases and refusals.
  ContinuityCounters& continuity() { return continuity_; }
  const ContinuityCounters& continuity() const { return continuity_; }

 private:
  config::Proxy config_;
  logging::Logger logger_;
  core::Snapshot<BackendView> view_;
  std::vector<std::unique_ptr<ServerLoad>> loads_;
  std::atomic<unsigned long long> round_robin_{0};
  std::atomic<int> active_{0};
  stats::TrafficCounters traffic_;
  core::Snapshot<mysql::ServerIdentity> server_identity_;
  std::shared_ptr<const auth::AccountTable> configured_accounts_;
  ContinuityCounters continuity_;
};

}  // namespace borealis::backend

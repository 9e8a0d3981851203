// A frontend as the workers see it: its settings, its log, the backend it
// sends to, and the connection counts that `maxconn` limits.
#pragma once

#include <atomic>

#include "access/access_rules.hpp"
#include "access/connect_errors.hpp"
#include "access/reject_log.hpp"
#include "backend/backend_view.hpp"
#include "config/model.hpp"
#include "logging/logger.hpp"
#include "stats/traffic_counters.hpp"
#include "tls/server_context.hpp"

namespace borealis::frontend {

// One `bind` as its sessions see it: its options and, with `ssl`, the TLS
// context loaded from its `crt` (owned by the gateway, for the process's
// lifetime).
struct Listener {
  const config::Bind* bind = nullptr;
  tls::ServerContext* tls = nullptr;
};

struct ProcessLimits {
  std::atomic<int> active{0};
  int maxconn = 0;  // 0: unlimited
};

class Frontend {
 public:
  Frontend(const config::Proxy& proxy, logging::Logger logger, backend::Backend* backend,
           ProcessLimits& process);

  const config::Proxy& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  const logging::Logger& logger() const { return logger_; }
  backend::Backend* backend() const { return backend_; }
  ProcessLimits& process() { return process_; }
  std::atomic<int>& active() { return active_; }
  int current_sessions() const { return active_.load(std::memory_order_relaxed); }
  // Totals for `show stat`: sessions, bytes, refusals.
  stats::TrafficCounters& traffic() { return traffic_; }
  const stats::TrafficCounters& traffic() const { return traffic_; }
  int maxconn() const { return maxconn_; }
  // `tcp-request connection|session` rules, and the rate limit of the lines
  // that report what they refuse.
  const access::AccessRules& rules() const { return rules_; }
  access::RejectLog& reject_log() { return reject_log_; }
  // `max-connect-errors` (mode mysql): failed logins per client address.
  access::ConnectErrors& connect_errors() { return connect_errors_; }
  // Logs a refused connection (at most once per source per second).
  void log_refusal(const asio::ip::address& source, std::uint16_t port, std::string_view what);

  // False while this frontend or the process is at its `maxconn`: the accept
  // loop then leaves new connections in the kernel's queue.
  bool has_room() const;
  bool databases_queue_full() const;
  // Takes a slot in this frontend's and the process's count, or returns
  // false at either `maxconn`. The session releases it when it ends.
  bool try_reserve();
  void release();
  // Connections handed from one worker to another whose sessions have not
  // started yet (accept_loop.cpp): counted in databases_queue_full().
  void begin_transit() { in_transit_.fetch_add(1, std::memory_order_relaxed); }
  void end_transit() { in_transit_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  config::Proxy config_;
  access::AccessRules rules_;
  access::RejectLog reject_log_;
  access::ConnectErrors connect_errors_;
  logging::Logger logger_;
  backend::Backend* backend_;
  ProcessLimits& process_;
  std::atomic<int> active_{0};
  std::atomic<int> in_transit_{0};
  stats::TrafficCounters traffic_;
  int maxconn_;
  bool only_database_servers_;  // every server is `database@`: maxqueue applies
};

}  // namespace borealis::frontend

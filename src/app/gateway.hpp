// The running program: builds the data plane (workers, listeners, frontends)
// and the control plane (checks, DNS, signals) from a configuration, runs
// them, and stops them on a signal.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "admin/dashboard.hpp"
#include "admin/runtime_api.hpp"
#include "backend/backend_control.hpp"
#include "backend/health_checker.hpp"
#include "backend/server_resolver.hpp"
#include "config/model.hpp"
#include "core/memory_return.hpp"
#include "core/worker_pool.hpp"
#include "frontend/frontend.hpp"
#include "frontend/session_registry.hpp"
#include "frontend/worker_loads.hpp"
#include "http/http_frontend.hpp"
#include "logging/logger.hpp"
#include "net/inherited_listeners.hpp"
#include "net/listen_socket.hpp"
#include "reload/database_takeover.hpp"
#include "serverless/database_gate.hpp"
#include "serverless/database_runtime.hpp"

namespace borealis::app {

// How this process starts: afresh, or replacing a running borealis (a
// reload), whose listening sockets it was handed.
struct StartMode {
  bool replacing = false;
  net::InheritedListeners listeners;
  // The old process's databases, held there until commit_takeover().
  reload::DatabaseTakeover databases;
};

class Gateway {
 public:
  explicit Gateway(config::Config config, StartMode mode = {});
  ~Gateway();

  // Everything that can fail at startup: addresses, listeners, resolvers,
  // privileges. Returns an empty string on success, else the message.
  std::string prepare();
  // A reload, once prepared: the old process lets go of the databases
  // this one adopted. False with `error` when it did not confirm.
  bool commit_takeover(std::string& error);
  // Runs until a stop signal; returns the process exit code.
  int run();
  // Called once, when a stop (soft or hard) begins.
  void on_stopping(std::function<void()> stopping) { stopping_notice_ = std::move(stopping); }

 private:
  std::string build_databases();
  std::string build_backends();
  std::string build_frontends();
  std::string open_listeners();
  std::string describe_targets();
  std::string open_runtime_api();
  std::vector<int> listening_sockets() const;
  std::string open_http_frontends();
  std::string write_pidfile();
  void log_continuity_totals() const;
  std::string drop_privileges();
  void raise_descriptor_limit();
  void start_workers();
  void watch_signals();
  void stop_accepting();
  void wait_for_sessions_then_stop();
  void wait_for_listeners_then_stop(int attempts_left);
  void stop(bool hard);
  void notice_stopping();
  asio::awaitable<void> stop_databases();
  asio::awaitable<void> return_memory();

  config::Config config_;
  StartMode start_mode_;  // its listeners are taken by prepare(), the rest closed
  asio::io_context control_;
  asio::signal_set signals_;
  bool stopping_ = false;
  std::function<void()> stopping_notice_;
  bool soft_stopping_ = false;
  bool accepting_stopped_ = false;
  logging::SinkRegistry sinks_;
  frontend::ProcessLimits limits_;
  core::MemoryReturn memory_return_;
  std::map<std::string, std::unique_ptr<serverless::DatabaseGate>> gates_;
  std::vector<std::unique_ptr<serverless::DatabaseRuntime>> databases_;
  std::map<std::string, std::unique_ptr<backend::Backend>> backends_;
  std::vector<std::unique_ptr<backend::BackendControl>> controls_;
  std::vector<std::unique_ptr<backend::HealthChecker>> checkers_;
  std::unique_ptr<backend::ServerResolver> resolver_;
  std::vector<std::unique_ptr<frontend::Frontend>> frontends_;
  // Per frontend, per bind, per worker: one SO_REUSEPORT socket.
  // Every bind of every frontend, with its TLS context when it has `ssl`.
  std::vector<std::unique_ptr<frontend::Listener>> listeners_;
  std::vector<std::unique_ptr<tls::ServerContext>> tls_contexts_;
  std::vector<std::unique_ptr<tls::ClientContext>> tls_client_contexts_;
  struct OpenSocket {
    frontend::Frontend* frontend;
    const frontend::Listener* listener;
    int worker;
    net::ListenSocket socket;
  };
  std::vector<OpenSocket> sockets_;
  // Per worker: its sessions, for `show sess` and `shutdown sessions`.
  // Before workers_: sessions still in a worker's loop when it is
  // destroyed leave their registry on the way out.
  std::vector<std::unique_ptr<frontend::SessionRegistry>> session_registries_;
  // Where the accept loops start sessions (frontend/worker_loads.hpp);
  // before workers_ too: a session destroyed with its worker lowers its
  // worker's count.
  std::unique_ptr<frontend::Workers> workers_for_sessions_;
  std::unique_ptr<core::WorkerPool> workers_;
  std::vector<std::pair<int, std::shared_ptr<asio::ip::tcp::acceptor>>> acceptors_;
  std::atomic<int> accept_loops_running_{0};
  int exit_code_ = 0;
  // What the runtime API and the metrics read.
  admin::ApiTargets api_targets_;
  // Last: gone before the databases and backends their reports look at.
  std::unique_ptr<admin::RuntimeApi> api_;
  std::unique_ptr<admin::Dashboard> dashboard_;  // with a `stats uri` only
  std::vector<std::unique_ptr<http::HttpFrontend>> http_frontends_;
};

}  // namespace borealis::app

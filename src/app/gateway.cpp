#include "app/gateway.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <fstream>
#include <thread>

#include "admin/metrics_report.hpp"
#include "app/pidfile.hpp"
#include "backend/initial_address.hpp"
#include "core/sleep.hpp"
#include "frontend/accept_loop.hpp"
#include "logging/stderr_notice.hpp"
#include "serverless/exec_engine.hpp"
#include "serverless/mariadb_engine.hpp"

namespace borealis::app {

namespace {

constexpr int kListenBacklog = 1024;
// A `mode http` frontend without a `maxconn` of its own takes at most this
// many connections: a flood on the metrics port cannot use up the global
// `maxconn` that the MySQL frontends share.
constexpr int kHttpMaxconn = 100;
// How often the control plane looks whether to give memory back.
constexpr auto kMemoryLook = std::chrono::seconds(2);

int worker_count(const config::Global& global) {
  if (global.nbthread > 0) return global.nbthread;
  unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace

Gateway::Gateway(config::Config config, StartMode mode)
    : config_(std::move(config)),
      start_mode_(std::move(mode)),
      signals_(control_, SIGTERM, SIGINT, SIGUSR1) {
  limits_.maxconn = config_.global.maxconn;
}

Gateway::~Gateway() {
  if (workers_) {
    workers_->stop();
    workers_->join();
  }
}

std::string Gateway::prepare() {
  raise_descriptor_limit();
  // The runtime API's socket file comes after every other step that can
  // fail: a reload that fails leaves the old process's socket in place.
  for (auto step :
       {&Gateway::build_databases, &Gateway::build_backends, &Gateway::build_frontends,
        &Gateway::open_listeners, &Gateway::describe_targets, &Gateway::open_http_frontends,
        &Gateway::open_runtime_api, &Gateway::write_pidfile, &Gateway::drop_privileges}) {
    std::string error = (this->*step)();
    if (!error.empty()) return error;
  }
  // Handed-over sockets of binds this configuration no longer has.
  start_mode_.listeners = {};
  return {};
}

std::string Gateway::build_databases() {
  auto logger = logging::make_logger(sinks_, {}, config_.global.logs, true);
  for (const auto& database : config_.databases) {
    auto& gate = gates_[database.name];
    gate = std::make_unique<serverless::DatabaseGate>(control_, database.name,
                                                      database.timeout_resume, database.maxqueue);
    std::unique_ptr<serverless::Engine> engine;
    if (database.engine == config::Database::Engine::mariadb)
      engine = std::make_unique<serverless::MariadbEngine>(control_, database, config_.global.user);
    else
      engine = std::make_unique<serverless::ExecEngine>(control_, database);
    auto runtime = std::make_unique<serverless::DatabaseRuntime>(control_, database, *gate,
                                                                 std::move(engine), logger);
    // A reload adopts the compute the old process runs; anything else
    // prepares to start its own.
    auto handed = start_mode_.databases.take(database.name);
    core::Status prepared = handed ? runtime->adopt(std::move(*handed)) : runtime->prepare();
    if (!prepared) return prepared.error();
    databases_.push_back(std::move(runtime));
  }
  return {};
}

bool Gateway::commit_takeover(std::string& error) {
  if (!start_mode_.databases.active()) return true;
  return start_mode_.databases.commit(error);
}

std::string Gateway::build_backends() {
  try {
    resolver_ = std::make_unique<backend::ServerResolver>(control_, config_);
    for (const auto& proxy : config_.proxies) {
      if (!proxy.has_servers()) continue;
      auto logger = logging::make_logger(sinks_, proxy.logs, config_.global.logs, proxy.log_global);
      auto& backend = backends_[proxy.name];
      backend = std::make_unique<backend::Backend>(proxy, std::move(logger));
      auto control = std::make_unique<backend::BackendControl>(*backend);
      for (auto& server : control->servers()) {
        if (!server.config.database.empty())
          server.database = gates_.at(server.config.database).get();
        if (server.config.ssl) {
          // Loaded before privileges are dropped, as a bind's certificate.
          core::Status status;
          auto context = tls::ClientContext::load(server.config, status);
          if (!context)
            return fmt::format("backend '{}', server '{}': {} (server at {}:{})", proxy.name,
                               server.config.name, status.error(), server.config.where.file,
                               server.config.where.line);
          server.tls = tls_client_contexts_.emplace_back(std::move(context)).get();
        }
        if (auto error = backend::assign_initial_address(server)) return *error;
      }
      control->publish();
      resolver_->watch(*control);
      checkers_.push_back(std::make_unique<backend::HealthChecker>(control_, *control));
      controls_.push_back(std::move(control));
    }
  } catch (const std::exception& error) {
    return error.what();
  }
  return {};
}

std::string Gateway::build_frontends() {
  for (const auto& proxy : config_.proxies) {
    if (!proxy.accepts_clients()) continue;
    backend::Backend* target = nullptr;
    // A listen section is its own backend; a frontend names one.
    const std::string& name =
        proxy.kind == config::Proxy::Kind::listen ? proxy.name : proxy.default_backend;
    if (auto found = backends_.find(name); found != backends_.end()) target = found->second.get();
    auto logger = logging::make_logger(sinks_, proxy.logs, config_.global.logs, proxy.log_global);
    config::Proxy served = proxy;
    if (served.mode == config::Mode::http && served.maxconn == 0) served.maxconn = kHttpMaxconn;
    frontends_.push_back(
        std::make_unique<frontend::Frontend>(served, std::move(logger), target, limits_));
  }
  return {};
}

std::string Gateway::open_listeners() {
  int workers = worker_count(config_.global);
  for (auto& frontend : frontends_) {
    if (frontend->config().mode == config::Mode::http) continue;  // served on the control thread
    for (const auto& bind : frontend->config().binds) {
      auto& listener = *listeners_.emplace_back(std::make_unique<frontend::Listener>());
      listener.bind = &bind;
      if (bind.ssl) {
        // Loaded before privileges are dropped: key files are usually root's.
        core::Status status;
        auto context = tls::ServerContext::load(bind.crt, status);
        if (!context)
          return fmt::format("Starting frontend {}: {} (bind at {}:{})", frontend->name(),
                             status.error(), bind.where.file, bind.where.line);
        listener.tls = tls_contexts_.emplace_back(std::move(context)).get();
      }
      // A reload's handed-over sockets first; all of them are served.
      std::string error;
      auto sockets = net::open_bind_sockets(bind, static_cast<std::size_t>(workers),
                                            start_mode_.listeners, kListenBacklog, error);
      if (sockets.empty()) return fmt::format("Starting frontend {}: {}", frontend->name(), error);
      for (std::size_t i = 0; i < sockets.size(); ++i)
        sockets_.push_back({frontend.get(), &listener,
                            static_cast<int>(i % static_cast<std::size_t>(workers)), sockets[i]});
    }
  }
  workers_ = std::make_unique<core::WorkerPool>(workers);
  for (int worker = 0; worker < workers; ++worker)
    session_registries_.push_back(std::make_unique<frontend::SessionRegistry>(worker));
  workers_for_sessions_ =
      std::make_unique<frontend::Workers>(frontend::Workers{{}, frontend::WorkerLoads(workers)});
  for (int worker = 0; worker < workers; ++worker)
    workers_for_sessions_->seats.push_back(
        {workers_->context(worker).get_executor(),
         session_registries_[static_cast<std::size_t>(worker)].get()});
  return {};
}

// What the runtime API, the metrics and the dashboard read.
std::string Gateway::describe_targets() {
  admin::ApiTargets targets;
  for (auto& database : databases_) targets.databases.push_back(database.get());
  // Frontends and backends were built in the configuration's order.
  std::size_t next_frontend = 0, next_backend = 0;
  int id = 0;
  for (const auto& proxy : config_.proxies) {
    admin::ProxyTargets entry{++id, nullptr, nullptr};
    if (proxy.accepts_clients()) entry.frontend = frontends_.at(next_frontend++).get();
    if (proxy.has_servers()) entry.backend = controls_.at(next_backend++).get();
    if (entry.frontend || entry.backend) targets.proxies.push_back(entry);
  }
  for (std::size_t worker = 0; worker < session_registries_.size(); ++worker)
    targets.workers.push_back(
        {&workers_->context(static_cast<int>(worker)), session_registries_[worker].get()});
  targets.limits = &limits_;
  targets.nbthread = workers_ ? workers_->size() : config_.global.nbthread;
  targets.listening_sockets = [this] { return listening_sockets(); };
  api_targets_ = targets;
  api_ = std::make_unique<admin::RuntimeApi>(control_, config_.global, std::move(targets));
  return {};
}

// Bound before privileges are dropped, as HAProxy binds its stats sockets.
std::string Gateway::open_runtime_api() { return api_->open(start_mode_.replacing); }

// Read on the control thread, which is also where accepting stops: none of
// these is closed while a reload takes them.
std::vector<int> Gateway::listening_sockets() const {
  std::vector<int> sockets;
  if (accepting_stopped_) return sockets;
  for (const auto& open : sockets_) sockets.push_back(open.socket.fd);
  for (const auto& served : http_frontends_) {
    auto more = served->listening_sockets();
    sockets.insert(sockets.end(), more.begin(), more.end());
  }
  return sockets;
}

// `mode http` frontends: the Prometheus exporter, on the control thread,
// bound before privileges are dropped.
std::string Gateway::open_http_frontends() {
  http::Services services;
  services.prometheus_exporter = [this](const http::Request& request) {
    return admin::metrics_response(api_targets_, request);
  };
  for (auto& frontend : frontends_) {
    if (frontend->config().mode != config::Mode::http) continue;
    if (frontend->config().stats_page && !dashboard_) {
      dashboard_ = std::make_unique<admin::Dashboard>(control_, api_targets_);
      services.stats_page = [this](const http::Request& request, const config::StatsPage& page) {
        return dashboard_->respond(request, page);
      };
    }
    auto& served = http_frontends_.emplace_back(
        std::make_unique<http::HttpFrontend>(control_, *frontend, services));
    if (std::string error = served->open(start_mode_.listeners); !error.empty()) return error;
  }
  return {};
}

// Every connection costs a descriptor (two when relayed): use all the
// kernel allows this process, as HAProxy does.
void Gateway::raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  (void)::setrlimit(RLIMIT_NOFILE, &limit);
}

// Supplementary groups are cleared whenever borealis changes its identity:
// root's groups must not survive the drop.
std::string Gateway::drop_privileges() {
  const auto& global = config_.global;
  if (global.group.empty() && global.user.empty()) return {};
  if (::setgroups(0, nullptr) != 0) return "cannot clear supplementary groups";
  if (!global.group.empty()) {
    group* entry = ::getgrnam(global.group.c_str());
    if (!entry) return fmt::format("unknown group '{}'", global.group);
    if (::setgid(entry->gr_gid) != 0)
      return fmt::format("cannot switch to group '{}'", global.group);
  }
  if (!global.user.empty()) {
    passwd* entry = ::getpwnam(global.user.c_str());
    if (!entry) return fmt::format("unknown user '{}'", global.user);
    if (global.group.empty() && ::setgid(entry->pw_gid) != 0)
      return fmt::format("cannot switch to the group of user '{}'", global.user);
    if (::setuid(entry->pw_uid) != 0) return fmt::format("cannot switch to user '{}'", global.user);
  }
  return {};
}

void Gateway::start_workers() {
  for (auto& open : sockets_) {
    auto& context = workers_->context(open.worker);
    auto acceptor = std::make_shared<asio::ip::tcp::acceptor>(
        context, open.socket.endpoint.protocol(), open.socket.fd);
    acceptors_.emplace_back(open.worker, acceptor);
    accept_loops_running_.fetch_add(1);
    asio::co_spawn(context,
                   frontend::accept_loop(*acceptor, *open.frontend, *open.listener,
                                         *workers_for_sessions_, open.worker),
                   [this](std::exception_ptr) { accept_loops_running_.fetch_sub(1); });
  }
  workers_->start();
}

void Gateway::stop_accepting() {
  if (accepting_stopped_) return;
  accepting_stopped_ = true;
  for (auto& [worker, acceptor] : acceptors_) {
    asio::post(workers_->context(worker), [acceptor = acceptor] {
      asio::error_code ignored;
      acceptor->close(ignored);
    });
  }
}

// The listening sockets are released once every accept loop has seen its
// socket closed (with io_uring the kernel holds them until then).
void Gateway::wait_for_listeners_then_stop(int attempts_left) {
  if (accept_loops_running_.load() == 0 || attempts_left == 0) return control_.stop();
  auto timer = std::make_shared<asio::steady_timer>(control_, std::chrono::milliseconds(1));
  timer->async_wait([this, timer, attempts_left](const asio::error_code&) {
    wait_for_listeners_then_stop(attempts_left - 1);
  });
}

void Gateway::wait_for_sessions_then_stop() {
  auto timer = std::make_shared<asio::steady_timer>(control_, std::chrono::milliseconds(100));
  timer->async_wait([this, timer](const asio::error_code&) {
    if (stopping_) return;  // a hard stop took over
    if (limits_.active.load() > 0) return wait_for_sessions_then_stop();
    stop(false);
  });
}

// Every stop ends here, once: databases are stopped cleanly, then the
// control loop ends (after the listeners are released, on a hard stop).
void Gateway::notice_stopping() {
  if (!stopping_notice_) return;
  auto notice = std::move(stopping_notice_);
  stopping_notice_ = nullptr;
  notice();
}

void Gateway::stop(bool hard) {
  if (stopping_) return;
  stopping_ = true;
  notice_stopping();
  if (api_) api_->stop();
  for (auto& served : http_frontends_) served->stop();
  if (dashboard_) dashboard_->stop();
  stop_accepting();
  asio::co_spawn(control_, stop_databases(), [this, hard](std::exception_ptr) {
    if (hard)
      wait_for_listeners_then_stop(1000);
    else
      control_.stop();
  });
}

asio::awaitable<void> Gateway::stop_databases() {
  for (auto& database : databases_) co_await database->shut_down();
}

// Signals stay handled for the whole life of the process: a soft stop can
// be turned into a hard one, and a second Ctrl-C does not kill borealis
// while it stops its databases.
void Gateway::watch_signals() {
  signals_.async_wait([this](const asio::error_code& error, int number) {
    if (error) return;
    watch_signals();
    if (stopping_) {
      logging::notice(logging::Severity::notice,
                      fmt::format("already stopping; signal {} ignored", number));
      return;
    }
    if (number == SIGUSR1) {
      if (soft_stopping_) return;
      soft_stopping_ = true;
      notice_stopping();
      logging::notice(logging::Severity::notice,
                      "soft stop: listeners closed, exiting when the last session ends");
      // An idle kept-alive scrape must not hold the process.
      for (auto& served : http_frontends_) served->stop();
      stop_accepting();
      wait_for_sessions_then_stop();
      return;
    }
    logging::notice(logging::Severity::notice,
                    fmt::format("stopping on signal {}", number == SIGTERM ? "SIGTERM" : "SIGINT"));
    stop(true);
  });
}

// At the end, one line per `mode mysql` backend whose sessions continued,
// were given back or were refused: what an operator reads after a day.
void Gateway::log_continuity_totals() const {
  for (const auto& [name, backend] : backends_) {
    const backend::ContinuityCounts counts = backend->continuity().read();
    if (!counts.any()) continue;
    backend->logger().log(logging::Level::info, fmt::format("backend '{}' session continuity: {}",
                                                            name, counts.describe()));
  }
}

// Written before privileges are dropped, as HAProxy does.
std::string Gateway::write_pidfile() { return app::write_pidfile(config_.global.pidfile); }

// Every few seconds: once sessions have clearly fallen from their peak,
// the memory they freed goes back to the system (core/memory_return).
asio::awaitable<void> Gateway::return_memory() {
  while (!stopping_) {
    co_await core::sleep_for(kMemoryLook);
    if (memory_return_.should_trim(limits_.active.load(std::memory_order_relaxed)))
      core::give_back_free_memory();
  }
}

int Gateway::run() {
  watch_signals();
  asio::co_spawn(control_, return_memory(), asio::detached);
  for (auto& database : databases_) database->start();
  for (auto& checker : checkers_) checker->start();
  if (api_) api_->start();
  if (dashboard_) dashboard_->start();
  for (auto& served : http_frontends_) served->start();
  start_workers();
  control_.run();
  workers_->stop();
  workers_->join();
  log_continuity_totals();
  // Stopped: from here until the process ends, a late stop signal (a second
  // Ctrl-C) stays pending instead of killing borealis on its way out, once
  // the signal set's handlers are gone.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int number : {SIGTERM, SIGINT, SIGUSR1}) sigaddset(&stop_signals, number);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return exit_code_;
}

}  // namespace borealis::app

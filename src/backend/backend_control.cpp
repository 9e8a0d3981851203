#include "backend/backend_control.hpp"

#include <fmt/format.h>

#include "logging/stderr_notice.hpp"

namespace borealis::backend {

namespace {

void report(const Backend& backend, logging::Level level, const std::string& message) {
  backend.logger().log(level, message);
  logging::notice(
      level <= logging::Level::err ? logging::Severity::alert : logging::Severity::warning,
      message);
}

std::string address_text(const std::optional<asio::ip::tcp::endpoint>& address) {
  return address ? address->address().to_string() : std::string("(none)");
}

}  // namespace

BackendControl::BackendControl(Backend& backend) : backend_(backend) {
  for (const auto& server : backend.config().servers) servers_.emplace_back(server);
}

std::string BackendControl::full_name(const ServerState& server) const {
  return fmt::format("{}/{}", backend_.name(), server.config.name);
}

std::string BackendControl::servers_left_text() const {
  int active = 0, backup = 0, sessions = 0;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].usable()) ++(servers_[i].config.backup ? backup : active);
    sessions += backend_.load(static_cast<int>(i)).active.load(std::memory_order_relaxed);
  }
  return fmt::format(
      "{} active and {} backup servers left. {} sessions active, 0 requeued, "
      "0 remaining in queue.",
      active, backup, sessions);
}

void BackendControl::warn_if_backend_empty(bool was_usable_before) {
  if (!was_usable_before) return;
  for (const auto& server : servers_)
    if (server.usable()) return;
  report(backend_, logging::Level::emerg,
         fmt::format("backend {} has no server available!", backend_.name()));
}

void BackendControl::apply_check(int id, const CheckOutcome& outcome) {
  ServerState& server = this->server(id);
  bool usable_before = server.usable();
  server.history.last_check = outcome.status;
  server.history.last_check_info = outcome.info;
  server.history.last_check_ms = outcome.duration_ms;
  if (!outcome.passed) ++server.history.failed_checks;
  auto change = outcome.passed ? server.health.on_success() : server.health.on_failure();
  if (change == ServerHealth::Change::none) return;
  if (change == ServerHealth::Change::went_down) ++server.history.went_down;
  publish();
  std::string info = outcome.info.empty() ? "" : fmt::format(", info: \"{}\"", outcome.info);
  if (change == ServerHealth::Change::went_down) {
    report(
        backend_, logging::Level::alert,
        fmt::format("Server {} is DOWN, reason: {}{}, check duration: {}ms. {}", full_name(server),
                    outcome.reason, info, outcome.duration_ms, servers_left_text()));
    warn_if_backend_empty(usable_before);
  } else {
    report(backend_, logging::Level::notice,
           fmt::format("Server {} is UP, reason: {}{}, check duration: {}ms. {}", full_name(server),
                       outcome.reason, info, outcome.duration_ms, servers_left_text()));
  }
}

void BackendControl::apply_address(int id, std::optional<asio::ip::tcp::endpoint> address,
                                   const std::string& source) {
  ServerState& server = this->server(id);
  bool was_in_maintenance = !server.dns_maintenance.empty();
  if (!address) {
    if (server.address || !was_in_maintenance) enter_dns_maintenance(id, "No IP for server");
    return;
  }
  bool changed = !server.address || *server.address != *address;
  std::optional<asio::ip::tcp::endpoint> previous = server.address;
  server.address = address;
  server.dns_maintenance.clear();
  if (!changed && !was_in_maintenance) return;
  publish();
  if (changed && previous)
    report(backend_, logging::Level::notice,
           fmt::format("{} changed its IP from {} to {} by {}.", full_name(server),
                       address_text(previous), address_text(address), source));
  if (was_in_maintenance)
    report(backend_, logging::Level::notice,
           fmt::format("Server {} ('{}') is UP/READY (resolves again) with address {}.",
                       full_name(server), server.config.host, address_text(address)));
}

void BackendControl::enter_dns_maintenance(int id, const std::string& reason) {
  ServerState& server = this->server(id);
  if (!server.dns_maintenance.empty()) return;
  bool usable_before = server.usable();
  server.dns_maintenance = reason;
  publish();
  report(backend_, logging::Level::alert,
         fmt::format("Server {} is going DOWN for maintenance ({}). {}", full_name(server), reason,
                     servers_left_text()));
  warn_if_backend_empty(usable_before);
}

int BackendControl::find(const std::string& name) const {
  for (std::size_t i = 0; i < servers_.size(); ++i)
    if (servers_[i].config.name == name) return static_cast<int>(i);
  return -1;
}

// HAProxy's lines for forced maintenance and drain.
void BackendControl::set_admin_state(int id, AdminState state, const std::string& source) {
  ServerState& server = this->server(id);
  if (server.admin == state) return;
  const bool usable_before = server.usable();
  const AdminState before = server.admin;
  server.admin = state;
  publish();
  if (state == AdminState::maint) {
    report(backend_, logging::Level::alert,
           fmt::format("Server {} is going DOWN for maintenance ({}). {}", full_name(server),
                       source, servers_left_text()));
  } else if (state == AdminState::drain) {
    report(backend_, logging::Level::notice,
           fmt::format("Server {} enters drain state ({}). {}", full_name(server), source,
                       servers_left_text()));
  } else {
    report(backend_, logging::Level::notice,
           fmt::format("Server {} is {} (leaving forced {}; {}). {}", full_name(server),
                       server.usable() ? "UP" : "DOWN",
                       before == AdminState::maint ? "maintenance" : "drain", source,
                       servers_left_text()));
  }
  warn_if_backend_empty(usable_before);
}

// Every change of a server's usability comes through here: its history
// notes it.
void BackendControl::publish() {
  auto view = std::make_shared<BackendView>();
  const auto now = core::SteadyClock::now();
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    ServerState& state = servers_[i];
    state.history.note_usable(state.usable(), now);
    ServerView server;
    server.id = static_cast<int>(i);
    server.name = state.config.name;
    server.address = state.address;
    server.usable = state.usable();
    server.weight = state.config.weight;
    server.backup = state.config.backup;
    server.maxconn = state.config.maxconn;
    server.send_proxy = state.config.send_proxy;
    server.database = state.database;
    server.tls = state.tls;
    view->servers.push_back(std::move(server));
  }
  backend_.publish(std::move(view));
}

}  // namespace borealis::backend

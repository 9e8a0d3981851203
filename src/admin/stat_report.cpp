#include "admin/stat_report.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "backend/backend_control.hpp"
#include "frontend/frontend.hpp"

namespace borealis::admin {
namespace {

using stats::Column;
using stats::RowType;
using stats::StatRow;

constexpr std::array<std::string_view, 4> kBalanceNames = {"roundrobin", "leastconn", "first",
                                                           "source"};

long long seconds_since(core::SteadyTime then, core::SteadyTime now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
}

void set_traffic(StatRow& row, const stats::TrafficCounts& counts, int current) {
  row.set(Column::scur, current);
  row.set(Column::smax, counts.max_sessions);
  row.set(Column::stot, counts.sessions);
  row.set(Column::bin, counts.bytes_in);
  row.set(Column::bout, counts.bytes_out);
  row.set(Column::rate, counts.session_rate.last_second);
  row.set(Column::rate_max, counts.session_rate.max);
}

// Backends and servers: times over the last 1,024 sessions. `rtime` (the
// time to a response's first byte) is HTTP's; HAProxy writes 0 for TCP.
void set_timings(StatRow& row, const stats::TrafficCounts& counts) {
  row.set(Column::qtime, counts.queue_ms);
  row.set(Column::ctime, counts.connect_ms);
  row.set(Column::rtime, 0);
  row.set(Column::ttime, counts.total_ms);
  row.set(Column::qtime_max, counts.queue_ms_max);
  row.set(Column::ctime_max, counts.connect_ms_max);
  row.set(Column::rtime_max, 0);
  row.set(Column::ttime_max, counts.total_ms_max);
}

StatRow frontend_row(const frontend::Frontend& frontend, int id) {
  StatRow row(frontend.name(), "FRONTEND", RowType::frontend, id, 0);
  const stats::TrafficCounts counts = frontend.traffic().read();
  set_traffic(row, counts, frontend.current_sessions());
  if (frontend.maxconn() > 0) row.set(Column::slim, frontend.maxconn());
  row.set(Column::dreq, 0);
  row.set(Column::dresp, 0);
  row.set(Column::ereq, counts.request_errors);
  row.set(Column::status, std::string("OPEN"));
  row.set(Column::mode, std::string(config::mode_name(frontend.config().mode)));
  row.set(Column::conn_rate, counts.connection_rate.last_second);
  row.set(Column::conn_rate_max, counts.connection_rate.max);
  row.set(Column::conn_tot, counts.connections);
  row.set(Column::dcon, counts.denied_connections);
  row.set(Column::dses, counts.denied_sessions);
  return row;
}

void set_check_columns(StatRow& row, const backend::ServerState& server) {
  const auto& config = server.config;
  const auto& history = server.history;
  row.set(Column::chkfail, history.failed_checks);
  row.set(Column::chkdown, history.went_down);
  if (history.last_check) {
    const auto& described = backend::describe(*history.last_check);
    row.set(Column::check_status, std::string(described.name));
    row.set(Column::check_desc, std::string(described.description));
    row.set(Column::check_duration, history.last_check_ms);
  }
  row.set(Column::check_rise, config.rise);
  row.set(Column::check_fall, config.fall);
  row.set(Column::check_health, server.health.counter());
}

StatRow server_row(backend::BackendControl& control, int server_id, int proxy_id,
                   core::SteadyTime now) {
  const backend::ServerState& server = control.server(server_id);
  const auto& config = server.config;
  auto& load = control.backend().load(server_id);
  StatRow row(control.backend().name(), config.name, RowType::server, proxy_id, server_id + 1);
  const stats::TrafficCounts counts = load.traffic.read();
  set_traffic(row, counts, load.active.load(std::memory_order_relaxed));
  set_timings(row, counts);
  if (config.maxconn > 0) row.set(Column::slim, config.maxconn);
  row.set(Column::dresp, 0);
  row.set(Column::econ, counts.connect_errors);
  row.set(Column::wretr, counts.retries);
  row.set(Column::wredis, counts.redispatches);
  row.set(Column::status, server_status(server));
  row.set(Column::weight, config.weight);
  row.set(Column::act, config.backup ? 0 : 1);
  row.set(Column::bck, config.backup ? 1 : 0);
  row.set(Column::lastchg, seconds_since(server.history.last_change, now));
  row.set(
      Column::downtime,
      std::chrono::duration_cast<std::chrono::seconds>(server.history.total_downtime(now)).count());
  row.set(Column::lbtot, counts.selections);
  // A session waits for any server, never one: a server's queue is empty.
  row.set(Column::qcur, 0);
  row.set(Column::qmax, 0);
  row.set(Column::cli_abrt, counts.client_aborts);
  row.set(Column::srv_abrt, counts.server_aborts);
  if (server.checked()) set_check_columns(row, server);
  if (server.address)
    row.set(Column::addr,
            fmt::format("{}:{}", server.address->address().to_string(), server.address->port()));
  row.set(Column::mode, std::string(config::mode_name(control.backend().config().mode)));
  return row;
}

StatRow backend_row(backend::BackendControl& control, int id) {
  auto& backend = control.backend();
  StatRow row(backend.name(), "BACKEND", RowType::backend, id, 0);
  const stats::TrafficCounts counts = backend.traffic().read();
  set_traffic(row, counts, backend.active_sessions().load(std::memory_order_relaxed));
  set_timings(row, counts);
  int weight = 0, active = 0, backup = 0;
  for (const auto& server : control.servers()) {
    if (!server.usable()) continue;
    ++(server.config.backup ? backup : active);
    if (!server.config.backup) weight += server.config.weight;
  }
  row.set(Column::dreq, 0);
  row.set(Column::dresp, 0);
  row.set(Column::econ, counts.connect_errors);
  row.set(Column::wretr, counts.retries);
  row.set(Column::wredis, counts.redispatches);
  row.set(Column::status, std::string(active + backup > 0 ? "UP" : "DOWN"));
  row.set(Column::weight, weight);
  row.set(Column::act, active);
  row.set(Column::bck, backup);
  row.set(Column::lbtot, counts.selections);
  row.set(Column::qcur, counts.queued);
  row.set(Column::qmax, counts.max_queued);
  row.set(Column::cli_abrt, counts.client_aborts);
  row.set(Column::srv_abrt, counts.server_aborts);
  row.set(Column::mode, std::string(config::mode_name(backend.config().mode)));
  row.set(Column::algo,
          std::string(kBalanceNames[static_cast<std::size_t>(backend.config().balance)]));
  return row;
}

bool proxy_wanted(const ProxyTargets& proxy, const StatFilter& filter) {
  if (!filter.proxy_name.empty()) {
    const std::string& name =
        proxy.frontend ? proxy.frontend->name() : proxy.backend->backend().name();
    return name == filter.proxy_name;
  }
  return filter.proxy_id < 0 || filter.proxy_id == proxy.id;
}

}  // namespace

std::string server_status(const backend::ServerState& server) {
  if (server.config.disabled || server.admin == backend::AdminState::maint) return "MAINT";
  if (!server.dns_maintenance.empty()) return "MAINT (resolution)";
  if (server.admin == backend::AdminState::drain) return "DRAIN";
  if (server.database) return "UP";  // usable while paused: a connection wakes it
  if (!server.address) return "DOWN";
  if (!server.checked()) return "no check";
  const int health = server.health.counter();
  const int rise = server.config.rise, fall = server.config.fall;
  if (server.health.is_up())
    return health >= rise + fall - 1 ? "UP" : fmt::format("UP {}/{}", health - rise + 1, fall);
  return health == 0 ? "DOWN" : fmt::format("DOWN {}/{}", health, rise);
}

std::vector<stats::StatRow> stat_rows(const std::vector<ProxyTargets>& proxies,
                                      const StatFilter& filter) {
  std::vector<StatRow> rows;
  const auto now = core::SteadyClock::now();
  const bool frontends = filter.types & 1, backends = filter.types & 2, servers = filter.types & 4;
  for (const auto& proxy : proxies) {
    if (!proxy_wanted(proxy, filter)) continue;
    if (proxy.frontend && frontends && filter.server_id <= 0)
      rows.push_back(frontend_row(*proxy.frontend, proxy.id));
    if (!proxy.backend) continue;
    const int count = static_cast<int>(proxy.backend->servers().size());
    for (int id = 0; servers && id < count; ++id)
      if (filter.server_id < 0 || filter.server_id == id + 1)
        rows.push_back(server_row(*proxy.backend, id, proxy.id, now));
    if (backends && filter.server_id <= 0) rows.push_back(backend_row(*proxy.backend, proxy.id));
  }
  return rows;
}

}  // namespace borealis::admin

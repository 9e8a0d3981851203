#include "admin/metrics_report.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <fstream>

#include "backend/backend_control.hpp"
#include "frontend/frontend.hpp"
#include "serverless/database_runtime.hpp"
#include "stats/prometheus_text.hpp"

namespace borealis::admin {
namespace {

using stats::Column;
using stats::PrometheusText;
using stats::StatRow;
using Type = PrometheusText::Type;

constexpr double kMs = 0.001;  // `show stat` times are in milliseconds

// One metric read off a `show stat` column, as HAProxy's exporter reads
// its stats fields.
struct ColumnMetric {
  Column column;
  std::string_view name;
  Type type;
  std::string_view help;
  double scale = 1;
};

constexpr ColumnMetric kFrontendMetrics[] = {
    {Column::scur, "current_sessions", Type::gauge, "Number of current sessions."},
    {Column::smax, "max_sessions", Type::gauge, "Most sessions at once since the start."},
    {Column::slim, "limit_sessions", Type::gauge, "The frontend's maxconn."},
    {Column::stot, "sessions_total", Type::counter, "Sessions since the start."},
    {Column::bin, "bytes_in_total", Type::counter,
     "Bytes from clients, counted when each session ends."},
    {Column::bout, "bytes_out_total", Type::counter,
     "Bytes to clients, counted when each session ends."},
    {Column::dreq, "requests_denied_total", Type::counter, "Requests denied by content rules."},
    {Column::ereq, "request_errors_total", Type::counter,
     "Invalid requests: a bad PROXY header, a failed login."},
    {Column::rate_max, "max_session_rate", Type::gauge, "Most sessions begun in one second."},
    {Column::conn_rate_max, "connections_rate_max", Type::gauge,
     "Most connections accepted in one second."},
    {Column::conn_tot, "connections_total", Type::counter,
     "Connections accepted, refused ones included."},
    {Column::dcon, "denied_connections_total", Type::counter,
     "Connections refused by 'tcp-request connection' rules."},
    {Column::dses, "denied_sessions_total", Type::counter,
     "Sessions refused by 'tcp-request session' rules."},
};

// What backends and servers share.
constexpr ColumnMetric kRelayMetrics[] = {
    {Column::scur, "current_sessions", Type::gauge, "Number of current sessions."},
    {Column::smax, "max_sessions", Type::gauge, "Most sessions at once since the start."},
    {Column::stot, "sessions_total", Type::counter, "Sessions since the start."},
    {Column::bin, "bytes_in_total", Type::counter,
     "Bytes from clients, counted when each session ends."},
    {Column::bout, "bytes_out_total", Type::counter,
     "Bytes to clients, counted when each session ends."},
    {Column::econ, "connection_errors_total", Type::counter, "Failed connects to servers."},
    {Column::wretr, "retry_warnings_total", Type::counter, "Connects tried again."},
    {Column::wredis, "redispatch_warnings_total", Type::counter, "Retries sent to another server."},
    {Column::weight, "weight", Type::gauge,
     "A server's weight, or the sum of a backend's usable active servers' weights."},
    {Column::lbtot, "loadbalanced_total", Type::counter, "Times a server was chosen."},
    {Column::qcur, "current_queue", Type::gauge, "Sessions waiting for a free server."},
    {Column::qmax, "max_queue", Type::gauge, "Most sessions waiting at once."},
    {Column::cli_abrt, "client_aborts_total", Type::counter,
     "Relays the client ended (closed, reset or timed out)."},
    {Column::srv_abrt, "server_aborts_total", Type::counter,
     "Relays the server ended (closed, reset or timed out)."},
    {Column::rate_max, "max_session_rate", Type::gauge, "Most sessions begun in one second."},
    {Column::qtime, "queue_time_average_seconds", Type::gauge,
     "Average time in the queue over the last 1024 sessions.", kMs},
    {Column::ctime, "connect_time_average_seconds", Type::gauge,
     "Average connect time over the last 1024 sessions.", kMs},
    {Column::ttime, "total_time_average_seconds", Type::gauge,
     "Average session duration over the last 1024 sessions.", kMs},
    {Column::qtime_max, "max_queue_time_seconds", Type::gauge, "Longest time in the queue.", kMs},
    {Column::ctime_max, "max_connect_time_seconds", Type::gauge, "Longest connect.", kMs},
    {Column::ttime_max, "max_total_time_seconds", Type::gauge, "Longest session.", kMs},
};

constexpr ColumnMetric kBackendMetrics[] = {
    {Column::act, "active_servers", Type::gauge, "Usable active servers."},
    {Column::bck, "backup_servers", Type::gauge, "Usable backup servers."},
};

constexpr ColumnMetric kServerMetrics[] = {
    {Column::slim, "limit_sessions", Type::gauge, "The server's maxconn."},
    {Column::chkfail, "check_failures_total", Type::counter, "Failed health checks."},
    {Column::chkdown, "check_up_down_total", Type::counter, "Transitions from UP to DOWN."},
    {Column::lastchg, "check_last_change_seconds", Type::gauge,
     "Seconds since the server's state last changed."},
    {Column::downtime, "downtime_seconds_total", Type::counter, "Seconds spent DOWN."},
    {Column::check_duration, "check_duration_seconds", Type::gauge,
     "How long the last health check took.", kMs},
};

std::optional<double> number(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool row_is(const StatRow& row, stats::RowType type) {
  return row.get(Column::type) == std::to_string(static_cast<int>(type));
}

// The rows of one type, and the labels that name each.
void column_families(PrometheusText& out, std::string_view prefix,
                     std::span<const ColumnMetric> metrics, const std::vector<StatRow>& rows,
                     stats::RowType type) {
  for (const auto& metric : metrics) {
    out.family(fmt::format("{}{}", prefix, metric.name), metric.type, metric.help);
    for (const auto& row : rows) {
      if (!row_is(row, type)) continue;
      const auto value = number(row.get(metric.column));
      if (!value) continue;  // a column this row leaves empty
      const auto& proxy = row.get(Column::pxname);
      if (type == stats::RowType::server)
        out.sample({{"proxy", proxy}, {"server", row.get(Column::svname)}}, *value * metric.scale);
      else
        out.sample({{"proxy", proxy}}, *value * metric.scale);
    }
  }
}

// HAProxy's state words: a server going down ("UP 1/3") is still UP, one
// coming up ("DOWN 1/2") still DOWN; an unchecked server is UP.
std::string_view status_state(std::string_view status) {
  if (status.starts_with("MAINT")) return "MAINT";
  if (status.starts_with("DRAIN")) return "DRAIN";
  if (status.starts_with("DOWN")) return "DOWN";
  return "UP";
}

void status_families(PrometheusText& out, const std::vector<StatRow>& rows, stats::RowType type,
                     std::string_view name, std::span<const std::string_view> states) {
  out.family(name, Type::gauge, "Current status of the service, per state label value.");
  for (const auto& row : rows) {
    if (!row_is(row, type)) continue;
    const auto& status = row.get(Column::status);
    const std::string_view current = type == stats::RowType::frontend
                                         ? (status == "OPEN" ? "UP" : "DOWN")
                                         : status_state(status);
    for (auto state : states) {
      const double value = state == current ? 1 : 0;
      if (type == stats::RowType::server)
        out.sample({{"proxy", row.get(Column::pxname)},
                    {"server", row.get(Column::svname)},
                    {"state", state}},
                   value);
      else
        out.sample({{"proxy", row.get(Column::pxname)}, {"state", state}}, value);
    }
  }
}

constexpr std::string_view kProxyStates[] = {"DOWN", "UP"};
constexpr std::string_view kServerStates[] = {"DOWN", "UP", "MAINT", "DRAIN", "NOLB"};

// Connect and queue times of every session and the response time of every
// `mode mysql` command, as histograms: borealis's (HAProxy's exporter has
// averages only, and response times for HTTP only).
void time_histograms(PrometheusText& out, const std::vector<ProxyTargets>& proxies, bool servers) {
  using Reading = stats::HistogramReading stats::TrafficCounts::*;
  struct Kind {
    std::string_view name;
    Reading reading;
    std::string_view help;
  };
  const Kind kinds[] = {
      {"connect_time_seconds", &stats::TrafficCounts::connect_time,
       "Time to connect to a server, per session."},
      {"queue_time_seconds", &stats::TrafficCounts::queue_time,
       "Time waiting for a server slot, per session."},
      {"response_time_seconds", &stats::TrafficCounts::response_time,
       "mode mysql: time from a command to the first bytes of its answer, per command."}};
  const std::string_view prefix = servers ? "borealis_server_" : "borealis_backend_";
  for (const auto& [name, reading, help] : kinds) {
    out.family(fmt::format("{}{}", prefix, name), Type::histogram, help);
    for (const auto& proxy : proxies) {
      if (!proxy.backend) continue;
      auto& backend = proxy.backend->backend();
      if (!servers) {
        out.histogram({{"proxy", backend.name()}}, backend.traffic().read().*reading);
        continue;
      }
      for (std::size_t id = 0; id < proxy.backend->servers().size(); ++id)
        out.histogram({{"proxy", backend.name()},
                       {"server", proxy.backend->server(static_cast<int>(id)).config.name}},
                      backend.load(static_cast<int>(id)).traffic.read().*reading);
    }
  }
}

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double cpu_seconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void process_families(PrometheusText& out, const ApiTargets& targets) {
  const auto uptime = std::chrono::steady_clock::now() - targets.started;
  const auto started = std::chrono::system_clock::now() - uptime;
  out.family("borealis_process_build_info", Type::gauge, "Build info.");
  out.sample({{"version", BOREALIS_VERSION}}, 1);
  out.family("borealis_process_start_time_seconds", Type::gauge,
             "Start time, in seconds since the epoch.");
  out.sample(
      {},
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count()));
  out.family("borealis_process_uptime_seconds", Type::gauge, "Seconds since the start.");
  out.sample({},
             static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(uptime).count()));
  out.family("borealis_process_nbthread", Type::gauge, "Worker threads.");
  out.sample({}, targets.nbthread);
  if (targets.limits) {
    out.family("borealis_process_max_connections", Type::gauge,
               "The global maxconn (0: no limit).");
    out.sample({}, targets.limits->maxconn);
    out.family("borealis_process_current_connections", Type::gauge, "Client connections open now.");
    out.sample({}, targets.limits->active.load(std::memory_order_relaxed));
  }
  out.family("borealis_process_resident_memory_bytes", Type::gauge, "Resident memory.");
  out.sample({}, resident_bytes());
  out.family("borealis_process_cpu_seconds_total", Type::counter, "CPU time, user and system.");
  out.sample({}, cpu_seconds());
}

// One family per database figure, one sample per database.
struct DatabaseMetric {
  std::string_view name;
  Type type;
  std::string_view help;
  double (*value)(const serverless::DatabaseReport&);
};

const DatabaseMetric kDatabaseMetrics[] = {
    {"capacity_acu", Type::gauge, "Capacity now, in ACU (0 while paused).",
     [](const serverless::DatabaseReport& r) { return r.capacity; }},
    {"capacity_min_acu", Type::gauge, "The least capacity, in ACU (0: it may pause).",
     [](const serverless::DatabaseReport& r) { return r.capacity_min; }},
    {"capacity_max_acu", Type::gauge, "The most capacity, in ACU.",
     [](const serverless::DatabaseReport& r) { return r.capacity_max; }},
    {"acu_seconds_total", Type::counter, "Capacity used over time: ACU times seconds.",
     [](const serverless::DatabaseReport& r) { return r.acu_seconds; }},
    {"warm_mib_seconds_total", Type::counter, "Memory kept by warm pauses: MiB times seconds.",
     [](const serverless::DatabaseReport& r) { return r.frozen_mib_seconds; }},
    {"sessions", Type::gauge, "Client sessions on the database.",
     [](const serverless::DatabaseReport& r) { return static_cast<double>(r.sessions); }},
    {"active_sessions", Type::gauge, "Sessions holding a connection to the database.",
     [](const serverless::DatabaseReport& r) { return static_cast<double>(r.active); }},
    {"held_sessions", Type::gauge, "Sessions waiting for a resume or a connection slot.",
     [](const serverless::DatabaseReport& r) { return static_cast<double>(r.held); }},
    {"failed_starts_total", Type::counter, "Starts and resumes that failed.",
     [](const serverless::DatabaseReport& r) { return static_cast<double>(r.failed_starts); }},
    {"crashes_total", Type::counter, "Times the database stopped on its own.",
     [](const serverless::DatabaseReport& r) { return static_cast<double>(r.crashes); }},
};

void database_families(PrometheusText& out,
                       const std::vector<serverless::DatabaseReport>& reports) {
  using serverless::DatabaseState;
  const auto state_of = [](int index) { return static_cast<DatabaseState>(index); };
  out.family("borealis_database_state", Type::gauge,
             "The database's state, per state label value.");
  for (const auto& r : reports)
    for (int i = 0; i < serverless::kDatabaseStateCount; ++i)
      out.sample({{"database", r.name}, {"state", serverless::state_key(state_of(i))}},
                 r.state == state_of(i) ? 1 : 0);
  out.family("borealis_database_state_seconds_total", Type::counter,
             "Seconds spent in each state.");
  for (const auto& r : reports)
    for (int i = 0; i < serverless::kDatabaseStateCount; ++i)
      out.sample({{"database", r.name}, {"state", serverless::state_key(state_of(i))}},
                 r.seconds_in_state[static_cast<std::size_t>(i)]);
  for (const auto& metric : kDatabaseMetrics) {
    out.family(fmt::format("borealis_database_{}", metric.name), metric.type, metric.help);
    for (const auto& r : reports) out.sample({{"database", r.name}}, metric.value(r));
  }
  out.family("borealis_database_resume_seconds", Type::histogram,
             "Resumes, from compute starting or thawing until clients are let in.");
  for (const auto& r : reports) {
    out.histogram({{"database", r.name}, {"pause", "deep"}}, r.deep_resumes);
    out.histogram({{"database", r.name}, {"pause", "warm"}}, r.warm_resumes);
  }
}

}  // namespace

std::optional<MetricScopes> metric_scopes(
    const std::vector<std::pair<std::string, std::string>>& parameters) {
  MetricScopes scopes;
  bool any = false;
  for (const auto& [name, value] : parameters) {
    if (name != "scope") continue;
    if (!any) scopes = MetricScopes{false, false, false, false, false};
    any = true;
    if (value.empty()) {
      scopes = MetricScopes{false, false, false, false, false};
    } else if (value == "*") {
      scopes = MetricScopes{};
    } else if (value == "global") {
      scopes.global = true;
    } else if (value == "frontend") {
      scopes.frontend = true;
    } else if (value == "backend") {
      scopes.backend = true;
    } else if (value == "server") {
      scopes.server = true;
    } else if (value == "database") {
      scopes.database = true;
    } else {
      return std::nullopt;
    }
  }
  return scopes;
}

std::string metrics_text(const ApiTargets& targets, const MetricScopes& scopes) {
  PrometheusText out;
  if (scopes.global) process_families(out, targets);
  std::vector<StatRow> rows;
  if (scopes.frontend || scopes.backend || scopes.server) rows = stat_rows(targets.proxies, {});
  if (scopes.frontend) {
    column_families(out, "borealis_frontend_", kFrontendMetrics, rows, stats::RowType::frontend);
    status_families(out, rows, stats::RowType::frontend, "borealis_frontend_status", kProxyStates);
  }
  if (scopes.backend) {
    column_families(out, "borealis_backend_", kRelayMetrics, rows, stats::RowType::backend);
    column_families(out, "borealis_backend_", kBackendMetrics, rows, stats::RowType::backend);
    status_families(out, rows, stats::RowType::backend, "borealis_backend_status", kProxyStates);
    time_histograms(out, targets.proxies, false);
  }
  if (scopes.server) {
    column_families(out, "borealis_server_", kRelayMetrics, rows, stats::RowType::server);
    column_families(out, "borealis_server_", kServerMetrics, rows, stats::RowType::server);
    status_families(out, rows, stats::RowType::server, "borealis_server_status", kServerStates);
    time_histograms(out, targets.proxies, true);
  }
  if (scopes.database) {
    std::vector<serverless::DatabaseReport> reports;
    for (auto* database : targets.databases) reports.push_back(database->report());
    database_families(out, reports);
  }
  return out.take();
}

http::Response metrics_response(const ApiTargets& targets, const http::Request& request) {
  const auto scopes = metric_scopes(http::query_parameters(request.query));
  if (!scopes)
    return http::error_response(400,
                                "Unknown scope: use global, frontend, backend, "
                                "server, database or *.");
  http::Response response;
  response.content_type = std::string(PrometheusText::kContentType);
  response.body = metrics_text(targets, *scopes);
  return response;
}

}  // namespace borealis::admin

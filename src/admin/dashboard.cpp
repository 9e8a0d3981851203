#include "admin/dashboard.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "frontend/frontend.hpp"
#include "serverless/capacity.hpp"
#include "serverless/database_runtime.hpp"
#include "stats/stat_csv.hpp"

namespace borealis::admin {
namespace {

using nlohmann::json;
using stats::Column;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The `show stat` columns the page shows, by HAProxy's names.
constexpr Column kShownColumns[] = {
    Column::pxname, Column::svname,   Column::type, Column::status,  Column::scur,
    Column::smax,   Column::slim,     Column::stot, Column::bin,     Column::bout,
    Column::rate,   Column::rate_max, Column::econ, Column::lastchg, Column::check_status,
    Column::addr,   Column::mode,
};

json stat_row(const stats::StatRow& row) {
  json out = json::object();
  for (auto column : kShownColumns)
    out[std::string(stats::column_names()[static_cast<std::size_t>(column)])] = row.get(column);
  return out;
}

json database_json(const serverless::DatabaseReport& report, const DatabaseTimeline* timeline) {
  json out = {{"name", report.name},
              {"state", serverless::state_name(report.state)},
              {"state_key", serverless::state_key(report.state)},
              {"capacity", report.capacity},
              {"min", report.capacity_min},
              {"max", report.capacity_max},
              {"acu_seconds", report.acu_seconds},
              {"sessions", report.sessions},
              {"active", report.active},
              {"held", report.held},
              {"resumes", report.deep_resumes.count + report.warm_resumes.count}};
  json points = json::array();
  if (timeline)
    for (const auto& point : timeline->points())
      points.push_back({point.at, serverless::state_key(point.state), point.capacity});
  out["timeline"] = std::move(points);
  return out;
}

}  // namespace

Dashboard::Dashboard(asio::io_context& control, const ApiTargets& targets)
    : targets_(targets), timer_(control) {}

void Dashboard::start() {
  sample(unix_now());
  asio::co_spawn(timer_.get_executor(), look_every_second(), asio::detached);
}

void Dashboard::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> Dashboard::look_every_second() {
  while (!stopped_) {
    timer_.expires_after(std::chrono::seconds(1));
    asio::error_code error;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (error || stopped_) co_return;
    sample(unix_now());
  }
}

void Dashboard::sample(double now) {
  for (auto* database : targets_.databases) {
    const serverless::DatabaseReport report = database->report();
    timelines_[report.name].record(now, report.state, report.capacity);
  }
}

std::string Dashboard::json(double now) const {
  nlohmann::json out = {{"now", now}, {"version", BOREALIS_VERSION}};
  const auto uptime = std::chrono::steady_clock::now() - targets_.started;
  out["uptime"] = std::chrono::duration_cast<std::chrono::seconds>(uptime).count();
  out["current_connections"] = targets_.limits ? targets_.limits->active.load() : 0;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : stat_rows(targets_.proxies, {})) rows.push_back(stat_row(row));
  out["stats"] = std::move(rows);
  nlohmann::json databases = nlohmann::json::array();
  for (auto* database : targets_.databases) {
    const serverless::DatabaseReport report = database->report();
    const auto found = timelines_.find(report.name);
    databases.push_back(
        database_json(report, found == timelines_.end() ? nullptr : &found->second));
  }
  out["databases"] = std::move(databases);
  // Names come from the configuration; a byte that is not UTF-8 is replaced
  // rather than failing the page.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::Response Dashboard::respond(const http::Request& request,
                                  const config::StatsPage& page) const {
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response refused = http::error_response(405);
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  http::Response response;
  if (request.target == page.uri + ";json") {
    response.content_type = "application/json";
    response.body = json(unix_now());
    return response;
  }
  response.content_type = "text/html; charset=utf-8";
  response.body = dashboard_page(page.uri + ";json", page.refresh.count());
  return response;
}

}  // namespace borealis::admin

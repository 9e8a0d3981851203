// The live dashboard (`stats uri` in a `mode http` frontend): one page with
// no outside assets, and the JSON it polls every `stats refresh`: the
// frontends', backends' and servers' `show stat` figures, and for each
// database its figures and its last hour of states and capacity (looked
// at every second on the control thread, where the databases live).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <string>

#include "admin/api_targets.hpp"
#include "admin/dashboard_history.hpp"
#include "config/model.hpp"
#include "http/request_parser.hpp"
#include "http/response.hpp"

namespace borealis::admin {

class Dashboard {
 public:
  Dashboard(asio::io_context& control, const ApiTargets& targets);

  // Looks at the databases every second until stop().
  void start();
  void stop();

  // One look at every database, at `now` (seconds since the epoch).
  void sample(double now);
  // What the page polls.
  std::string json(double now) const;
  // The page at `page.uri`, its JSON at `page.uri;json`.
  http::Response respond(const http::Request& request, const config::StatsPage& page) const;

 private:
  asio::awaitable<void> look_every_second();

  const ApiTargets& targets_;
  asio::steady_timer timer_;
  std::map<std::string, DatabaseTimeline> timelines_;
  bool stopped_ = false;
};

// The page, with its JSON address and refresh period filled in.
std::string dashboard_page(const std::string& json_target, long long refresh_ms);

}  // namespace borealis::admin

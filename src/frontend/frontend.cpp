#include "frontend/frontend.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace borealis::frontend {

Frontend::Frontend(const config::Proxy& proxy, logging::Logger logger, backend::Backend* backend,
                   ProcessLimits& process)
    : config_(proxy),
      rules_(proxy.tcp_request_rules),
      connect_errors_(proxy.max_connect_errors, proxy.connect_errors_block),
      logger_(std::move(logger)),
      backend_(backend),
      process_(process),
      maxconn_(proxy.maxconn > 0 ? proxy.maxconn : process.maxconn),
      only_database_servers_(
          backend && !backend->config().servers.empty() &&
          std::all_of(backend->config().servers.begin(), backend->config().servers.end(),
                      [](const config::Server& server) { return !server.database.empty(); })) {}

bool Frontend::has_room() const {
  if (maxconn_ > 0 && active_.load(std::memory_order_relaxed) >= maxconn_) return false;
  if (process_.maxconn > 0 && process_.active.load(std::memory_order_relaxed) >= process_.maxconn)
    return false;
  return !databases_queue_full();
}

// When every server is a serverless database holding its `maxqueue` clients,
// a new connection could only be held too: it waits in the kernel instead.
bool Frontend::databases_queue_full() const {
  // Decided from the configuration once: no snapshot load per accept for
  // the usual backend.
  if (!only_database_servers_) return false;
  auto view = backend_->view();
  if (view->servers.empty()) return false;
  // A connection in transit may be bound for any of them: it counts in each.
  const int arriving = in_transit_.load(std::memory_order_relaxed);
  for (const auto& server : view->servers)
    if (!server.database || !server.database->queue_full(arriving)) return false;
  return true;
}

bool Frontend::try_reserve() {
  int mine = active_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (maxconn_ > 0 && mine > maxconn_) {
    active_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  int all = process_.active.fetch_add(1, std::memory_order_relaxed) + 1;
  if (process_.maxconn > 0 && all > process_.maxconn) {
    process_.active.fetch_sub(1, std::memory_order_relaxed);
    active_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  traffic_.count_session(mine);
  return true;
}

void Frontend::log_refusal(const asio::ip::address& source, std::uint16_t port,
                           std::string_view what) {
  auto decision = reject_log_.admit(source);
  if (!decision.log || !logger_.enabled()) return;
  std::string more = decision.unlogged == 0 ? std::string()
                                            : fmt::format(" ({} more from this address not logged)",
                                                          decision.unlogged);
  logger_.log(logging::Level::notice,
              fmt::format("{}:{} {}: {}{}", source.to_string(), port, name(), what, more));
}

void Frontend::release() {
  process_.active.fetch_sub(1, std::memory_order_relaxed);
  active_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace borealis::frontend

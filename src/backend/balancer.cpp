#include "backend/balancer.hpp"

#include <functional>
#include <vector>

namespace borealis::backend {

namespace {

using Candidates = std::vector<const ServerView*>;

bool has_room(Backend& backend, const ServerView& server) {
  return server.maxconn <= 0 ||
         backend.load(server.id).active.load(std::memory_order_relaxed) < server.maxconn;
}

Candidates usable_servers(Backend& backend, const BackendView& view, const PickRequest& request,
                          bool backup) {
  Candidates out;
  for (const auto& server : view.servers) {
    if (!server.usable || server.backup != backup || server.weight <= 0) continue;
    if (server.id == request.exclude_id) continue;
    if (!has_room(backend, server)) continue;
    out.push_back(&server);
  }
  return out;
}

const ServerView* by_weight(const Candidates& candidates, unsigned long long ticket) {
  unsigned long long total = 0;
  for (const auto* server : candidates) total += static_cast<unsigned>(server->weight);
  unsigned long long slot = ticket % total;
  for (const auto* server : candidates) {
    if (slot < static_cast<unsigned>(server->weight)) return server;
    slot -= static_cast<unsigned>(server->weight);
  }
  return candidates.back();
}

const ServerView* least_connections(Backend& backend, const Candidates& candidates) {
  const ServerView* best = nullptr;
  double best_score = 0;
  for (const auto* server : candidates) {
    double score =
        (backend.load(server->id).active.load(std::memory_order_relaxed) + 1.0) / server->weight;
    if (!best || score < best_score) {
      best = server;
      best_score = score;
    }
  }
  return best;
}

unsigned long long hash_address(const asio::ip::address& address) {
  if (address.is_v4()) return std::hash<unsigned>{}(address.to_v4().to_uint());
  auto bytes = address.to_v6().to_bytes();
  unsigned long long hash = 1469598103934665603ULL;  // FNV-1a
  for (auto byte : bytes) hash = (hash ^ byte) * 1099511628211ULL;
  return hash;
}

const ServerView* choose(Backend& backend, const Candidates& candidates,
                         const PickRequest& request) {
  switch (backend.config().balance) {
    case config::Balance::first:
      return candidates.front();
    case config::Balance::leastconn:
      return least_connections(backend, candidates);
    case config::Balance::source:
      return by_weight(candidates, hash_address(request.client));
    case config::Balance::roundrobin:
      break;
  }
  return by_weight(candidates,
                   backend.round_robin_counter().fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

const ServerView* pick_server(Backend& backend, const BackendView& view,
                              const PickRequest& request) {
  Candidates active = usable_servers(backend, view, request, false);
  if (!active.empty()) return choose(backend, active, request);
  Candidates backups = usable_servers(backend, view, request, true);
  if (!backups.empty()) return backups.front();
  return nullptr;
}

}  // namespace borealis::backend

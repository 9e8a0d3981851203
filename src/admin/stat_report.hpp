// `show stat`'s rows, read from what the planes export: a frontend's
// counters, a backend's servers (their state on the control thread, their
// counters from the workers). Proxies come in the configuration's order,
// each as HAProxy lists it: FRONTEND, its servers, BACKEND.
#pragma once

#include <string>
#include <vector>

#include "stats/stat_csv.hpp"

namespace borealis::frontend {
class Frontend;
}
namespace borealis::backend {
class BackendControl;
struct ServerState;
}  // namespace borealis::backend

namespace borealis::admin {

// One `frontend`, `backend` or `listen` section: its frontend side, its
// backend side, or both (null: it has none).
struct ProxyTargets {
  int id = 0;  // the `iid` column: the section's rank in the configuration, from 1
  const frontend::Frontend* frontend = nullptr;
  backend::BackendControl* backend = nullptr;
};

// What `show stat <proxy> <type> <sid>` keeps: -1 for any, types as
// HAProxy's mask (1 frontends, 2 backends, 4 servers).
struct StatFilter {
  int proxy_id = -1;
  std::string proxy_name;  // when not empty, instead of proxy_id
  int types = -1;
  int server_id = -1;
};

std::vector<stats::StatRow> stat_rows(const std::vector<ProxyTargets>& proxies,
                                      const StatFilter& filter);

// HAProxy's words for a server's state: "UP", "DOWN", "UP 1/3" (going
// down), "DOWN 1/2" (coming up), "MAINT", "MAINT (resolution)", "DRAIN",
// "no check".
std::string server_status(const backend::ServerState& server);

}  // namespace borealis::admin

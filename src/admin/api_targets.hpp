// What the runtime API and the metrics read: the databases, the proxies in
// the configuration's order, the workers' session registries and the
// process's limits. Owned by the gateway, which outlives every reader;
// read on the control thread only.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "admin/stat_report.hpp"
#include "admin/worker_sessions.hpp"

namespace borealis::frontend {
struct ProcessLimits;
}
namespace borealis::serverless {
class DatabaseRuntime;
}

namespace borealis::admin {

struct ApiTargets {
  std::vector<serverless::DatabaseRuntime*> databases;
  std::vector<ProxyTargets> proxies;  // in the configuration's order
  std::vector<WorkerSessions> workers;
  const frontend::ProcessLimits* limits = nullptr;
  int nbthread = 0;
  // The process's listening sockets, for `_getsocks` (a reload takes them
  // over); empty once it has stopped accepting.
  std::function<std::vector<int>()> listening_sockets;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

}  // namespace borealis::admin

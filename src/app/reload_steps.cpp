#include "app/reload_steps.hpp"

#include <fmt/format.h>
#include <signal.h>

#include "logging/stderr_notice.hpp"
#include "reload/database_takeover.hpp"
#include "reload/previous_process.hpp"

namespace borealis::app {
namespace {

using logging::Severity;

// -x, else the first stats socket of the new configuration that hands
// listeners over (`level admin` or `expose-fd listeners`)
// (the old process's, unless the reload moves it).
std::string takeover_socket(const Options& options, const config::Config& config) {
  if (!options.takeover_socket.empty()) return options.takeover_socket;
  for (const auto& socket : config.global.stats_sockets)
    if (socket.level == config::ApiLevel::admin || socket.expose_listeners) return socket.path;
  return {};
}

}  // namespace

std::optional<StartMode> take_over_listeners(const Options& options, const config::Config& config) {
  StartMode mode;
  mode.replacing = true;
  const std::string path = takeover_socket(options, config);
  if (path.empty()) {
    logging::notice(Severity::warning,
                    "reload: no -x and no 'stats socket ... level admin' to take the listening "
                    "sockets from; new ones are bound beside the old (connections still queued "
                    "on the old process's sockets when it stops are lost)");
    return mode;
  }
  std::string error;
  std::vector<int> taken = reload::take_listeners(path, error);
  if (!error.empty()) {
    logging::notice(Severity::warning,
                    fmt::format("reload: could not take the listening sockets: {}; new ones are "
                                "bound beside the old",
                                error));
    return mode;
  }
  mode.listeners = net::InheritedListeners(std::move(taken));
  logging::notice(Severity::notice, fmt::format("reload: took over {} listening sockets from '{}'",
                                                mode.listeners.size(), path));
  return mode;
}

bool take_over_databases(const Options& options, const config::Config& config, StartMode& mode) {
  if (config.databases.empty()) return true;
  const std::string path = takeover_socket(options, config);
  const auto& first = config.databases.front();
  if (path.empty()) {
    logging::notice(Severity::alert,
                    fmt::format("reload refused: database '{}' ({}:{}) runs in the old process, "
                                "and without -x or a 'stats socket ... level admin' it cannot be "
                                "taken over",
                                first.name, first.where.file, first.where.line));
    return false;
  }
  std::vector<std::string> names;
  for (const auto& database : config.databases) names.push_back(database.name);
  std::string error;
  auto taken = reload::DatabaseTakeover::ask(path, names, error);
  if (!taken) {
    logging::notice(Severity::alert, "reload refused: cannot take the databases over: " + error);
    return false;
  }
  mode.databases = std::move(*taken);
  return true;
}

void release_previous(const Options& options) {
  for (const auto& failure : reload::signal_previous(options.finish_pids, SIGUSR1))
    logging::notice(Severity::warning, "reload: " + failure);
  for (const auto& failure : reload::signal_previous(options.terminate_pids, SIGTERM))
    logging::notice(Severity::warning, "reload: " + failure);
}

}  // namespace borealis::app

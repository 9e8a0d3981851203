#include "admin/servers_state_report.hpp"

#include <fmt/format.h>

#include <chrono>

#include "backend/backend_control.hpp"

namespace borealis::admin {
namespace {

// HAProxy's values (its server and check headers).
constexpr int kStopped = 0, kRunning = 2;                // srv_op_state
constexpr int kForcedMaint = 0x01, kConfigMaint = 0x04;  // srv_admin_state
constexpr int kForcedDrain = 0x08, kResolutionMaint = 0x20;
constexpr int kCheckInitialising = 1;                                 // srv_check_status before any
constexpr int kCheckUnknown = 0, kCheckFailed = 2, kCheckPassed = 3;  // srv_check_result
constexpr int kCheckConfiguredAndEnabled = 0x02 | 0x04;               // srv_check_state

int op_state(const backend::ServerState& server) {
  if (server.database) return kRunning;
  if (!server.address) return kStopped;
  return !server.checked() || server.health.is_up() ? kRunning : kStopped;
}

int admin_state(const backend::ServerState& server) {
  int flags = 0;
  if (server.config.disabled) flags |= kConfigMaint;
  if (server.admin == backend::AdminState::maint) flags |= kForcedMaint;
  if (server.admin == backend::AdminState::drain) flags |= kForcedDrain;
  if (!server.dns_maintenance.empty()) flags |= kResolutionMaint;
  return flags;
}

std::string server_line(const ProxyTargets& proxy, int id, core::SteadyTime now) {
  const backend::ServerState& server = proxy.backend->server(id);
  const auto& config = server.config;
  const auto& history = server.history;
  int check_status = 0, check_result = kCheckUnknown;
  if (server.checked()) check_status = kCheckInitialising;
  if (history.last_check) {
    const auto& row = backend::describe(*history.last_check);
    check_status = row.code;
    check_result = row.passed ? kCheckPassed : kCheckFailed;
  }
  const std::string address = server.address ? server.address->address().to_string() : "-";
  const int port = server.address ? server.address->port() : config.port;
  // A host that is not an address literal is resolved: HAProxy's srv_fqdn.
  asio::error_code not_literal;
  (void)asio::ip::make_address(config.host, not_literal);
  const std::string fqdn = !not_literal || config.host.empty() ? "-" : config.host;
  const long long since =
      std::chrono::duration_cast<std::chrono::seconds>(now - history.last_change).count();
  return fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} {} {} 0 0 0 {} {} - {} {} - - 0\n",
                     proxy.id, proxy.backend->backend().name(), id + 1, config.name, address,
                     op_state(server), admin_state(server), config.weight, config.weight, since,
                     check_status, check_result, server.health.counter(),
                     server.checked() ? kCheckConfiguredAndEnabled : 0, fqdn, port,
                     config.ssl ? 1 : 0, config.check_port.value_or(0));
}

}  // namespace

std::string servers_state(const std::vector<ProxyTargets>& proxies, const std::string& backend) {
  std::string text =
      "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "
      "srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
      "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn "
      "srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr "
      "srv_agent_port\n";
  const auto now = core::SteadyClock::now();
  for (const auto& proxy : proxies) {
    if (!proxy.backend) continue;
    if (!backend.empty() && proxy.backend->backend().name() != backend) continue;
    const int count = static_cast<int>(proxy.backend->servers().size());
    for (int id = 0; id < count; ++id) text += server_line(proxy, id, now);
  }
  return text;
}

}  // namespace borealis::admin

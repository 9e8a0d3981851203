// The control plane's record of one server: its current address, its check
// state and why it is (not) usable. Only the control thread touches it.
#pragma once

#include <asio/ip/tcp.hpp>
#include <optional>
#include <string>

#include "backend/server_health.hpp"
#include "backend/server_history.hpp"
#include "config/model.hpp"
#include "serverless/database_gate.hpp"
#include "tls/client_context.hpp"

namespace borealis::backend {

// What an operator set (the runtime API's `set server ... state`): `drain`
// and `maint` both keep new sessions away (established ones go on); checks
// go on in both. HAProxy's `drain` still lets persistent sessions in, which
// borealis has none of.
enum class AdminState { ready, drain, maint };

struct ServerState {
  explicit ServerState(const config::Server& server)
      : config(server), health(server.rise, server.fall) {}

  config::Server config;
  std::optional<asio::ip::tcp::endpoint> address;
  ServerHealth health;
  // Why the server is in maintenance because of DNS, e.g. "DNS NX status";
  // empty while DNS gives it an address.
  std::string dns_maintenance;
  // For `server NAME database@DB`: the database whose engine serves it. Such
  // a server is usable even while paused: a connection to it wakes it.
  serverless::DatabaseGate* database = nullptr;
  // `ssl` (mode mysql): the TLS context toward this server, else null.
  tls::ClientContext* tls = nullptr;
  AdminState admin = AdminState::ready;
  ServerHistory history;

  bool checked() const { return config.check; }
  bool usable() const {
    if (config.disabled || admin != AdminState::ready) return false;
    if (database) return true;
    return address && dns_maintenance.empty() && (!checked() || health.is_up());
  }
};

}  // namespace borealis::backend

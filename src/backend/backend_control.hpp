// The control plane's side of a backend: applies check results and DNS
// answers to its servers, logs each change in HAProxy's words, and publishes
// a fresh BackendView for the workers.
#pragma once

#include <string>
#include <vector>

#include "backend/backend_view.hpp"
#include "backend/check_status.hpp"
#include "backend/server_state.hpp"

namespace borealis::backend {

struct CheckOutcome {
  bool passed = false;
  std::string reason;  // "Layer4 connection problem", "Layer7 check passed", ...
  std::string info;    // "Connection refused", the server version, an error
  long long duration_ms = 0;
  CheckStatus status = CheckStatus::l4_ok;
};

class BackendControl {
 public:
  explicit BackendControl(Backend& backend);

  Backend& backend() { return backend_; }
  std::vector<ServerState>& servers() { return servers_; }
  ServerState& server(int id) { return servers_[static_cast<std::size_t>(id)]; }

  void apply_check(int id, const CheckOutcome& outcome);
  // A new address from DNS (or nullopt when the answer has none for it).
  void apply_address(int id, std::optional<asio::ip::tcp::endpoint> address,
                     const std::string& source);
  void enter_dns_maintenance(int id, const std::string& reason);
  // An operator's state for the server; logged with `source`.
  void set_admin_state(int id, AdminState state, const std::string& source);
  // The server named `name`, or -1.
  int find(const std::string& name) const;
  void publish();

 private:
  std::string full_name(const ServerState& server) const;
  std::string servers_left_text() const;
  void warn_if_backend_empty(bool was_usable_before);

  Backend& backend_;
  std::vector<ServerState> servers_;
};

}  // namespace borealis::backend

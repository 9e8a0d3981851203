// Keeps servers' addresses in step with DNS: every `timeout resolve` it asks
// the server's resolvers for its name, moves the server to a new address when
// the old one left the answer, and applies the `hold` periods on failures.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend_control.hpp"
#include "config/model.hpp"
#include "core/clock.hpp"
#include "dns/dns_client.hpp"

namespace borealis::backend {

class ServerResolver {
 public:
  ServerResolver(asio::io_context& context, const config::Config& config);

  // Starts polling for every server of `control` that names a resolvers section.
  void watch(BackendControl& control);

 private:
  // Servers that share one name (a `server`, or all of a `server-template`).
  struct NameGroup {
    BackendControl* control = nullptr;
    std::vector<int> server_ids;
    std::string host;
    std::uint16_t port = 0;
    config::AddressFamily prefer = config::AddressFamily::ipv6;
    const config::Resolvers* resolvers = nullptr;
    dns::DnsClient* client = nullptr;
    std::optional<core::SteadyTime> last_valid;
  };

  asio::awaitable<void> poll(std::shared_ptr<NameGroup> group);
  void apply(NameGroup& group, const dns::DnsAnswer& answer);
  dns::DnsClient& client_for(const config::Resolvers& resolvers);

  asio::io_context& context_;
  const config::Config& config_;
  std::map<std::string, std::unique_ptr<dns::DnsClient>> clients_;
};

}  // namespace borealis::backend

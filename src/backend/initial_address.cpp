#include "backend/initial_address.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

namespace borealis::backend {

namespace {

std::optional<asio::ip::address> system_lookup(const std::string& host,
                                               config::AddressFamily prefer) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &results) != 0) return std::nullopt;
  std::optional<asio::ip::address> first, preferred;
  for (auto* entry = results; entry; entry = entry->ai_next) {
    asio::ip::tcp::endpoint endpoint;
    if (entry->ai_addrlen > endpoint.capacity()) continue;
    std::memcpy(endpoint.data(), entry->ai_addr, entry->ai_addrlen);
    endpoint.resize(entry->ai_addrlen);
    auto address = endpoint.address();
    if (!first) first = address;
    bool wanted = prefer == config::AddressFamily::ipv6 ? address.is_v6() : address.is_v4();
    if (wanted && !preferred) preferred = address;
  }
  ::freeaddrinfo(results);
  return preferred ? preferred : first;
}

}  // namespace

std::optional<std::string> assign_initial_address(ServerState& server) {
  const config::Server& conf = server.config;
  if (!conf.database.empty()) return std::nullopt;  // the database's engine gives it
  asio::error_code error;
  auto literal = asio::ip::make_address(conf.host, error);
  if (!error) {
    server.address = asio::ip::tcp::endpoint(literal, conf.port);
    return std::nullopt;
  }
  std::vector<config::InitAddr> methods = conf.init_addr;
  if (methods.empty()) {
    if (!conf.resolvers.empty()) return std::nullopt;  // the resolvers fill it in
    methods = {config::InitAddr::last, config::InitAddr::libc};
  }
  for (auto method : methods) {
    switch (method) {
      case config::InitAddr::last:
        break;  // no server state file yet
      case config::InitAddr::none:
        return std::nullopt;
      case config::InitAddr::libc:
        if (auto address = system_lookup(conf.host, conf.resolve_prefer)) {
          server.address = asio::ip::tcp::endpoint(*address, conf.port);
          return std::nullopt;
        }
        break;
      case config::InitAddr::ip: {
        auto address = asio::ip::make_address(conf.init_addr_ip, error);
        if (!error) {
          server.address = asio::ip::tcp::endpoint(address, conf.port);
          return std::nullopt;
        }
        break;
      }
    }
  }
  return fmt::format("parsing [{}:{}] : 'server {}' : could not resolve address '{}'.",
                     conf.where.file, conf.where.line, conf.name, conf.host);
}

}  // namespace borealis::backend

#include "net/listen_socket.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace borealis::net {

namespace {

std::optional<asio::ip::address> bind_address(const config::Bind& bind) {
  if (bind.host.empty() || bind.host == "*") return asio::ip::address_v4::any();
  asio::error_code error;
  auto address = asio::ip::make_address(bind.host, error);
  if (error) return std::nullopt;
  return address;
}

bool set_flag(int fd, int level, int option, int value) {
  return ::setsockopt(fd, level, option, &value, sizeof(value)) == 0;
}

}  // namespace

ListenSocket open_listen_socket(const config::Bind& bind, int backlog, std::string& error) {
  ListenSocket result;
  auto address = bind_address(bind);
  if (!address) {
    error = fmt::format("cannot bind socket: '{}' is not an IP address", bind.host);
    return result;
  }
  result.endpoint = asio::ip::tcp::endpoint(*address, bind.port);
  int family = address->is_v6() ? AF_INET6 : AF_INET;
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = fmt::format("cannot create listening socket ({})", std::strerror(errno));
    return result;
  }
  set_flag(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  set_flag(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  // `::` serves IPv4 too unless v6only; v4v6 forces dual stack.
  if (family == AF_INET6) set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, bind.v6only ? 1 : 0);
  if (::bind(fd, result.endpoint.data(), static_cast<socklen_t>(result.endpoint.size())) != 0 ||
      ::listen(fd, backlog) != 0) {
    const int failure = errno;  // before anything else can change it
    error = fmt::format("cannot bind socket ({}) [{}:{}]", std::strerror(failure),
                        address->to_string(), bind.port);
    ::close(fd);
    return result;
  }
  result.fd = fd;
  return result;
}

std::vector<ListenSocket> open_bind_sockets(const config::Bind& bind, std::size_t count,
                                            InheritedListeners& inherited, int backlog,
                                            std::string& error) {
  std::vector<ListenSocket> sockets;
  if (auto address = bind_address(bind)) {
    asio::ip::tcp::endpoint endpoint(*address, bind.port);
    for (int fd : inherited.take(endpoint)) sockets.push_back({fd, endpoint});
  }
  while (sockets.size() < count) {
    ListenSocket socket = open_listen_socket(bind, backlog, error);
    if (socket.fd < 0) {
      for (const auto& opened : sockets) ::close(opened.fd);
      return {};
    }
    sockets.push_back(socket);
  }
  return sockets;
}

}  // namespace borealis::net

// A reload's handed-over sockets: each bind takes those on its address,
// and whatever no bind takes is closed.
#include "net/inherited_listeners.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "net/listen_socket.hpp"

namespace borealis::net {
namespace {

config::Bind loopback_bind(std::uint16_t port) {
  config::Bind bind;
  bind.host = "127.0.0.1";
  bind.port = port;
  return bind;
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

std::uint16_t port_of(int fd) {
  asio::ip::tcp::endpoint endpoint;
  socklen_t length = static_cast<socklen_t>(endpoint.capacity());
  ::getsockname(fd, endpoint.data(), &length);
  return endpoint.port();
}

// Two SO_REUSEPORT sockets on one port the kernel picks, as two workers'.
std::pair<ListenSocket, ListenSocket> two_on_one_port() {
  std::string error;
  auto first = open_listen_socket(loopback_bind(0), 16, error);
  EXPECT_GE(first.fd, 0) << error;
  auto second = open_listen_socket(loopback_bind(port_of(first.fd)), 16, error);
  EXPECT_GE(second.fd, 0) << error;
  return {first, second};
}

TEST(InheritedListeners, EachBindTakesTheSocketsOnItsAddress) {
  std::string error;
  auto [first, second] = two_on_one_port();
  const std::uint16_t port = port_of(first.fd);
  auto other = open_listen_socket(loopback_bind(0), 16, error);
  ASSERT_GE(other.fd, 0) << error;
  int not_listening = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  InheritedListeners inherited({first.fd, second.fd, other.fd, not_listening});
  EXPECT_FALSE(is_open(not_listening));  // not a listening socket: closed at once
  EXPECT_EQ(inherited.size(), 3u);

  auto sockets = open_bind_sockets(loopback_bind(port), 4, inherited, 16, error);
  ASSERT_EQ(sockets.size(), 4u) << error;  // the two handed over, then two new
  EXPECT_EQ(sockets[0].fd, first.fd);
  EXPECT_EQ(sockets[1].fd, second.fd);
  EXPECT_EQ(inherited.size(), 1u);
  for (const auto& socket : sockets) EXPECT_EQ(port_of(socket.fd), port);
  for (const auto& socket : sockets) ::close(socket.fd);

  inherited = InheritedListeners();  // what no bind took is closed
  EXPECT_FALSE(is_open(other.fd));
}

TEST(InheritedListeners, AllHandedOverSocketsAreKeptEvenBeyondTheCount) {
  std::string error;
  auto [first, second] = two_on_one_port();
  const std::uint16_t port = port_of(first.fd);
  InheritedListeners inherited({first.fd, second.fd});
  // One worker now, two before: closing one would drop its queued clients.
  auto sockets = open_bind_sockets(loopback_bind(port), 1, inherited, 16, error);
  EXPECT_EQ(sockets.size(), 2u);
  for (const auto& socket : sockets) ::close(socket.fd);
}

}  // namespace
}  // namespace borealis::net

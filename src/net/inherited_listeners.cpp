#include "net/inherited_listeners.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <optional>

namespace borealis::net {
namespace {

// The address a listening TCP socket is bound to; nullopt for anything else.
std::optional<asio::ip::tcp::endpoint> listening_endpoint(int fd) {
  int listening = 0, type = 0;
  socklen_t size = sizeof(listening);
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening)
    return std::nullopt;
  size = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_STREAM)
    return std::nullopt;
  asio::ip::tcp::endpoint endpoint;
  socklen_t length = static_cast<socklen_t>(endpoint.capacity());
  if (::getsockname(fd, endpoint.data(), &length) != 0) return std::nullopt;
  const auto family = endpoint.data()->sa_family;
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  endpoint.resize(length);
  return endpoint;
}

}  // namespace

InheritedListeners::InheritedListeners(std::vector<int> descriptors) {
  for (int fd : descriptors) {
    if (auto endpoint = listening_endpoint(fd))
      held_.push_back({fd, *endpoint});
    else
      ::close(fd);
  }
}

InheritedListeners::~InheritedListeners() { close_all(); }

InheritedListeners::InheritedListeners(InheritedListeners&& other) noexcept
    : held_(std::move(other.held_)) {
  other.held_.clear();
}

InheritedListeners& InheritedListeners::operator=(InheritedListeners&& other) noexcept {
  if (this != &other) {
    close_all();
    held_ = std::move(other.held_);
    other.held_.clear();
  }
  return *this;
}

void InheritedListeners::close_all() {
  for (const Held& held : held_) ::close(held.fd);
  held_.clear();
}

std::vector<int> InheritedListeners::take(const asio::ip::tcp::endpoint& endpoint) {
  std::vector<int> taken;
  std::erase_if(held_, [&](const Held& held) {
    if (held.endpoint != endpoint) return false;
    taken.push_back(held.fd);
    return true;
  });
  return taken;
}

}  // namespace borealis::net

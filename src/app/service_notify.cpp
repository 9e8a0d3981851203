#include "app/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace borealis::app {

ServiceNotifier ServiceNotifier::from_environment() {
  ServiceNotifier notifier;
  if (const char* path = std::getenv("NOTIFY_SOCKET")) notifier.path_ = path;
  ::unsetenv("NOTIFY_SOCKET");
  // Only a path or an abstract name fits sockaddr_un.
  if (notifier.path_.size() < 2 || notifier.path_.size() >= sizeof(sockaddr_un::sun_path) ||
      (notifier.path_[0] != '/' && notifier.path_[0] != '@'))
    notifier.path_.clear();
  return notifier;
}

bool ServiceNotifier::notify(std::string_view state) const {
  if (path_.empty()) return false;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_.data(), path_.size());
  if (path_[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

}  // namespace borealis::app

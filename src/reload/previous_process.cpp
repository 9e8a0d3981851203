#include "reload/previous_process.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "reload/descriptor_passing.hpp"

namespace borealis::reload {
namespace {

constexpr std::chrono::milliseconds kTakeoverLimit{5000};

}  // namespace

std::vector<int> take_listeners(const std::string& path, std::string& error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    error = fmt::format("'{}' is too long for a unix socket path", path);
    return {};
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return {};
  }
  std::vector<int> received;
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  constexpr std::string_view kAsk = "_getsocks\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    error = fmt::format("cannot connect to '{}': {}", path, std::strerror(errno));
  else if (::send(fd, kAsk.data(), kAsk.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(kAsk.size()))
    error = fmt::format("cannot write to '{}': {}", path, std::strerror(errno));
  else
    received = receive_descriptors(fd, kTakeoverLimit, error);
  if (!error.empty() && error.find(path) == std::string::npos)
    error = fmt::format("'{}': {}", path, error);
  ::close(fd);
  return received;
}

std::vector<std::string> signal_previous(const std::vector<pid_t>& pids, int signal) {
  std::vector<std::string> failures;
  for (pid_t pid : pids)
    if (::kill(pid, signal) != 0)
      failures.push_back(fmt::format("cannot signal process {}: {}", pid, std::strerror(errno)));
  return failures;
}

}  // namespace borealis::reload

#include "logging/log_sink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "logging/stderr_notice.hpp"

namespace borealis::logging {

namespace {

socklen_t fill_unix_address(const std::string& path, sockaddr_storage& storage) {
  auto* un = reinterpret_cast<sockaddr_un*>(&storage);
  un->sun_family = AF_UNIX;
  std::strncpy(un->sun_path, path.c_str(), sizeof(un->sun_path) - 1);
  return sizeof(sockaddr_un);
}

socklen_t fill_udp_address(const std::string& host, std::uint16_t port, sockaddr_storage& storage) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

}  // namespace

LogSink::LogSink(const config::LogTarget& target) : target_(target) {
  using Kind = config::LogTarget::Kind;
  switch (target.kind) {
    case Kind::stdout_stream:
      fd_ = STDOUT_FILENO;
      return;
    case Kind::stderr_stream:
      fd_ = STDERR_FILENO;
      return;
    case Kind::unix_datagram:
      address_length_ = fill_unix_address(target.path, address_);
      break;
    case Kind::udp:
      address_length_ = fill_udp_address(target.host, target.port, address_);
      break;
  }
  if (address_length_ == 0) {
    notice(
        Severity::alert,
        fmt::format("log target '{}' is not an IP address; logs to it are dropped", target.host));
    return;
  }
  fd_ = ::socket(address_.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

LogSink::~LogSink() {
  if (fd_ > STDERR_FILENO) ::close(fd_);
}

bool LogSink::is_stream() const {
  return target_.kind == config::LogTarget::Kind::stdout_stream ||
         target_.kind == config::LogTarget::Kind::stderr_stream;
}

void LogSink::send(std::string_view line) {
  if (fd_ < 0) return;
  if (is_stream()) {
    // The line already ends with '\n'; one write keeps it whole.
    if (::write(fd_, line.data(), line.size()) < 0) report_failure_once(errno);
    return;
  }
  ssize_t sent = ::sendto(fd_, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&address_), address_length_);
  // A full socket buffer drops the line, as syslog over UDP would.
  if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) report_failure_once(errno);
}

void LogSink::report_failure_once(int error) {
  if (failure_reported_.exchange(true)) return;
  std::string where = target_.kind == config::LogTarget::Kind::unix_datagram
                          ? target_.path
                          : fmt::format("{}:{}", target_.host, target_.port);
  notice(
      Severity::warning,
      fmt::format("cannot send logs to '{}': {}; further failures on this target are not reported",
                  where, std::strerror(error)));
}

}  // namespace borealis::logging

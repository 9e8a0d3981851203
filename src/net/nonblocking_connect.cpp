#include "net/nonblocking_connect.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace borealis::net {

using asio::ip::tcp;

namespace {

asio::error_code from_errno(int number) {
  return asio::error_code(number, asio::error::get_system_category());
}

}  // namespace

ConnectStart start_connect(tcp::socket& socket, const tcp::endpoint& target) {
  if (socket.is_open()) {
    asio::error_code ignored;
    socket.close(ignored);
  }
  const tcp protocol = target.protocol();
  const int descriptor =
      ::socket(protocol.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol.protocol());
  if (descriptor < 0) return {from_errno(errno), false};
  asio::error_code error;
  socket.assign(protocol, descriptor, error);  // registers it with the worker's epoll
  if (error) {
    ::close(descriptor);
    return {error, false};
  }
  if (::connect(descriptor, target.data(), static_cast<socklen_t>(target.size())) == 0)
    return {{}, false};
  if (errno == EINPROGRESS) return {{}, true};
  return {from_errno(errno), false};
}

asio::error_code connect_result(tcp::socket& socket) {
  int status = 0;
  socklen_t length = sizeof(status);
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &status, &length) != 0)
    return from_errno(errno);
  return status == 0 ? asio::error_code() : from_errno(status);
}

}  // namespace borealis::net

// A TCP connect without asio's: the socket is opened close-on-exec in its
// first system call, so no server socket can reach a child program (a
// mariadbd borealis starts) by construction, and a connect in progress is
// judged by one getsockopt when the socket turns writable (asio's connect
// adds a poll() before it). The socket is opened non-blocking too, though
// asio still sets O_NONBLOCK again with an ioctl at its first wait: it has
// no way to be told.
#pragma once

#include <asio/ip/tcp.hpp>

namespace borealis::net {

struct ConnectStart {
  asio::error_code error;    // the connect failed at once (or the socket could not be made)
  bool in_progress = false;  // wait for writability, then ask connect_result()
};

// Opens `socket` (closed before, or closed here first) for `target` and
// starts connecting it.
ConnectStart start_connect(asio::ip::tcp::socket& socket, const asio::ip::tcp::endpoint& target);

// How a connect that was in progress ended, once the socket is writable.
asio::error_code connect_result(asio::ip::tcp::socket& socket);

}  // namespace borealis::net

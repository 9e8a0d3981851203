// Listening sockets for `bind` lines. Each worker gets its own socket on the
// same address (SO_REUSEPORT), so the kernel spreads connections over the
// workers without a shared accept queue. Sockets are opened before
// privileges are dropped.
#pragma once

#include <asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "net/inherited_listeners.hpp"

namespace borealis::net {

struct ListenSocket {
  int fd = -1;
  asio::ip::tcp::endpoint endpoint;
};

// Opens, binds and listens; on failure returns fd -1 and sets `error` to a
// message in HAProxy's words ("cannot bind socket (Address already in use)").
ListenSocket open_listen_socket(const config::Bind& bind, int backlog, std::string& error);

// At least `count` sockets for `bind`: first every one `inherited` holds for
// its address (a reload's, all kept: closing one would drop the connections
// in its queue), then new ones. Empty, with `error` set, on failure.
std::vector<ListenSocket> open_bind_sockets(const config::Bind& bind, std::size_t count,
                                            InheritedListeners& inherited, int backlog,
                                            std::string& error);

}  // namespace borealis::net

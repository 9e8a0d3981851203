// Listening sockets for `bind` lines. Each worker gets its own socket on the
// same address (SO_REUSEPORT), so the kernel spreads connections over the
// workers without a shared accept queue. Sockets are opened before
// privileges are dropped.
#pragma once

#include <asio/ip/tcp.hpp>
#include <string>

#include "config/model.hpp"

namespace borealis::net {

struct ListenSocket {
  int fd = -1;
  asio::ip::tcp::endpoint endpoint;
};

// Opens, binds and listens; on failure returns fd -1 and sets `error` to a
// message in HAProxy's words ("cannot bind socket (Address already in use)").
ListenSocket open_listen_socket(const config::Bind& bind, int backlog, std::string& error);

}  // namespace borealis::net

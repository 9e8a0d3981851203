// Accepts connections on one worker's listening socket and starts a session
// for each, pausing while the frontend is at its `maxconn`.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "frontend/frontend.hpp"

namespace borealis::frontend {

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, Frontend& frontend);

}  // namespace borealis::frontend

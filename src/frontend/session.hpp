// One client connection in `mode tcp`: read its PROXY header (on an
// `accept-proxy` bind), apply `tcp-request session` rules, choose a server,
// connect with retries, relay, and log one line at the end. Runs on the worker that
// accepted it and never leaves it.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "frontend/frontend.hpp"

namespace borealis::frontend {

asio::awaitable<void> run_session(asio::ip::tcp::socket client, asio::ip::tcp::endpoint peer,
                                  Frontend& frontend, const Listener& listener);

}  // namespace borealis::frontend

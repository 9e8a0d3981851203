// One client connection in `mode tcp`: read its PROXY header (on an
// `accept-proxy` bind), apply `tcp-request session` rules, choose a server,
// connect with retries, relay, and log one line at the end. Runs on the worker that
// accepted it and never leaves it.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "frontend/frontend.hpp"
#include "frontend/session_registry.hpp"

namespace borealis::frontend {

// `registry`: the accepting worker's, where the session is listed while it
// lives.
asio::awaitable<void> run_session(asio::ip::tcp::socket client, asio::ip::tcp::endpoint peer,
                                  Frontend& frontend, const Listener& listener,
                                  SessionRegistry& registry);

}  // namespace borealis::frontend

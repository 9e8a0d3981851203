// One client connection in `mode tcp`: read its PROXY header (on an
// `accept-proxy` bind), apply `tcp-request session` rules, choose a server,
// connect with retries, relay, and log one line at the end. Runs on one
// worker (the accepting one, or the one it was handed to) and never leaves it.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>

#include "frontend/frontend.hpp"
#include "frontend/session_registry.hpp"

namespace borealis::frontend {

// `registry`: the worker's, where the session is listed while it lives;
// `worker_sessions`: that worker's count (WorkerLoads), already raised for
// this session, lowered when it ends.
asio::awaitable<void> run_session(asio::ip::tcp::socket client, asio::ip::tcp::endpoint peer,
                                  Frontend& frontend, const Listener& listener,
                                  SessionRegistry& registry, std::atomic<int>& worker_sessions);

}  // namespace borealis::frontend

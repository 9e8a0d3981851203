// Accepts connections on one worker's listening socket, refuses those the
// frontend's `tcp-request connection` rules reject, and starts a session
// for each other, pausing while the frontend is at its `maxconn`. A session
// may be handed to a less busy worker (worker_loads.hpp).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "frontend/frontend.hpp"
#include "frontend/session_registry.hpp"
#include "frontend/worker_loads.hpp"

namespace borealis::frontend {

// Closes (with a reset) a connection the frontend's `tcp-request
// connection` rules refuse, counts and logs it; false when they accept it.
bool refused_by_rules(asio::ip::tcp::socket& client, const asio::ip::tcp::endpoint& peer,
                      Frontend& frontend);

// Runs on worker `here`; each session runs on the worker `workers.loads`
// chooses (usually `here`).
asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, Frontend& frontend,
                                  const Listener& listener, Workers& workers, int here);

}  // namespace borealis::frontend

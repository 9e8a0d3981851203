// The relay of `mode tcp`: two plain TCP sockets, no TLS, nothing that looks
// into the bytes. It is driven by readiness callbacks, not by a coroutine per
// direction, so that an idle session holds no read buffer and no pump's frame,
// and a message costs one read and one write (see tcp_relay.cpp).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "net/relay.hpp"

namespace borealis::net {

// Same contract as relay() (relay.hpp) without MySQL hooks: half-close passed
// on, each side's idle and `-fin` timeouts, the bytes counted both ways, the
// cause of the end. Both sockets must be connected and owned by the caller,
// on the executor this runs on, with no other operation pending on them.
asio::awaitable<RelayOutcome> relay_tcp(asio::ip::tcp::socket& client,
                                        asio::ip::tcp::socket& server,
                                        const RelayTimeouts& timeouts);

}  // namespace borealis::net

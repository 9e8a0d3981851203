// Moves bytes both ways between a client and a server until both sides are
// done, handling half-close and the idle timeouts of each side.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <cstdint>
#include <optional>

#include "config/model.hpp"
#include "core/clock.hpp"
#include "logging/termination.hpp"
#include "mysql/client_stream_filter.hpp"

namespace borealis::net {

struct RelayTimeouts {
  std::optional<config::Duration> client, server, client_fin, server_fin;
};

// Why the relay ended: none (both sides finished), client_abort or
// server_abort (a side failed), client_timeout or server_timeout (idle).
// The step is always `data`.
struct RelayOutcome {
  logging::TerminationCause cause = logging::TerminationCause::none;
  std::uint64_t bytes_to_client = 0;
  std::uint64_t bytes_to_server = 0;
};

// `client_filter` (`mode mysql`, may be null) sees what the client sends
// and decides what reaches the server. Either side may be TLS (`mode
// mysql`: `bind ... ssl`, `server ... ssl`).
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket&>;
asio::awaitable<RelayOutcome> relay(asio::ip::tcp::socket& client, asio::ip::tcp::socket& server,
                                    const RelayTimeouts& timeouts,
                                    mysql::ClientStreamFilter* client_filter = nullptr);
asio::awaitable<RelayOutcome> relay(TlsStream& client, asio::ip::tcp::socket& server,
                                    const RelayTimeouts& timeouts,
                                    mysql::ClientStreamFilter* client_filter = nullptr);
asio::awaitable<RelayOutcome> relay(asio::ip::tcp::socket& client, TlsStream& server,
                                    const RelayTimeouts& timeouts,
                                    mysql::ClientStreamFilter* client_filter = nullptr);
asio::awaitable<RelayOutcome> relay(TlsStream& client, TlsStream& server,
                                    const RelayTimeouts& timeouts,
                                    mysql::ClientStreamFilter* client_filter = nullptr);

}  // namespace borealis::net

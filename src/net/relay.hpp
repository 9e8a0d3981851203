// Moves bytes both ways between a client and a server until both sides are
// done, handling half-close and the idle timeouts of each side.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "config/model.hpp"
#include "core/clock.hpp"
#include "logging/termination.hpp"
#include "mysql/client_stream_filter.hpp"
#include "mysql/session_follower.hpp"
#include "stats/response_timing.hpp"

namespace borealis::net {

struct RelayTimeouts {
  std::optional<config::Duration> client, server, client_fin, server_fin;
  // `mode mysql` with a follower: idle this long at a safe point, the
  // server connection is given back (`timeout release`).
  std::optional<config::Duration> release;
};

// Why the relay ended: none (both sides finished), client_abort or
// server_abort (a side failed), client_timeout or server_timeout (idle).
// The step is always `data`.
struct RelayOutcome {
  logging::TerminationCause cause = logging::TerminationCause::none;
  std::uint64_t bytes_to_client = 0;
  std::uint64_t bytes_to_server = 0;
  // `mode mysql`: the server's connection ended while the session was at
  // a safe point, and the client has spoken since: its bytes, as read, for
  // the next server connection (cause is none; the client socket is open).
  bool server_lost = false;
  std::string client_bytes_waiting;
  // With server_lost: the session was not at a safe point, but no command
  // was outstanding (a transaction open, ...): what it held is gone, and
  // the client's next command cannot run as it meant.
  bool away_from_safe_point = false;
  // With server_lost: the server connection ended after the client's
  // last command reached it and before any of its answer came (the
  // engine crashed while a query ran). The client waits for that answer,
  // whose fate is unknown. Client bytes may be waiting (a client that sent
  // its next command without waiting for the answer).
  bool command_lost = false;
};

// What a `mode mysql` relay does beyond moving bytes (each may be null).
struct MysqlHooks {
  // Sees what the client sends and decides what reaches the server.
  mysql::ClientStreamFilter* client_filter = nullptr;
  // Sees what the server sends (through the filter's observer, what the
  // client sends too). With it, a server connection that ends while the
  // session is at a safe point ends the relay with `server_lost`.
  mysql::SessionFollower* follower = nullptr;
  // Client bytes read before this relay (a lost server's
  // client_bytes_waiting): they go first, through the filter.
  std::string_view client_bytes_first;
  // Called when the relay gives the server connection back after the
  // session was idle at a safe point for `release` (how long it had been
  // idle); the relay then waits for the client as after a lost server.
  std::function<void(std::chrono::nanoseconds idle)> released;
  // Times each command's answer (needs client_filter, which counts them).
  stats::ResponseTiming* timing = nullptr;
};

// Either side may be TLS (`mode mysql`: `bind ... ssl`, `server ... ssl`).
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket&>;
asio::awaitable<RelayOutcome> relay(asio::ip::tcp::socket& client, asio::ip::tcp::socket& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql = {});
asio::awaitable<RelayOutcome> relay(TlsStream& client, asio::ip::tcp::socket& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql = {});
asio::awaitable<RelayOutcome> relay(asio::ip::tcp::socket& client, TlsStream& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql = {});
asio::awaitable<RelayOutcome> relay(TlsStream& client, TlsStream& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql = {});

}  // namespace borealis::net

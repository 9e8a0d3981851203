// Reads the PROXY protocol header that starts a connection on an
// `accept-proxy` bind, without consuming a byte of what follows it.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "proxy_protocol/proxy_header.hpp"

namespace borealis::proxy_protocol {

struct ReadOutcome {
  std::optional<ProxyHeader> header;  // nullopt: refused, see `error`
  std::string error;
};

// Waits at most `limit` for a complete, valid header.
asio::awaitable<ReadOutcome> read_header(asio::ip::tcp::socket& socket,
                                         std::chrono::milliseconds limit);

}  // namespace borealis::proxy_protocol

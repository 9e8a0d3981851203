// The PROXY protocol (HAProxy's, versions 1 and 2): the header a load
// balancer puts before a connection's bytes to say whom the connection is
// for. Pure functions over bytes: parsing (strict, bounded) and writing.
#pragma once

#include <asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace borealis::proxy_protocol {

// "PROXY TCP6 " + two full IPv6 addresses + two ports + CRLF.
inline constexpr std::size_t kMaxV1Length = 107;
inline constexpr std::size_t kV2FixedLength = 16;
// Addresses plus TLVs a balancer may add (AWS, Azure and GCP add a few
// dozen bytes); longer headers are refused rather than buffered.
inline constexpr std::size_t kMaxV2Length = kV2FixedLength + 2048;

struct ProxyHeader {
  int version = 0;
  // v1 `UNKNOWN`, v2 `LOCAL` or an address family borealis does not relay:
  // the header names no client, and the connection's own addresses stand.
  bool names_client = false;
  asio::ip::tcp::endpoint source, destination;  // set when names_client
};

struct ParseResult {
  enum class Status { need_more, complete, invalid };
  Status status = Status::need_more;
  // complete: the header's length. need_more: how many bytes in all may
  // still be part of the header (read no further than this).
  std::size_t length = 0;
  ProxyHeader header;
  std::string error;  // invalid: why, for the log
};

// Parses the start of a connection. Never reads past `bytes`, never
// allocates more than the error text.
ParseResult parse(std::span<const std::uint8_t> bytes);

// Headers borealis sends to a `send-proxy` / `send-proxy-v2` server, for a
// client `source` that reached borealis at `destination`. An IPv4 address
// paired with an IPv6 one is written as IPv4-mapped IPv6.
std::string make_v1(const asio::ip::tcp::endpoint& source,
                    const asio::ip::tcp::endpoint& destination);
std::vector<std::uint8_t> make_v2(const asio::ip::tcp::endpoint& source,
                                  const asio::ip::tcp::endpoint& destination);
// v2 LOCAL: "this connection is the sender's own".
std::vector<std::uint8_t> make_v2_local();
// make_v1 or make_v2 as `version` says (an empty vector for none).
std::vector<std::uint8_t> make_header(config::SendProxy version,
                                      const asio::ip::tcp::endpoint& source,
                                      const asio::ip::tcp::endpoint& destination);

}  // namespace borealis::proxy_protocol

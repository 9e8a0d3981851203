// Addresses as HAProxy writes them: "1.2.3.4:3306", "*:3306", ":3306",
// "[::1]:3306", ":::3306", "name.example.com:3306", with optional
// "ipv4@", "ipv6@", "udp@", "tcp@" (and 4/6 variants) prefixes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace borealis::config {

struct HostPort {
  std::string host;  // "" for the wildcard ("*" or nothing before the colon)
  std::uint16_t port = 0;
  bool has_port = false;
  // The family prefix without its '@' ("ipv4", "udp6", ...), or empty.
  std::string prefix;
};

// Without brackets the LAST colon separates the port, as in HAProxy, so an
// IPv6 address without a port must be written in brackets ("[::1]").
// An "ipv6@"-like prefix with an empty host gives host "::". Returns nullopt
// for anything else, including port ranges, port offsets and unknown
// prefixes such as "unix@" (see address_prefix() to report those).
std::optional<HostPort> parse_host_port(std::string_view text);

// The text before the first '@' when it looks like an HAProxy address
// prefix ("unix", "abns", "fd", "ipv4", ...), else empty.
std::string_view address_prefix(std::string_view text);

bool is_ip_literal(std::string_view text);
bool is_ipv4_literal(std::string_view text);
bool is_ipv6_literal(std::string_view text);
// Letters, digits, '-', '_' and dots; not a bare number-and-dots string.
bool is_hostname(std::string_view text);

}  // namespace borealis::config

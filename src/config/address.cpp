#include "config/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace borealis::config {
namespace {

constexpr std::string_view kKnownPrefixes[] = {"ipv4", "ipv6", "udp",  "udp4",
                                               "udp6", "tcp",  "tcp4", "tcp6"};

bool is_ipv6_prefix(std::string_view prefix) {
  return prefix == "ipv6" || prefix == "udp6" || prefix == "tcp6";
}

bool is_ipv4_prefix(std::string_view prefix) {
  return prefix == "ipv4" || prefix == "udp4" || prefix == "tcp4";
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// inet_pton needs a NUL-terminated string; addresses are short.
template <int Family, std::size_t Size>
bool pton(std::string_view text) {
  if (text.empty() || text.size() >= 64) return false;
  std::array<char, 64> buffer{};
  std::copy(text.begin(), text.end(), buffer.begin());
  unsigned char out[Size];
  return inet_pton(Family, buffer.data(), out) == 1;
}

// The host part must fit the family the prefix asks for.
bool host_fits_prefix(std::string_view host, std::string_view prefix) {
  if (host.empty()) return true;
  if (is_ipv4_prefix(prefix)) return is_ipv4_literal(host) || is_hostname(host);
  if (is_ipv6_prefix(prefix)) return is_ipv6_literal(host) || is_hostname(host);
  return is_ip_literal(host) || is_hostname(host);
}

}  // namespace

bool is_ipv4_literal(std::string_view text) { return pton<AF_INET, 4>(text); }
bool is_ipv6_literal(std::string_view text) { return pton<AF_INET6, 16>(text); }
bool is_ip_literal(std::string_view text) { return is_ipv4_literal(text) || is_ipv6_literal(text); }

bool is_hostname(std::string_view text) {
  if (text.empty() || text.size() > 253 || text.front() == '.' || text.front() == '-') {
    return false;
  }
  bool has_letter = false;
  char previous = '\0';
  for (char c : text) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !digit && c != '.') return false;
    if (c == '.' && previous == '.') return false;
    has_letter = has_letter || letter;
    previous = c;
  }
  return has_letter;  // "1.2.3" is a broken address, not a name
}

std::string_view address_prefix(std::string_view text) {
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0) return {};
  const auto prefix = text.substr(0, at);
  const bool word = std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  return word ? prefix : std::string_view{};
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort result;
  const auto prefix = address_prefix(text);
  if (!prefix.empty()) {
    if (std::find(std::begin(kKnownPrefixes), std::end(kKnownPrefixes), prefix) ==
        std::end(kKnownPrefixes)) {
      return std::nullopt;
    }
    result.prefix = std::string(prefix);
    text.remove_prefix(prefix.size() + 1);
  }

  std::string_view host;
  std::string_view port;
  bool has_colon = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    if (!is_ipv6_literal(host)) return std::nullopt;
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      has_colon = true;
    }
  } else {
    const auto colon = text.rfind(':');
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      has_colon = true;
    }
    if (host == "*") host = {};
    if (host.empty() && !has_colon) return std::nullopt;  // nothing at all
  }

  if (!host_fits_prefix(host, result.prefix)) return std::nullopt;
  if (has_colon) {
    const auto value = parse_port(port);
    if (!value) return std::nullopt;
    result.port = *value;
    result.has_port = true;
  }
  result.host = std::string(host);
  if (result.host.empty() && is_ipv6_prefix(result.prefix)) result.host = "::";
  return result;
}

}  // namespace borealis::config

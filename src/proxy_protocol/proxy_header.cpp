#include "proxy_protocol/proxy_header.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace borealis::proxy_protocol {
namespace {

using Status = ParseResult::Status;

constexpr std::array<std::uint8_t, 12> kV2Signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                       0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::string_view kV1Prefix = "PROXY ";

ParseResult invalid(std::string error) {
  ParseResult result;
  result.status = Status::invalid;
  result.error = std::move(error);
  return result;
}

ParseResult need_more(std::size_t up_to) {
  ParseResult result;
  result.length = up_to;
  return result;
}

// True when `bytes` is a prefix of `expected` (or starts with all of it).
template <typename Expected>
bool starts_like(std::span<const std::uint8_t> bytes, const Expected& expected) {
  const std::size_t n = std::min(bytes.size(), std::size(expected));
  for (std::size_t i = 0; i < n; ++i)
    if (bytes[i] != static_cast<std::uint8_t>(expected[i])) return false;
  return true;
}

// ---- version 1: "PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n"

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> words;
  while (true) {
    const auto space = text.find(' ');
    words.push_back(text.substr(0, space));
    if (space == std::string_view::npos) return words;
    text.remove_prefix(space + 1);
  }
}

// Decimal 0..65535 without sign or leading zeros, as the specification says.
bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool parse_v1_address(std::string_view text, bool ipv6, asio::ip::address& out) {
  asio::error_code error;
  auto address = asio::ip::make_address(std::string(text), error);
  if (error || address.is_v6() != ipv6) return false;
  // asio takes "fe80::1%eth0": a scope has no place in a PROXY header.
  if (address.is_v6() && address.to_v6().scope_id() != 0) return false;
  out = address;
  return true;
}

ParseResult parse_v1(std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                              std::min(bytes.size(), kMaxV1Length));
  // The first line feed ends the header; it must follow a carriage return.
  // Decided from the bytes before it only, so that a header read in pieces
  // gets the same verdict as one read at once.
  const auto line_feed = text.find('\n');
  const auto nul = text.substr(0, line_feed).find('\0');
  if (nul != std::string_view::npos) return invalid("PROXY v1 header with a NUL byte");
  if (line_feed == std::string_view::npos) {
    if (bytes.size() >= kMaxV1Length) return invalid("PROXY v1 header longer than 107 bytes");
    return need_more(kMaxV1Length);
  }
  if (text[line_feed - 1] != '\r') return invalid("PROXY v1 header ending without CRLF");
  const auto end = line_feed - 1;
  const auto line = text.substr(kV1Prefix.size(), end - kV1Prefix.size());
  ParseResult result;
  result.status = Status::complete;
  result.length = end + 2;
  result.header.version = 1;
  const auto words = split_spaces(line);
  if (words[0] == "UNKNOWN") return result;  // whatever follows is ignored
  if (words[0] != "TCP4" && words[0] != "TCP6")
    return invalid(fmt::format("PROXY v1 header with unknown protocol '{:.8}'", words[0]));
  if (words.size() != 5) return invalid("PROXY v1 header without exactly 4 address fields");
  const bool ipv6 = words[0] == "TCP6";
  asio::ip::address source, destination;
  std::uint16_t source_port = 0, destination_port = 0;
  if (!parse_v1_address(words[1], ipv6, source) || !parse_v1_address(words[2], ipv6, destination))
    return invalid(fmt::format("PROXY v1 header with an invalid {} address", words[0]));
  if (!parse_port(words[3], source_port) || !parse_port(words[4], destination_port))
    return invalid("PROXY v1 header with an invalid port");
  result.header.names_client = true;
  result.header.source = {source, source_port};
  result.header.destination = {destination, destination_port};
  return result;
}

// ---- version 2: binary, 16 fixed bytes then addresses and TLVs

std::uint16_t read_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

ParseResult parse_v2(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kV2FixedLength) return need_more(kV2FixedLength);
  const std::uint8_t version = bytes[12] >> 4, command = bytes[12] & 0x0F;
  if (version != 2) return invalid(fmt::format("PROXY v2 header with version {}", version));
  if (command > 1) return invalid(fmt::format("PROXY v2 header with unknown command {}", command));
  const std::size_t total = kV2FixedLength + read_u16(&bytes[14]);
  if (total > kMaxV2Length)
    return invalid(
        fmt::format("PROXY v2 header of {} bytes (the limit is {})", total, kMaxV2Length));
  if (bytes.size() < total) return need_more(total);
  ParseResult result;
  result.status = Status::complete;
  result.length = total;
  result.header.version = 2;
  const std::uint8_t family = bytes[13] >> 4, transport = bytes[13] & 0x0F;
  if (family > 3 || transport > 2)
    return invalid(fmt::format("PROXY v2 header with unknown family/protocol 0x{:02x}", bytes[13]));
  // LOCAL, or a family other than TCP over IPv4/IPv6: the connection's own
  // addresses stand (the specification's rule for receivers).
  if (command == 0 || transport != 1 || (family != 1 && family != 2)) return result;
  const std::uint8_t* p = bytes.data() + kV2FixedLength;
  const std::size_t body = total - kV2FixedLength;
  if (family == 1) {
    if (body < 12) return invalid("PROXY v2 header too short for its IPv4 addresses");
    asio::ip::address_v4::bytes_type source{}, destination{};
    std::memcpy(source.data(), p, 4);
    std::memcpy(destination.data(), p + 4, 4);
    result.header.source = {asio::ip::address_v4(source), read_u16(p + 8)};
    result.header.destination = {asio::ip::address_v4(destination), read_u16(p + 10)};
  } else {
    if (body < 36) return invalid("PROXY v2 header too short for its IPv6 addresses");
    asio::ip::address_v6::bytes_type source{}, destination{};
    std::memcpy(source.data(), p, 16);
    std::memcpy(destination.data(), p + 16, 16);
    result.header.source = {asio::ip::address_v6(source), read_u16(p + 32)};
    result.header.destination = {asio::ip::address_v6(destination), read_u16(p + 34)};
  }
  result.header.names_client = true;
  return result;
}

// The pair in one family: IPv4 next to IPv6 becomes IPv4-mapped.
std::pair<asio::ip::address, asio::ip::address> same_family(const asio::ip::address& a,
                                                            const asio::ip::address& b) {
  if (a.is_v4() == b.is_v4()) return {a, b};
  auto widen = [](const asio::ip::address& x) -> asio::ip::address {
    if (x.is_v6()) return x;
    return asio::ip::make_address_v6(asio::ip::v4_mapped, x.to_v4());
  };
  return {widen(a), widen(b)};
}

}  // namespace

ParseResult parse(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return need_more(kV2FixedLength);
  if (starts_like(bytes, kV2Signature)) return parse_v2(bytes);
  if (starts_like(bytes, kV1Prefix)) {
    if (bytes.size() < kV1Prefix.size()) return need_more(kMaxV1Length);
    return parse_v1(bytes);
  }
  return invalid("not a PROXY protocol header");
}

std::string make_v1(const asio::ip::tcp::endpoint& source,
                    const asio::ip::tcp::endpoint& destination) {
  auto [from, to] = same_family(source.address(), destination.address());
  return fmt::format("PROXY {} {} {} {} {}\r\n", from.is_v4() ? "TCP4" : "TCP6", from.to_string(),
                     to.to_string(), source.port(), destination.port());
}

std::vector<std::uint8_t> make_v2(const asio::ip::tcp::endpoint& source,
                                  const asio::ip::tcp::endpoint& destination) {
  auto [from, to] = same_family(source.address(), destination.address());
  std::vector<std::uint8_t> out(kV2Signature.begin(), kV2Signature.end());
  out.push_back(0x21);  // version 2, PROXY
  const bool v4 = from.is_v4();
  out.push_back(v4 ? 0x11 : 0x21);  // TCP over IPv4 / IPv6
  const std::uint16_t length = v4 ? 12 : 36;
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length));
  auto append = [&out](const auto& bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); };
  if (v4) {
    append(from.to_v4().to_bytes());
    append(to.to_v4().to_bytes());
  } else {
    append(from.to_v6().to_bytes());
    append(to.to_v6().to_bytes());
  }
  for (std::uint16_t port : {source.port(), destination.port()}) {
    out.push_back(static_cast<std::uint8_t>(port >> 8));
    out.push_back(static_cast<std::uint8_t>(port));
  }
  return out;
}

std::vector<std::uint8_t> make_v2_local() {
  std::vector<std::uint8_t> out(kV2Signature.begin(), kV2Signature.end());
  out.insert(out.end(), {0x20, 0x00, 0x00, 0x00});  // version 2, LOCAL, no addresses
  return out;
}

std::vector<std::uint8_t> make_header(config::SendProxy version,
                                      const asio::ip::tcp::endpoint& source,
                                      const asio::ip::tcp::endpoint& destination) {
  switch (version) {
    case config::SendProxy::v1: {
      const std::string line = make_v1(source, destination);
      return {line.begin(), line.end()};
    }
    case config::SendProxy::v2:
      return make_v2(source, destination);
    case config::SendProxy::none:
      break;
  }
  return {};
}

}  // namespace borealis::proxy_protocol

#include "config/address_prefix.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace borealis::config {
namespace {

constexpr std::size_t kMaxPatternLength = 64;

std::optional<int> parse_length(std::string_view text, int max) {
  int value = -1;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0 || value > max)
    return std::nullopt;
  return value;
}

// A dotted IPv4 netmask: only contiguous masks (255.255.240.0) mean a prefix.
std::optional<int> parse_netmask(const std::string& text) {
  in_addr mask{};
  if (inet_pton(AF_INET, text.c_str(), &mask) != 1) return std::nullopt;
  std::uint32_t bits = ntohl(mask.s_addr);
  int length = 0;
  while (length < 32 && (bits & (0x80000000u >> length))) ++length;
  std::uint32_t expected = length == 0 ? 0 : ~0u << (32 - length);
  if (bits != expected) return std::nullopt;
  return length;
}

void clear_host_bits(AddressPrefix& prefix) {
  const int total = prefix.ipv6 ? 128 : 32;
  for (int bit = prefix.length; bit < total; ++bit)
    prefix.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
}

bool is_v4_mapped(const AddressPrefix& prefix) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return prefix.ipv6 && prefix.length >= 96 && std::memcmp(prefix.bytes.data(), kMapped, 12) == 0;
}

}  // namespace

std::optional<AddressPrefix> parse_address_prefix(std::string_view text) {
  if (text.empty() || text.size() > kMaxPatternLength) return std::nullopt;
  const auto slash = text.find('/');
  const std::string address(text.substr(0, slash));
  AddressPrefix prefix;
  if (inet_pton(AF_INET, address.c_str(), prefix.bytes.data()) == 1) {
    prefix.ipv6 = false;
    prefix.length = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), prefix.bytes.data()) == 1) {
    prefix.ipv6 = true;
    prefix.length = 128;
  } else {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    const auto length_text = text.substr(slash + 1);
    auto length = parse_length(length_text, prefix.ipv6 ? 128 : 32);
    if (!length && !prefix.ipv6) length = parse_netmask(std::string(length_text));
    if (!length) return std::nullopt;
    prefix.length = *length;
  }
  clear_host_bits(prefix);
  if (is_v4_mapped(prefix)) {
    std::memmove(prefix.bytes.data(), prefix.bytes.data() + 12, 4);
    std::memset(prefix.bytes.data() + 4, 0, 12);
    prefix.ipv6 = false;
    prefix.length -= 96;
  }
  return prefix;
}

}  // namespace borealis::config

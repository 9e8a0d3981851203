// The PROXY protocol header: strict parsing of both versions, and the
// headers borealis writes parse back to what they were made from.
#include "proxy_protocol/proxy_header.hpp"

#include <gtest/gtest.h>

namespace borealis::proxy_protocol {
namespace {

using Status = ParseResult::Status;
using asio::ip::make_address;
using asio::ip::tcp;

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

ParseResult parse_text(std::string_view text) { return parse(bytes_of(text)); }

TEST(ProxyHeaderV1, Tcp4) {
  auto result = parse_text("PROXY TCP4 192.0.2.1 198.51.100.2 56324 3306\r\nrest");
  ASSERT_EQ(result.status, Status::complete) << result.error;
  EXPECT_EQ(result.length, 46u);
  EXPECT_EQ(result.header.version, 1);
  EXPECT_TRUE(result.header.names_client);
  EXPECT_EQ(result.header.source, tcp::endpoint(make_address("192.0.2.1"), 56324));
  EXPECT_EQ(result.header.destination, tcp::endpoint(make_address("198.51.100.2"), 3306));
}

TEST(ProxyHeaderV1, Tcp6AndUnknown) {
  auto six = parse_text("PROXY TCP6 2001:db8::1 ::1 65535 0\r\n");
  ASSERT_EQ(six.status, Status::complete) << six.error;
  EXPECT_EQ(six.header.source, tcp::endpoint(make_address("2001:db8::1"), 65535));
  EXPECT_EQ(six.header.destination.port(), 0);
  // UNKNOWN names nobody: the connection's own address must stand.
  for (const char* unknown : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n"}) {
    auto result = parse_text(unknown);
    ASSERT_EQ(result.status, Status::complete) << unknown;
    EXPECT_FALSE(result.header.names_client) << unknown;
    EXPECT_EQ(result.length, std::string_view(unknown).size());
  }
}

TEST(ProxyHeaderV1, IncompleteAsksForMoreUpToTheLimit) {
  for (const char* prefix :
       {"P", "PROX", "PROXY ", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", "PROXY TCP4\r"}) {
    auto result = parse_text(prefix);
    EXPECT_EQ(result.status, Status::need_more) << prefix;
    EXPECT_EQ(result.length, kMaxV1Length) << prefix;
  }
}

TEST(ProxyHeaderV1, MalformedIsRefused) {
  for (const char* bad : {
           "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",        // a field missing
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",    // one too many
           "PROXY TCP4 ::1 ::1 1 2\r\n",              // family mismatch
           "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",      // family mismatch
           "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",  // port out of range
           "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",     // leading zero
           "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",     // sign
           "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",     // two spaces
           "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",        // short address
           "PROXY TCP6 fe80::1%lo ::1 1 2\r\n",       // scope id
           "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",      // protocol
           "PROXY \r\n",                              // nothing
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",        // LF without CR
           "GET / HTTP/1.0\r\n",                      // not a header
           "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",      // case
       }) {
    auto result = parse_text(bad);
    EXPECT_EQ(result.status, Status::invalid) << bad;
    EXPECT_FALSE(result.error.empty()) << bad;
  }
}

TEST(ProxyHeaderV1, TooLongWithoutEndIsRefused) {
  std::string line = "PROXY TCP6 " + std::string(200, 'f');
  auto result = parse_text(line);
  EXPECT_EQ(result.status, Status::invalid);
  // Exactly at the limit without CRLF: refused, not "need more".
  std::string at_limit = "PROXY UNKNOWN " + std::string(kMaxV1Length - 14, 'x');
  EXPECT_EQ(parse_text(at_limit).status, Status::invalid);
  std::string fits = "PROXY UNKNOWN " + std::string(kMaxV1Length - 16, 'x') + "\r\n";
  ASSERT_EQ(fits.size(), kMaxV1Length);
  EXPECT_EQ(parse_text(fits).status, Status::complete);
}

std::vector<std::uint8_t> v2(std::uint8_t version_command, std::uint8_t family,
                             std::vector<std::uint8_t> body) {
  std::vector<std::uint8_t> out = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                   0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  out.push_back(version_command);
  out.push_back(family);
  out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST(ProxyHeaderV2, ProxyOverIPv4WithTlvs) {
  std::vector<std::uint8_t> body = {192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x0C, 0xEA};
  // A TLV (type 0x04 NOOP, 3 bytes) that must be skipped.
  body.insert(body.end(), {0x04, 0x00, 0x03, 1, 2, 3});
  auto bytes = v2(0x21, 0x11, body);
  bytes.push_back('Q');  // the client's first byte: not the header's
  auto result = parse(bytes);
  ASSERT_EQ(result.status, Status::complete) << result.error;
  EXPECT_EQ(result.length, bytes.size() - 1);
  EXPECT_EQ(result.header.version, 2);
  EXPECT_TRUE(result.header.names_client);
  EXPECT_EQ(result.header.source, tcp::endpoint(make_address("192.0.2.1"), 56324));
  EXPECT_EQ(result.header.destination, tcp::endpoint(make_address("198.51.100.2"), 3306));
}

TEST(ProxyHeaderV2, LocalAndUnspecifiedNameNobody) {
  for (auto bytes : {v2(0x20, 0x00, {}), v2(0x20, 0x11, std::vector<std::uint8_t>(12, 9)),
                     v2(0x21, 0x00, {}), v2(0x21, 0x31, std::vector<std::uint8_t>(216, 0)),
                     v2(0x21, 0x12, std::vector<std::uint8_t>(12, 0))}) {
    auto result = parse(bytes);
    ASSERT_EQ(result.status, Status::complete) << result.error;
    EXPECT_FALSE(result.header.names_client);
  }
}

TEST(ProxyHeaderV2, IncompleteAsksForExactlyTheRest) {
  auto bytes = v2(0x21, 0x11, {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2});
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    auto result = parse(std::span(bytes.data(), n));
    ASSERT_EQ(result.status, Status::need_more) << n;
    EXPECT_EQ(result.length, n < kV2FixedLength ? kV2FixedLength : bytes.size()) << n;
  }
}

TEST(ProxyHeaderV2, MalformedIsRefused) {
  std::vector<std::vector<std::uint8_t>> bad = {
      v2(0x11, 0x11, std::vector<std::uint8_t>(12, 0)),  // version 1 in a v2 header
      v2(0x22, 0x11, std::vector<std::uint8_t>(12, 0)),  // unknown command
      v2(0x21, 0x11, std::vector<std::uint8_t>(11, 0)),  // IPv4 addresses cut short
      v2(0x21, 0x21, std::vector<std::uint8_t>(35, 0)),  // IPv6 addresses cut short
      v2(0x21, 0x41, std::vector<std::uint8_t>(12, 0)),  // unknown family
      v2(0x21, 0x13, std::vector<std::uint8_t>(12, 0)),  // unknown transport
  };
  for (const auto& bytes : bad) {
    auto result = parse(bytes);
    EXPECT_EQ(result.status, Status::invalid) << int(bytes[12]) << "/" << int(bytes[13]);
  }
  // Longer than borealis buffers: refused as soon as the length is known.
  auto huge = v2(0x21, 0x11, {});
  huge[14] = 0xFF;
  huge[15] = 0xFF;
  EXPECT_EQ(parse(huge).status, Status::invalid);
}

TEST(ProxyHeaderWrite, V1AndV2ParseBackToTheirAddresses) {
  const tcp::endpoint client(make_address("203.0.113.7"), 40001);
  const tcp::endpoint local(make_address("10.0.0.1"), 3306);
  auto line = make_v1(client, local);
  EXPECT_EQ(line, "PROXY TCP4 203.0.113.7 10.0.0.1 40001 3306\r\n");
  auto one = parse_text(line);
  ASSERT_EQ(one.status, Status::complete);
  EXPECT_EQ(one.header.source, client);
  EXPECT_EQ(one.header.destination, local);
  auto two = parse(make_v2(client, local));
  ASSERT_EQ(two.status, Status::complete);
  EXPECT_EQ(two.header.source, client);
  EXPECT_EQ(two.header.destination, local);
  auto local_header = parse(make_v2_local());
  ASSERT_EQ(local_header.status, Status::complete);
  EXPECT_FALSE(local_header.header.names_client);
}

TEST(ProxyHeaderWrite, MixedFamiliesBecomeMappedIPv6) {
  const tcp::endpoint client(make_address("203.0.113.7"), 1);
  const tcp::endpoint local(make_address("2001:db8::1"), 2);
  EXPECT_EQ(make_v1(client, local), "PROXY TCP6 ::ffff:203.0.113.7 2001:db8::1 1 2\r\n");
  auto two = parse(make_v2(client, local));
  ASSERT_EQ(two.status, Status::complete);
  EXPECT_EQ(two.header.source.address(), make_address("::ffff:203.0.113.7"));
}

}  // namespace
}  // namespace borealis::proxy_protocol

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mysql/health_check_protocol.hpp"
#include "mysql/packet.hpp"

using namespace borealis::mysql;

namespace {
std::vector<std::uint8_t> bytes(std::string_view text) {
  return std::vector<std::uint8_t>(text.begin(), text.end());
}
}  // namespace

TEST(MysqlPacket, HeaderRoundTrip) {
  std::string packet = frame_packet(3, std::string(300, 'x'));
  ASSERT_EQ(packet.size(), 304u);
  auto header = decode_header(bytes(packet));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->payload_length, 300u);
  EXPECT_EQ(header->sequence, 3);
  EXPECT_FALSE(decode_header(bytes("\x01\x00")));
}

TEST(MysqlCheck, GreetingGivesTheServerVersion) {
  auto reply =
      parse_greeting(bytes(std::string("\x0a"
                                       "10.11.6-MariaDB\0rest",
                                       21)));
  EXPECT_EQ(reply.kind, CheckReply::Kind::ok);
  EXPECT_EQ(reply.info, "10.11.6-MariaDB");
}

TEST(MysqlCheck, ErrorInsteadOfGreeting) {
  std::string payload("\xff\x69\x04Host '10.0.0.1' is blocked", 29);
  auto reply = parse_greeting(bytes(payload));
  EXPECT_EQ(reply.kind, CheckReply::Kind::error);
  EXPECT_EQ(reply.error_code, 1129);
  EXPECT_EQ(reply.info, "Host '10.0.0.1' is blocked");
}

TEST(MysqlCheck, MalformedGreetings) {
  EXPECT_EQ(parse_greeting({}).kind, CheckReply::Kind::malformed);
  EXPECT_EQ(parse_greeting(bytes("\x09old")).kind, CheckReply::Kind::malformed);
  EXPECT_EQ(parse_greeting(bytes("\x0aunterminated")).kind, CheckReply::Kind::malformed);
  EXPECT_EQ(parse_greeting(bytes("\xff\x01")).kind, CheckReply::Kind::malformed);
}

TEST(MysqlCheck, LoginReplies) {
  EXPECT_EQ(parse_login_reply(bytes(std::string("\x00\x00\x00\x02\x00\x00\x00", 7))).kind,
            CheckReply::Kind::ok);
  auto denied = parse_login_reply(bytes(std::string("\xff\x15\x04#28000Access denied", 22)));
  EXPECT_EQ(denied.kind, CheckReply::Kind::error);
  EXPECT_EQ(denied.error_code, 1045);
  EXPECT_EQ(denied.info, "Access denied");
  EXPECT_EQ(parse_login_reply(bytes("\xfe"
                                    "auth_switch"))
                .kind,
            CheckReply::Kind::malformed);
}

TEST(MysqlCheck, Post41LoginPacketLayout) {
  std::string packet = build_check_login("haproxy", true);
  auto header = decode_header(bytes(packet));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->sequence, 1);
  EXPECT_EQ(header->payload_length, packet.size() - 4);
  // 4 capability + 4 max packet + 1 charset + 23 reserved, then the user.
  EXPECT_EQ(packet.substr(4 + 32, 8), std::string("haproxy\0", 8));
  std::uint32_t capabilities =
      static_cast<std::uint8_t>(packet[4]) | static_cast<std::uint8_t>(packet[5]) << 8;
  EXPECT_TRUE(capabilities & 0x0200);  // CLIENT_PROTOCOL_41
}

TEST(MysqlCheck, Pre41LoginPacketLayout) {
  std::string packet = build_check_login("u", false);
  EXPECT_EQ(packet.size(), 4u + 2 + 3 + 2);
  EXPECT_EQ(packet.substr(9), std::string("u\0", 2));
}

TEST(MysqlCheck, QuitPacket) { EXPECT_EQ(build_quit(), std::string("\x01\x00\x00\x00\x01", 5)); }

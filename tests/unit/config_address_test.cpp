#include <gtest/gtest.h>

#include "config/address.hpp"

namespace borealis::config {
namespace {

void expect_address(std::string_view text, std::string_view host, std::optional<int> port,
                    std::string_view prefix = "") {
  const auto parsed = parse_host_port(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(parsed->host, host) << text;
  EXPECT_EQ(parsed->has_port, port.has_value()) << text;
  if (port) {
    EXPECT_EQ(parsed->port, *port) << text;
  }
  EXPECT_EQ(parsed->prefix, prefix) << text;
}

TEST(ConfigAddress, Ipv4AndWildcards) {
  expect_address("1.2.3.4:3306", "1.2.3.4", 3306);
  expect_address("*:3306", "", 3306);
  expect_address(":3306", "", 3306);
  expect_address("10.0.0.1", "10.0.0.1", std::nullopt);
  expect_address("0.0.0.0:0", "0.0.0.0", 0);
  expect_address("1.2.3.4:65535", "1.2.3.4", 65535);
}

TEST(ConfigAddress, Ipv6) {
  expect_address("[::1]:3306", "::1", 3306);
  expect_address("[::1]", "::1", std::nullopt);
  expect_address("::1:3306", "::1", 3306);
  expect_address(":::3306", "::", 3306);
  expect_address("[2001:db8::5]:53", "2001:db8::5", 53);
  expect_address("2001:db8::5:53", "2001:db8::5", 53);
}

TEST(ConfigAddress, Names) {
  expect_address("name.example.com:3306", "name.example.com", 3306);
  expect_address("db", "db", std::nullopt);
  expect_address("sjkim-test.cluster-ckgbznranfhe.ap-northeast-2.rds.amazonaws.com:3306",
                 "sjkim-test.cluster-ckgbznranfhe.ap-northeast-2.rds.amazonaws.com", 3306);
  expect_address("under_score.local:1", "under_score.local", 1);
}

TEST(ConfigAddress, Prefixes) {
  expect_address("ipv4@10.0.0.1:3306", "10.0.0.1", 3306, "ipv4");
  expect_address("ipv6@[::1]:3306", "::1", 3306, "ipv6");
  expect_address("ipv6@:::3306", "::", 3306, "ipv6");
  expect_address("ipv6@:3306", "::", 3306, "ipv6");
  expect_address("ipv4@:3306", "", 3306, "ipv4");
  expect_address("udp@10.0.0.1:514", "10.0.0.1", 514, "udp");
  expect_address("tcp6@db.local:3306", "db.local", 3306, "tcp6");
}

TEST(ConfigAddress, Rejects) {
  for (std::string_view bad : {"",
                               "*",
                               ":",
                               "1.2.3.4:",
                               "1.2.3.4:65536",
                               "1.2.3.4:-1",
                               "1.2.3.4:+1",
                               "1.2.3.4:80-90",
                               "1.2.3.4:http",
                               "::1",
                               "[::1",
                               "[::1]x",
                               "[::1]:",
                               "[1.2.3.4]:80",
                               "[]:80",
                               "1.2.3:80",
                               "a b:80",
                               "ipv4@[::1]:80",
                               "ipv6@1.2.3.4:80",
                               "unix@/tmp/x",
                               "bogus@1.2.3.4:80",
                               "-name:80",
                               "a..b:80",
                               ".a:80",
                               "1.2.3.4:99999999999"}) {
    EXPECT_FALSE(parse_host_port(bad).has_value()) << bad;
  }
}

TEST(ConfigAddress, Literals) {
  EXPECT_TRUE(is_ip_literal("127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::"));
  EXPECT_TRUE(is_ip_literal("fe80::1"));
  EXPECT_TRUE(is_ipv4_literal("10.10.0.2"));
  EXPECT_FALSE(is_ipv4_literal("::1"));
  EXPECT_TRUE(is_ipv6_literal("::ffff:1.2.3.4"));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("1.2.3"));
  EXPECT_FALSE(is_ip_literal(""));
  EXPECT_FALSE(is_ip_literal(std::string(100, '1')));
  EXPECT_EQ(address_prefix("unix@/tmp/s"), "unix");
  EXPECT_EQ(address_prefix("/tmp/s"), "");
  EXPECT_EQ(address_prefix("@x"), "");
}

}  // namespace
}  // namespace borealis::config

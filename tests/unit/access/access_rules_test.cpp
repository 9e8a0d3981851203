// AccessRules: HAProxy's evaluation of `tcp-request connection|session`
// rules, from configuration text to verdict.
#include "access/access_rules.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "config/parser.hpp"

namespace borealis::access {
namespace {

std::string all_text(const config::ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

// The rules of frontend `fe` declared by `lines`.
config::Proxy frontend_with(const std::string& lines, const std::string& before = "") {
  auto result = config::parse_text(before + "frontend fe\n  bind :3306\n  default_backend be\n" +
                                       lines + "\nbackend be\n  server s 10.0.0.1:3306\n",
                                   "r.cfg");
  EXPECT_TRUE(result.ok()) << all_text(result);
  for (const auto& proxy : result.config.proxies)
    if (proxy.name == "fe" && proxy.accepts_clients()) return proxy;
  ADD_FAILURE() << "no frontend";
  return {};
}

bool accepts(const AccessRules& rules, Phase phase, const char* address) {
  return rules.judge(phase, asio::ip::make_address(address)).accepted;
}

TEST(AccessRules, NoRulesAcceptEverything) {
  AccessRules rules(frontend_with("").tcp_request_rules);
  EXPECT_FALSE(rules.has_rules(Phase::connection));
  EXPECT_TRUE(accepts(rules, Phase::connection, "203.0.113.9"));
  EXPECT_EQ(rules.judge(Phase::connection, asio::ip::make_address("1.2.3.4")).rule, nullptr);
}

TEST(AccessRules, AllowlistThenRejectTheRest) {
  AccessRules rules(frontend_with("  acl office src 198.51.100.0/24 2001:db8::/32\n"
                                  "  tcp-request connection accept if office\n"
                                  "  tcp-request connection reject")
                        .tcp_request_rules);
  EXPECT_TRUE(accepts(rules, Phase::connection, "198.51.100.7"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "2001:db8::5"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "198.51.101.7"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "::1"));
  // Session rules are another list: none here.
  EXPECT_TRUE(accepts(rules, Phase::session, "203.0.113.9"));
  auto verdict = rules.judge(Phase::connection, asio::ip::make_address("8.8.8.8"));
  ASSERT_NE(verdict.rule, nullptr);
  EXPECT_EQ(verdict.rule->line, 6);
}

TEST(AccessRules, FirstMatchingRuleDecides) {
  AccessRules rules(frontend_with("  tcp-request connection reject if { src 10.0.0.5 }\n"
                                  "  tcp-request connection accept if { src 10.0.0.0/8 }\n"
                                  "  tcp-request connection reject")
                        .tcp_request_rules);
  EXPECT_FALSE(accepts(rules, Phase::connection, "10.0.0.5"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.0.0.6"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "11.0.0.6"));
}

TEST(AccessRules, NegationOrAndUnless) {
  AccessRules rules(frontend_with("  acl a src 10.0.0.0/8\n"
                                  "  acl b src 10.1.0.0/16\n"
                                  "  acl c src 192.168.0.1\n"
                                  // a AND NOT b, OR c
                                  "  tcp-request connection accept if a !b || c\n"
                                  "  tcp-request connection reject\n"
                                  "  tcp-request session reject unless { src 10.0.0.0/8 } or c")
                        .tcp_request_rules);
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.2.0.1"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "10.1.0.1"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "192.168.0.1"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "192.168.0.2"));
  EXPECT_TRUE(accepts(rules, Phase::session, "10.9.9.9"));
  EXPECT_TRUE(accepts(rules, Phase::session, "192.168.0.1"));
  EXPECT_FALSE(accepts(rules, Phase::session, "172.16.0.1"));
}

TEST(AccessRules, DoubleNegationAndSeparateBang) {
  AccessRules rules(frontend_with("  acl a src 10.0.0.1\n"
                                  "  tcp-request connection reject if ! ! a\n"
                                  "  tcp-request session reject if !{ src 10.0.0.1 }")
                        .tcp_request_rules);
  EXPECT_FALSE(accepts(rules, Phase::connection, "10.0.0.1"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.0.0.2"));
  EXPECT_TRUE(accepts(rules, Phase::session, "10.0.0.1"));
  EXPECT_FALSE(accepts(rules, Phase::session, "10.0.0.2"));
}

TEST(AccessRules, LinesWithOneNameAddUp) {
  AccessRules rules(frontend_with("  acl lb src 10.0.0.1\n"
                                  "  acl lb src 10.0.0.2\n"
                                  "  tcp-request connection reject unless lb")
                        .tcp_request_rules);
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.0.0.1"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.0.0.2"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "10.0.0.3"));
}

TEST(AccessRules, ListFileWithCommentsBlankLinesAndBothFamilies) {
  const std::string path = ::testing::TempDir() + "/borealis-allow.lst";
  {
    std::ofstream out(path);
    out << "# load balancers\n\n  10.0.0.1  \n10.2.0.0/16\r\n::1\n2001:db8::/48\n";
  }
  AccessRules rules(frontend_with("  acl allowed src -f " + path + " 192.0.2.1\n" +
                                  "  tcp-request connection reject if !allowed")
                        .tcp_request_rules);
  for (const char* ok : {"10.0.0.1", "10.2.3.4", "::1", "2001:db8:0:1::1", "192.0.2.1"})
    EXPECT_TRUE(accepts(rules, Phase::connection, ok)) << ok;
  for (const char* no : {"10.0.0.2", "10.3.0.0", "::2", "2001:db8:1::1"})
    EXPECT_FALSE(accepts(rules, Phase::connection, no)) << no;
}

TEST(AccessRules, ListFileWhoseLastLineHasNoNewline) {
  const std::string path = ::testing::TempDir() + "/borealis-no-newline.lst";
  {
    std::ofstream out(path);
    out << "10.0.0.1\n10.0.0.2";  // an editor that leaves no final newline
  }
  AccessRules rules(
      frontend_with("  acl a src -f " + path + "\n  tcp-request connection reject unless a")
          .tcp_request_rules);
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.0.0.1"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "10.0.0.2"));
  EXPECT_FALSE(accepts(rules, Phase::connection, "10.0.0.3"));
}

TEST(AccessRules, NamedDefaultsRulesComeFirst) {
  auto result = config::parse_text(
      "defaults base\n  mode tcp\n  acl bad src 10.0.0.0/8\n"
      "  tcp-request connection reject if bad\n"
      "frontend fe from base\n  bind :3306\n  default_backend be\n"
      "  tcp-request connection accept if { src 10.0.0.1 }\n"
      "defaults plain\n  mode tcp\n"
      "backend be\n  server s 10.0.0.1:3306\n",
      "d.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  // The defaults' reject (first) wins over the frontend's accept.
  AccessRules rules(result.config.proxies[0].tcp_request_rules);
  EXPECT_FALSE(accepts(rules, Phase::connection, "10.0.0.1"));
  EXPECT_TRUE(accepts(rules, Phase::connection, "11.0.0.1"));
}

}  // namespace
}  // namespace borealis::access

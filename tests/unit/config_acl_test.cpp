// `acl`, `tcp-request`, `accept-proxy` and `send-proxy*`: what they fill in,
// and HAProxy's wording for what is wrong.
#include <gtest/gtest.h>

#include <fstream>

#include "config/address_prefix.hpp"
#include "config/parser.hpp"

namespace borealis::config {
namespace {

std::string all_text(const ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

std::string frontend_with(const std::string& lines) {
  return "frontend fe\n  bind :3306\n  default_backend be\n" + lines +
         "\nbackend be\n  server s 10.0.0.1:3306\n";
}

// The first diagnostic's text for a configuration that must fail.
std::string first_error(const std::string& text) {
  auto result = parse_text(text, "a.cfg");
  EXPECT_FALSE(result.ok()) << text;
  if (result.diagnostics.empty()) return "(no diagnostic)";
  return result.diagnostics[0].text();
}

TEST(ConfigAcl, PrefixPatterns) {
  auto p = parse_address_prefix("10.1.2.3/16");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->ipv6);
  EXPECT_EQ(p->length, 16);
  EXPECT_EQ(p->bytes[1], 1);
  EXPECT_EQ(p->bytes[2], 0);  // host bits cleared
  auto mask = parse_address_prefix("10.0.0.0/255.255.240.0");
  ASSERT_TRUE(mask);
  EXPECT_EQ(mask->length, 20);
  auto mapped = parse_address_prefix("::ffff:10.0.0.0/104");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->ipv6);
  EXPECT_EQ(mapped->length, 8);
  auto six = parse_address_prefix("2001:db8::/32");
  ASSERT_TRUE(six);
  EXPECT_TRUE(six->ipv6);
  for (const char* bad :
       {"", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/-1", "::1/129", "10.0.0.0/255.0.255.0",
        "localhost", "10.0.0", "1.2.3.4/8x", "::1/255.0.0.0", "10.0.0.1 ", "[::1]"})
    EXPECT_FALSE(parse_address_prefix(bad)) << bad;
}

TEST(ConfigAcl, RulesAndAclsAreRecorded) {
  auto result = parse_text(frontend_with("  acl lb src 10.0.0.1 10.0.0.2\n"
                                         "  tcp-request connection accept if lb\n"
                                         "  tcp-request connection reject\n"
                                         "  tcp-request session reject unless { src 10.0.0.0/8 }"),
                           "a.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  const Proxy& fe = result.config.proxies[0];
  ASSERT_EQ(fe.acls.size(), 1u);
  EXPECT_EQ(fe.acls[0]->prefixes.size(), 2u);
  ASSERT_EQ(fe.tcp_request_rules.size(), 3u);
  EXPECT_EQ(fe.tcp_request_rules[0].phase, TcpRequestRule::Phase::connection);
  EXPECT_EQ(fe.tcp_request_rules[0].action, TcpRequestRule::Action::accept);
  EXPECT_FALSE(fe.tcp_request_rules[1].condition);
  EXPECT_EQ(fe.tcp_request_rules[2].phase, TcpRequestRule::Phase::session);
  EXPECT_TRUE(fe.tcp_request_rules[2].condition->unless);
  EXPECT_EQ(fe.tcp_request_rules[2].where.line, 7);
}

TEST(ConfigAcl, BindAndServerProxyProtocol) {
  auto result = parse_text(
      "frontend fe\n  bind :3306 accept-proxy\n  bind :3307\n  default_backend be\n"
      "backend be\n  server a 10.0.0.1:3306 send-proxy\n  server b 10.0.0.2:3306 send-proxy-v2\n"
      "  server c 10.0.0.3:3306\n",
      "p.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_TRUE(result.config.proxies[0].binds[0].accept_proxy);
  EXPECT_FALSE(result.config.proxies[0].binds[1].accept_proxy);
  const auto& servers = result.config.proxies[1].servers;
  EXPECT_EQ(servers[0].send_proxy, SendProxy::v1);
  EXPECT_EQ(servers[1].send_proxy, SendProxy::v2);
  EXPECT_EQ(servers[2].send_proxy, SendProxy::none);
}

TEST(ConfigAcl, HaproxyWordingForErrors) {
  struct Case {
    std::string lines;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"  acl a src 10.0.0.256",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : '10.0.0.256' is not a valid "
       "IPv4 or IPv6 address."},
      {"  acl a src db.example.com",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : 'db.example.com' is not a "
       "valid IPv4 or IPv6 address (host names are resolved by HAProxy while parsing; borealis "
       "needs addresses)."},
      {"  acl a src 1.2.3.4/33",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : '1.2.3.4/33' is not a valid "
       "IPv4 or IPv6 address."},
      {"  acl a src -f /nonexistent/list",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : failed to open pattern file "
       "</nonexistent/list>."},
      {"  acl a src -x 1.2.3.4",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : '-x' is not a valid ACL "
       "option. Please use '--' before any pattern beginning with a '-'."},
      {"  acl a",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : missing fetch method in ACL "
       "expression ''."},
      {"  acl a foo 1",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : unknown fetch method 'foo' in "
       "ACL expression 'foo' (borealis matches 'src', 'path' and 'path_beg')."},
      {"  acl a dst 1.2.3.4",
       "parsing [a.cfg:4] : error detected while parsing ACL 'a' : unsupported fetch method "
       "'dst' in ACL expression 'dst' (borealis matches 'src', 'path' and 'path_beg')."},
      {"  acl b$d src 1.2.3.4",
       "parsing [a.cfg:4] : character '$' is not permitted in acl name "
       "'b$d'."},
      {"  tcp-request connection reject if zz",
       "parsing [a.cfg:4] : 'tcp-request connection reject' : error detected in frontend 'fe' "
       "while parsing 'if' condition : no such ACL : 'zz'"},
      {"  tcp-request connection reject if { src 1.2.3.4",
       "parsing [a.cfg:4] : 'tcp-request connection reject' : error detected in frontend 'fe' "
       "while parsing 'if' condition : missing closing '}' in condition"},
      {"  tcp-request connection reject if",
       "parsing [a.cfg:4] : 'tcp-request connection reject' : error detected in frontend 'fe' "
       "while parsing 'if' condition : missing ACL after the condition keyword"},
      {"  acl a src 1.2.3.4\n  tcp-request connection reject if a ||",
       "parsing [a.cfg:5] : 'tcp-request connection reject' : error detected in frontend 'fe' "
       "while parsing 'if' condition : missing ACL after '||'"},
      {"  tcp-request connection deny",
       "parsing [a.cfg:4] : 'tcp-request connection' expects 'accept' or 'reject' in frontend "
       "'fe' (got 'deny')."},
      {"  tcp-request foo accept",
       "parsing [a.cfg:4] : 'tcp-request' expects 'connection' or 'session' in frontend 'fe' "
       "(got 'foo')"},
      {"  tcp-request connection accept whatever",
       "parsing [a.cfg:4] : 'tcp-request connection accept' only accepts 'if' or 'unless', in "
       "frontend 'fe' (got 'whatever')"},
      {"  tcp-request content accept",
       "parsing [a.cfg:4] : 'tcp-request content' is an HAProxy keyword that borealis does not "
       "support yet in 'frontend' section"},
      {"  tcp-request connection silent-drop",
       "parsing [a.cfg:4] : 'tcp-request connection silent-drop' is an HAProxy keyword that "
       "borealis does not support yet in 'frontend' section"},
  };
  for (const auto& c : cases) EXPECT_EQ(first_error(frontend_with(c.lines)), c.message) << c.lines;
}

TEST(ConfigAcl, ListFileErrorsNameTheLine) {
  const std::string path = ::testing::TempDir() + "/borealis-bad.lst";
  {
    std::ofstream out(path);
    out << "# ok\n10.0.0.1\n\n10.0.0.300\n";
  }
  EXPECT_EQ(first_error(frontend_with("  acl a src -f " + path)),
            "parsing [a.cfg:4] : error detected while parsing ACL 'a' : '10.0.0.300' is not a "
            "valid IPv4 or IPv6 address at line 4 of file '" +
                path + "'.");
}

TEST(ConfigAcl, WhereRulesMayStand) {
  EXPECT_EQ(first_error("defaults\n  tcp-request connection reject\n"),
            "parsing [a.cfg:2] : tcp-request connection is not allowed in anonymous 'defaults' "
            "sections");
  EXPECT_EQ(first_error("defaults\n  acl a src 1.2.3.4\n"),
            "parsing [a.cfg:2] : 'acl' not allowed in anonymous 'defaults' section.");
  EXPECT_EQ(first_error("backend be\n  server s 10.0.0.1:3306\n  tcp-request session accept\n"),
            "parsing [a.cfg:3] : tcp-request session is not allowed because backend be is not a "
            "frontend");
  EXPECT_EQ(first_error("defaults d\n  tcp-request connection reject\n"
                        "listen l\n  bind :3306\n  server s 10.0.0.1:3306\n"),
            "parsing [a.cfg:3] : a listen section cannot inherit from a defaults section "
            "defining TCP/HTTP rules.");
  EXPECT_EQ(first_error("defaults d\n  tcp-request connection reject\n"
                        "frontend fe\n  bind :3306\n  default_backend be\n"
                        "backend be\n  server s 10.0.0.1:3306\n"),
            "parsing [a.cfg:6] : frontends and backends cannot inherit from the same defaults "
            "section if it defines TCP/HTTP rules (defaults section at a.cfg:1).");
  // ACLs of a defaults section are not visible to the sections after it.
  EXPECT_EQ(first_error("defaults d\n  acl lb src 10.0.0.1\n"
                        "frontend fe\n  bind :3306\n  tcp-request connection accept if lb\n"),
            "parsing [a.cfg:5] : 'tcp-request connection accept' : error detected in frontend "
            "'fe' while parsing 'if' condition : no such ACL : 'lb'");
  EXPECT_EQ(first_error("backend be\n  server s database@db send-proxy\n"),
            "parsing [a.cfg:2] : 'server s' : 'send-proxy' does not apply to a 'database@' "
            "server: the database borealis runs does not read PROXY headers.");
}

TEST(ConfigAcl, EmptyPatternListWarns) {
  auto result = parse_text(frontend_with("  acl nothing src"), "a.cfg");
  EXPECT_TRUE(result.ok()) << all_text(result);
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_EQ(result.diagnostics[0].severity, Diagnostic::Severity::warning);
}

}  // namespace
}  // namespace borealis::config

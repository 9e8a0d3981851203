// `mode http` frontends: `http-request` rules, `path` ACLs, the HTTP
// timeouts, and what borealis refuses (relaying HTTP to servers).
#include <gtest/gtest.h>

#include "config/parser.hpp"

namespace borealis::config {
namespace {

std::string all_text(const ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

std::string metrics_frontend(const std::string& lines) {
  return "frontend metrics\n  mode http\n  bind 127.0.0.1:8405\n" + lines + "\n";
}

TEST(ConfigHttp, HaproxysExporterFormLoads) {
  auto result = parse_text(metrics_frontend("  http-request use-service prometheus-exporter if "
                                            "{ path /metrics }\n  no log\n"
                                            "  timeout http-request 5s\n"
                                            "  timeout http-keep-alive 2s\n"),
                           "m.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Proxy& proxy = result.config.proxies.at(0);
  EXPECT_EQ(proxy.mode, Mode::http);
  ASSERT_EQ(proxy.http_request_rules.size(), 1u);
  const auto& rule = proxy.http_request_rules[0];
  EXPECT_EQ(rule.action, HttpRequestRule::Action::prometheus_exporter);
  ASSERT_TRUE(rule.condition);
  const auto& acl = *rule.condition->any_of.at(0).at(0).acl;
  EXPECT_EQ(acl.paths, std::vector<std::string>{"/metrics"});
  EXPECT_TRUE(acl.matches_paths());
  EXPECT_EQ(proxy.timeouts.http_request, Duration(5000));
  EXPECT_EQ(proxy.timeouts.http_keep_alive, Duration(2000));
}

TEST(ConfigHttp, AllowDenyAndNamedAcls) {
  auto result = parse_text(metrics_frontend("  acl ops src 10.0.0.0/8 127.0.0.1\n"
                                            "  acl api path_beg -m beg /api/\n"
                                            "  acl api path /x\n"
                                            "  http-request deny deny_status 429 if api\n"
                                            "  http-request allow if !ops\n"
                                            "  http-request deny\n"
                                            "  http-request use-service prometheus-exporter"),
                           "m.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  const auto& rules = result.config.proxies.at(0).http_request_rules;
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].action, HttpRequestRule::Action::deny);
  EXPECT_EQ(rules[0].deny_status, 429);
  const auto& api = *rules[0].condition->any_of[0][0].acl;
  EXPECT_EQ(api.path_prefixes, std::vector<std::string>{"/api/"});
  EXPECT_EQ(api.paths, std::vector<std::string>{"/x"});
  EXPECT_EQ(rules[1].action, HttpRequestRule::Action::allow);
  EXPECT_TRUE(rules[1].condition->any_of[0][0].negated);
  EXPECT_EQ(rules[2].deny_status, 403);
  EXPECT_FALSE(rules[3].condition);
}

// The first diagnostic's text for a configuration that must fail.
std::string first_error(const std::string& text) {
  auto result = parse_text(text, "h.cfg");
  EXPECT_FALSE(result.ok()) << text;
  for (const auto& d : result.diagnostics)
    if (d.severity == Diagnostic::Severity::alert) return d.text();
  return "(no alert)";
}

TEST(ConfigHttp, WhatIsRefusedSaysWhy) {
  const std::pair<std::string, std::string> cases[] = {
      {"backend be\n  mode http\n  server s 10.0.0.1:80\n",
       "parsing [h.cfg:1] : backend 'be' : 'mode http' needs a frontend: borealis serves only "
       "its own HTTP services ('http-request use-service prometheus-exporter') and does not "
       "relay HTTP to servers; use 'mode tcp' to relay it."},
      {"frontend fe\n  mode http\n  bind :80\n  default_backend be\n"
       "  http-request use-service prometheus-exporter\nbackend be\n  mode http\n",
       "parsing [h.cfg:4] : frontend 'fe' (mode http) cannot have a 'default_backend': borealis "
       "serves only its own HTTP services ('http-request use-service prometheus-exporter') and "
       "does not relay HTTP to servers; use 'mode tcp' to relay it."},
      {metrics_frontend("  http-request use-service lua.hello"),
       "parsing [h.cfg:4] : 'http-request use-service' : borealis has one service, "
       "'prometheus-exporter' (got 'lua.hello')."},
      {metrics_frontend("  http-request deny deny_status 99"),
       "parsing [h.cfg:4] : 'http-request deny': 'deny_status' expects an HTTP status from 200 "
       "to 599 (got '99')."},
      {metrics_frontend("  http-request redirect location /x"),
       "parsing [h.cfg:4] : 'http-request redirect' is an HAProxy keyword that borealis does "
       "not support yet in 'frontend' section"},
      {metrics_frontend("  http-request allow when x"),
       "parsing [h.cfg:4] : 'http-request allow' only accepts 'if' or 'unless', in frontend "
       "'metrics' (got 'when')"},
      {"defaults\n  http-request deny\n",
       "parsing [h.cfg:2] : 'http-request' rules in a 'defaults' section are not supported by "
       "borealis: write them in the frontend."},
      {"frontend fe\n  bind :3306\n  default_backend be\n  acl m path /metrics\n"
       "  tcp-request connection reject if m\nbackend be\n  server s 10.0.0.1:3306\n",
       "parsing [h.cfg:5] : frontend 'fe' : a 'tcp-request' rule cannot use ACL 'm': it matches "
       "an HTTP path, which only 'http-request' rules see."},
      {metrics_frontend("  acl m path -f /etc/paths"),
       "parsing [h.cfg:4] : error detected while parsing ACL 'm' : borealis reads pattern files "
       "for 'src' only, not 'path'."},
      {metrics_frontend("  acl m path -m beg /x"),
       "parsing [h.cfg:4] : error detected while parsing ACL 'm' : borealis matches 'path' with "
       "its own method only, not '-m beg'."},
      {"frontend fe\n  mode http\n  bind :80 accept-proxy\n"
       "  http-request use-service prometheus-exporter\n",
       "parsing [h.cfg:3] : frontend 'fe' : 'accept-proxy' on a 'mode http' bind is not "
       "supported yet."},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(first_error(text), expected) << text;
}

TEST(ConfigHttp, WarningsForRulesThatCannotApply) {
  auto tcp = parse_text(
      "frontend fe\n  bind :3306\n  default_backend be\n"
      "  http-request deny\nbackend be\n  server s 10.0.0.1:3306\n",
      "w.cfg");
  ASSERT_TRUE(tcp.ok()) << all_text(tcp);
  EXPECT_EQ(all_text(tcp),
            "parsing [w.cfg:4] : 'http-request' rules ignored for frontend 'fe' as they require "
            "'mode http'.\n");
  auto idle = parse_text(metrics_frontend(""), "w.cfg");
  ASSERT_TRUE(idle.ok()) << all_text(idle);
  EXPECT_EQ(all_text(idle),
            "parsing [w.cfg:1] : frontend 'metrics' (mode http) has no 'http-request "
            "use-service' rule and no 'stats uri': it answers every request with 503.\n");
}

TEST(ConfigHttp, StatsPageKeywords) {
  auto result = parse_text(metrics_frontend("  stats uri /dash\n  stats refresh 2s"), "s.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  const auto& page = result.config.proxies.at(0).stats_page;
  ASSERT_TRUE(page);
  EXPECT_EQ(page->uri, "/dash");
  EXPECT_EQ(page->refresh, Duration(2000));
  auto defaulted = parse_text(metrics_frontend("  stats enable"), "s.cfg");
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted.config.proxies.at(0).stats_page->uri, "/haproxy?stats");
  EXPECT_EQ(first_error(metrics_frontend("  stats uri dash")),
            "parsing [h.cfg:4] : 'stats uri' expects a URI prefix beginning with '/'.");
  EXPECT_EQ(first_error(metrics_frontend("  stats auth admin:secret")),
            "parsing [h.cfg:4] : 'stats auth' is an HAProxy keyword that borealis does not "
            "support yet in 'frontend' section");
  auto tcp = parse_text(
      "frontend fe\n  bind :3306\n  default_backend be\n  stats enable\n"
      "backend be\n  server s 10.0.0.1:3306\n",
      "w.cfg");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(all_text(tcp),
            "parsing [w.cfg:4] : 'stats' ignored for frontend 'fe' as it requires 'mode http'.\n");
  // From `defaults`, it applies to the mode http frontend and says nothing
  // about the backend, which has no use for it.
  auto inherited = parse_text(
      "defaults\n  stats uri /s\nfrontend m\n  mode http\n"
      "  bind :8405\nbackend be\n  server s 10.0.0.1:3306\n",
      "d.cfg");
  ASSERT_TRUE(inherited.ok());
  EXPECT_EQ(all_text(inherited), "");
  EXPECT_EQ(inherited.config.proxies.at(0).stats_page->uri, "/s");
}

}  // namespace
}  // namespace borealis::config

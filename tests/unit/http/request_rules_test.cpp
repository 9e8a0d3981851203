// `http-request` rules of a `mode http` frontend, compiled from a parsed
// configuration and judged against a client's address and a path.
#include "http/request_rules.hpp"

#include <gtest/gtest.h>

#include "config/parser.hpp"

namespace borealis::http {
namespace {

using Action = config::HttpRequestRule::Action;

config::Proxy frontend_with(const std::string& rules) {
  auto result = config::parse_text(
      "frontend m\n  mode http\n  bind 127.0.0.1:8405\n" + rules + "\n", "m.cfg");
  EXPECT_TRUE(result.ok());
  return result.config.proxies.at(0);
}

asio::ip::address address(const char* text) { return asio::ip::make_address(text); }

TEST(RequestRules, FirstRuleWhoseConditionHoldsDecides) {
  const auto proxy = frontend_with(
      "  acl ops src 10.0.0.0/8\n"
      "  acl api path_beg /api/\n"
      "  http-request deny deny_status 429 if api\n"
      "  http-request deny unless ops || { src 127.0.0.1 }\n"
      "  http-request use-service prometheus-exporter if { path /metrics }");
  const RequestRules rules(proxy.http_request_rules);
  const auto* metrics = rules.judge(address("10.1.2.3"), "/metrics");
  ASSERT_NE(metrics, nullptr);
  EXPECT_EQ(metrics->action, Action::prometheus_exporter);
  const auto* local = rules.judge(address("127.0.0.1"), "/metrics");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->action, Action::prometheus_exporter);
  const auto* api = rules.judge(address("10.1.2.3"), "/api/x");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->deny_status, 429);
  const auto* outsider = rules.judge(address("192.0.2.1"), "/metrics");
  ASSERT_NE(outsider, nullptr);
  EXPECT_EQ(outsider->action, Action::deny);
  EXPECT_EQ(outsider->deny_status, 403);
  // `path` is exact: no rule serves /metrics/ or /metricsx.
  EXPECT_EQ(rules.judge(address("10.1.2.3"), "/metrics/"), nullptr);
  EXPECT_EQ(rules.judge(address("10.1.2.3"), "/metricsx"), nullptr);
}

TEST(RequestRules, NoRulesDecideNothing) {
  const RequestRules rules({});
  EXPECT_EQ(rules.judge(address("10.0.0.1"), "/metrics"), nullptr);
}

}  // namespace
}  // namespace borealis::http

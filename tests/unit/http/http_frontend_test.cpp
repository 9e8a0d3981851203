// What a `mode http` frontend answers, from its rules and services, before
// any socket: the exporter where a rule sends it, `deny` first, the stats
// page after the rules, 503 for the rest.
#include "http/http_frontend.hpp"

#include <gtest/gtest.h>

#include "config/parser.hpp"

namespace borealis::http {
namespace {

class HttpFrontendTest : public ::testing::Test {
 protected:
  void load(const std::string& lines) {
    auto result = config::parse_text(
        "frontend m\n  mode http\n  bind 127.0.0.1:8405\n" + lines + "\n", "m.cfg");
    ASSERT_TRUE(result.ok());
    proxy_ = result.config.proxies.at(0);
    frontend_ = std::make_unique<frontend::Frontend>(proxy_, logging::Logger(), nullptr, limits_);
    Services services;
    services.prometheus_exporter = [](const Request&) {
      Response response;
      response.body = "metrics";
      return response;
    };
    services.stats_page = [](const Request& request, const config::StatsPage& page) {
      Response response;
      response.body = "page " + page.uri + " for " + request.target;
      return response;
    };
    served_ = std::make_unique<HttpFrontend>(control_, *frontend_, services);
  }
  Response answer(const std::string& target, const char* from = "10.0.0.1",
                  const std::string& method = "GET") {
    Request request;
    request.method = method;
    request.target = target;
    request.path = target.substr(0, target.find('?'));
    return served_->answer(request, asio::ip::make_address(from));
  }

  asio::io_context control_;
  frontend::ProcessLimits limits_;
  config::Proxy proxy_;
  std::unique_ptr<frontend::Frontend> frontend_;
  std::unique_ptr<HttpFrontend> served_;
};

TEST_F(HttpFrontendTest, RulesThenTheStatsPageThen503) {
  load(
      "  acl ops src 10.0.0.0/8\n"
      "  http-request deny deny_status 401 unless ops\n"
      "  http-request use-service prometheus-exporter if { path /metrics }\n"
      "  stats uri /stats\n");
  EXPECT_EQ(answer("/metrics").body, "metrics");
  EXPECT_EQ(answer("/metrics", "192.0.2.1").status, 401);
  EXPECT_EQ(answer("/stats;json").body, "page /stats for /stats;json");
  EXPECT_EQ(answer("/stats", "192.0.2.1").status, 401);  // deny keeps the page from them
  const Response other = answer("/other");
  EXPECT_EQ(other.status, 503);
  EXPECT_NE(other.body.find("No server is available to handle this request."), std::string::npos);
  const Response post = answer("/metrics", "10.0.0.1", "POST");
  EXPECT_EQ(post.status, 405);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].first, "Allow");
}

TEST_F(HttpFrontendTest, StatsEnableAloneUsesHaproxysDefaultUri) {
  load("  stats enable\n");
  EXPECT_EQ(answer("/haproxy?stats").body, "page /haproxy?stats for /haproxy?stats");
  EXPECT_EQ(answer("/").status, 503);
}

}  // namespace
}  // namespace borealis::http

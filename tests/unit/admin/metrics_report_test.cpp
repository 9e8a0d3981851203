// The Prometheus exporter's page: HAProxy's exporter's families under
// `borealis_`, values read from the same counters as `show stat`, the
// databases' state and resumes, and the `scope` parameters.
#include "admin/metrics_report.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "backend/backend_control.hpp"
#include "frontend/frontend.hpp"
#include "serverless/runtime_fixture.hpp"

namespace borealis::admin {
namespace {

using serverless::DatabaseState;

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

class MetricsReportTest : public serverless::testing::RuntimeTest {
 protected:
  MetricsReportTest() {
    frontend_config_.name = "fe";
    frontend_config_.maxconn = 50;
    frontend_ =
        std::make_unique<frontend::Frontend>(frontend_config_, logging::Logger(), nullptr, limits_);
    backend_config_.name = "be";
    backend_config_.kind = config::Proxy::Kind::backend;
    config::Server server;
    server.name = "s\"1";  // a name that must be escaped in a label
    server.host = "10.0.0.1";
    server.port = 3306;
    backend_config_.servers.push_back(server);
    backend_ = std::make_unique<backend::Backend>(backend_config_, logging::Logger());
    control_ = std::make_unique<backend::BackendControl>(*backend_);
    control_->servers()[0].address =
        asio::ip::tcp::endpoint(asio::ip::make_address("10.0.0.1"), 3306);
    control_->publish();
  }

  ApiTargets targets() {
    ApiTargets targets;
    if (runtime_) targets.databases = {runtime_.get()};
    targets.proxies = {ProxyTargets{1, frontend_.get(), nullptr},
                       ProxyTargets{2, nullptr, control_.get()}};
    targets.limits = &limits_;
    targets.nbthread = 2;
    return targets;
  }

  frontend::ProcessLimits limits_;
  config::Proxy frontend_config_, backend_config_;
  std::unique_ptr<frontend::Frontend> frontend_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<backend::BackendControl> control_;
};

TEST_F(MetricsReportTest, TrafficIsReadFromTheSameCountersAsShowStat) {
  ASSERT_TRUE(frontend_->try_reserve());
  frontend_->traffic().count_bytes(120, 4500);
  backend_->traffic().count_session(1);
  backend_->load(0).traffic.count_session(1);
  backend_->load(0).traffic.count_bytes(120, 4500);
  backend_->load(0).traffic.count_timings(
      std::chrono::microseconds(0), std::chrono::microseconds(300), std::chrono::milliseconds(20));
  const std::string text = metrics_text(targets(), {});
  EXPECT_TRUE(has_line(text, "borealis_frontend_current_sessions{proxy=\"fe\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "borealis_frontend_sessions_total{proxy=\"fe\"} 1"));
  EXPECT_TRUE(has_line(text, "borealis_frontend_limit_sessions{proxy=\"fe\"} 50"));
  EXPECT_TRUE(has_line(text, "borealis_frontend_bytes_out_total{proxy=\"fe\"} 4500"));
  EXPECT_TRUE(has_line(text, "borealis_frontend_status{proxy=\"fe\",state=\"UP\"} 1"));
  EXPECT_TRUE(has_line(text, "# TYPE borealis_frontend_bytes_in_total counter"));
  EXPECT_TRUE(has_line(text, "borealis_backend_sessions_total{proxy=\"be\"} 1"));
  EXPECT_TRUE(has_line(text, "borealis_server_bytes_in_total{proxy=\"be\",server=\"s\\\"1\"} 120"));
  // An unchecked server is UP, as in HAProxy's exporter; every state is listed.
  EXPECT_TRUE(
      has_line(text, "borealis_server_status{proxy=\"be\",server=\"s\\\"1\",state=\"UP\"} 1"));
  EXPECT_TRUE(
      has_line(text, "borealis_server_status{proxy=\"be\",server=\"s\\\"1\",state=\"MAINT\"} 0"));
  // The connect took 300 µs: in the 500 µs bucket, not the 250 µs one.
  EXPECT_TRUE(has_line(
      text,
      "borealis_server_connect_time_seconds_bucket{proxy=\"be\",server=\"s\\\"1\",le=\"0.00025\"} "
      "0"));
  EXPECT_TRUE(has_line(
      text,
      "borealis_server_connect_time_seconds_bucket{proxy=\"be\",server=\"s\\\"1\",le=\"0.0005\"} "
      "1"));
  EXPECT_TRUE(has_line(
      text, "borealis_server_connect_time_seconds_count{proxy=\"be\",server=\"s\\\"1\"} 1"));
  EXPECT_TRUE(has_line(text,
                       "borealis_server_total_time_average_seconds{proxy=\"be\",server="
                       "\"s\\\"1\"} 0.02"));
  EXPECT_TRUE(has_line(text, "borealis_process_nbthread 2"));
  EXPECT_TRUE(has_line(text, "borealis_process_current_connections 1"));
  frontend_->release();
}

// Every family is written once, its samples together: Prometheus refuses
// a page where a family's samples are split.
TEST_F(MetricsReportTest, EachFamilyIsWholeAndTyped) {
  create();
  const std::string text = metrics_text(targets(), {});
  std::set<std::string> families;
  std::string current;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      current = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(current).second) << "twice: " << current;
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_EQ(name.rfind(current, 0), 0u) << line << " outside " << current;
  }
  EXPECT_GT(families.size(), 50u);
}

TEST_F(MetricsReportTest, DatabasesShowTheirStateCapacityAndResumes) {
  create();
  std::string text = metrics_text(targets(), {});
  EXPECT_TRUE(has_line(text, "borealis_database_state{database=\"app\",state=\"paused_deep\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "borealis_database_state{database=\"app\",state=\"running\"} 0"));
  EXPECT_TRUE(has_line(text, "borealis_database_capacity_acu{database=\"app\"} 0"));
  EXPECT_TRUE(has_line(text, "borealis_database_capacity_max_acu{database=\"app\"} 4"));
  EXPECT_TRUE(
      has_line(text, "borealis_database_resume_seconds_count{database=\"app\",pause=\"deep\"} 0"));
  resume();
  ASSERT_EQ(state(), DatabaseState::running);
  text = metrics_text(targets(), {});
  EXPECT_TRUE(has_line(text, "borealis_database_state{database=\"app\",state=\"running\"} 1"));
  EXPECT_TRUE(has_line(text, "borealis_database_state{database=\"app\",state=\"paused_deep\"} 0"));
  EXPECT_TRUE(
      has_line(text, "borealis_database_resume_seconds_count{database=\"app\",pause=\"deep\"} 1"));
  EXPECT_TRUE(
      has_line(text, "borealis_database_resume_seconds_count{database=\"app\",pause=\"warm\"} 0"));
  advance(std::chrono::seconds(10));
  text = metrics_text(targets(), {});
  EXPECT_EQ(text.find("borealis_database_acu_seconds_total{database=\"app\"} 0\n"),
            std::string::npos);
}

TEST(MetricScopes, AsHaproxysExporterReadsThem) {
  using Parameters = std::vector<std::pair<std::string, std::string>>;
  auto all = metric_scopes({});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->global && all->frontend && all->backend && all->server && all->database);
  auto some = metric_scopes(Parameters{{"scope", "server"}, {"scope", "database"}});
  ASSERT_TRUE(some);
  EXPECT_FALSE(some->global || some->frontend || some->backend);
  EXPECT_TRUE(some->server && some->database);
  auto none = metric_scopes(Parameters{{"scope", "server"}, {"scope", ""}});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->global || none->frontend || none->backend || none->server || none->database);
  auto star = metric_scopes(Parameters{{"scope", ""}, {"scope", "*"}});
  ASSERT_TRUE(star && star->global && star->database);
  EXPECT_FALSE(metric_scopes(Parameters{{"scope", "listener"}}));
  EXPECT_TRUE(metric_scopes(Parameters{{"other", "x"}}));
}

TEST_F(MetricsReportTest, ScopesLeaveOutWhatWasNotAskedFor) {
  create();
  MetricScopes only_database{false, false, false, false, true};
  const std::string text = metrics_text(targets(), only_database);
  EXPECT_EQ(text.find("borealis_process_"), std::string::npos);
  EXPECT_EQ(text.find("borealis_frontend_"), std::string::npos);
  EXPECT_EQ(text.find("borealis_server_"), std::string::npos);
  EXPECT_NE(text.find("borealis_database_state"), std::string::npos);
}

}  // namespace
}  // namespace borealis::admin

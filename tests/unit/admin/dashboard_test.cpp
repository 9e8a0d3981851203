// The dashboard: its hour of database states and capacity, the JSON the
// page polls, and the page itself (self-contained, its JSON address safe
// in its script).
#include "admin/dashboard.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "frontend/frontend.hpp"
#include "serverless/runtime_fixture.hpp"

namespace borealis::admin {
namespace {

using serverless::DatabaseState;

TEST(DatabaseTimeline, PointsOnlyWhenSomethingChanges) {
  DatabaseTimeline timeline;
  timeline.record(100, DatabaseState::paused, 0);
  timeline.record(101, DatabaseState::paused, 0);
  timeline.record(102, DatabaseState::running, 1);
  timeline.record(103, DatabaseState::running, 1);
  timeline.record(104, DatabaseState::running, 2);
  ASSERT_EQ(timeline.points().size(), 3u);
  EXPECT_EQ(timeline.points()[1].at, 102);
  EXPECT_EQ(timeline.points()[2].capacity, 2);
}

TEST(DatabaseTimeline, KeepsAnHourAndThePointInForceWhenItBegins) {
  DatabaseTimeline timeline;
  for (int second = 0; second < 2 * 3600; ++second)
    timeline.record(second, second % 2 ? DatabaseState::running : DatabaseState::paused,
                    second % 2);
  // A change every second: an hour of them, plus the one in force at its start.
  EXPECT_EQ(timeline.points().size(), 3601u);
  EXPECT_LE(timeline.points().front().at, 2 * 3600 - 1 - 3600);
  EXPECT_GT(timeline.points()[1].at, 2 * 3600 - 1 - 3600);
  // Hours without a change keep the one point that still says the state.
  DatabaseTimeline quiet;
  quiet.record(0, DatabaseState::paused, 0);
  quiet.record(10 * 3600, DatabaseState::paused, 0);
  ASSERT_EQ(quiet.points().size(), 1u);
  EXPECT_EQ(quiet.points()[0].at, 0);
}

class DashboardTest : public serverless::testing::RuntimeTest {
 protected:
  nlohmann::json snapshot(Dashboard& dashboard, double now) {
    return nlohmann::json::parse(dashboard.json(now));
  }
  ApiTargets targets_;
  frontend::ProcessLimits limits_;
};

TEST_F(DashboardTest, JsonCarriesEachDatabasesTimeline) {
  create();
  targets_.databases = {runtime_.get()};
  targets_.limits = &limits_;
  asio::io_context control;
  Dashboard dashboard(control, targets_);
  dashboard.sample(1000);
  resume();
  ASSERT_EQ(state(), DatabaseState::running);
  dashboard.sample(1001);
  const auto data = snapshot(dashboard, 1002);
  const auto& app = data.at("databases").at(0);
  EXPECT_EQ(app.at("name"), "app");
  EXPECT_EQ(app.at("state"), "running");
  EXPECT_EQ(app.at("state_key"), "running");
  EXPECT_EQ(app.at("resumes"), 1);
  const auto& timeline = app.at("timeline");
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0][1], "paused_deep");
  EXPECT_EQ(timeline[1][0], 1001);
  EXPECT_EQ(timeline[1][1], "running");
  EXPECT_GT(timeline[1][2].get<double>(), 0);
  EXPECT_EQ(data.at("now"), 1002);
}

TEST(DashboardPage, NeedsNothingFromElsewhereAndKeepsItsScriptWhole) {
  const std::string page = dashboard_page("/a</script><b>;json", 1500);
  EXPECT_NE(page.find("const JSON_URL = \"/a<\\/script><b>;json\";"), std::string::npos);
  EXPECT_NE(page.find("const REFRESH_MS = 1500;"), std::string::npos);
  EXPECT_EQ(page.find("__JSON_URL__"), std::string::npos);
  // A byte that is not UTF-8 in the configured uri is replaced, never thrown.
  EXPECT_NE(dashboard_page("/\xff;json", 1000).find("const JSON_URL = \"/\xef\xbf\xbd;json\";"),
            std::string::npos);
  for (const char* outside : {"http://", "https://", "src=", "<link", "@import"}) {
    if (std::string(outside) == "http://") {
      // The only address is the SVG namespace, which is a name, not a fetch.
      const auto at = page.find(outside);
      ASSERT_NE(at, std::string::npos);
      EXPECT_EQ(page.compare(at, 26, "http://www.w3.org/2000/svg"), 0);
      EXPECT_EQ(page.find(outside, at + 1), std::string::npos);
      continue;
    }
    EXPECT_EQ(page.find(outside), std::string::npos) << outside;
  }
}

}  // namespace
}  // namespace borealis::admin

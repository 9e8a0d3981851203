// The runtime API's commands against a database over a fake engine: what
// each level may do, what each command answers, how a wrong one is told.
#include "admin/commands.hpp"

#include <gtest/gtest.h>

#include "frontend/frontend.hpp"
#include "serverless/runtime_fixture.hpp"

namespace borealis::admin {
namespace {

using config::ApiLevel;
using serverless::DatabaseState;
using namespace std::chrono_literals;

class CommandsTest : public serverless::testing::RuntimeTest {
 protected:
  Commands commands() {
    ApiTargets targets;
    targets.databases = {runtime_.get()};
    targets.limits = &limits_;
    targets.nbthread = 2;
    return Commands(std::move(targets));
  }
  std::string run(const Words& words, ApiLevel level = ApiLevel::admin) {
    std::string answer = commands().run(words, level);
    settle();
    return answer;
  }

  frontend::ProcessLimits limits_;
};

TEST_F(CommandsTest, UserLevelReadsButChangesNothing) {
  run_to_running();
  EXPECT_EQ(run({"pause", "database", "app"}, ApiLevel::user), "Permission denied\n");
  EXPECT_EQ(run({"pause", "database", "app"}, ApiLevel::operator_level), "Permission denied\n");
  EXPECT_EQ(state(), DatabaseState::running);
  const std::string help = commands().help(ApiLevel::user);
  EXPECT_NE(help.find("show databases"), std::string::npos);
  EXPECT_EQ(help.find("pause database"), std::string::npos);
  EXPECT_NE(commands().help(ApiLevel::admin).find("pause database <name>"), std::string::npos);
}

TEST_F(CommandsTest, WrongCommandsAreToldWhatIsWrong) {
  create();
  EXPECT_EQ(run({"show", "everything"}), "Unknown command: 'show'. 'help' lists the commands.\n");
  EXPECT_EQ(run({"frobnicate"}), "Unknown command: 'frobnicate'. 'help' lists the commands.\n");
  EXPECT_EQ(run({"show", "info", "json"}), "Usage: show info\n");
  EXPECT_EQ(run({"pause", "database"}), "Usage: pause database <name>\n");
  EXPECT_EQ(run({"pause", "database", "nope"}), "No such database: 'nope'.\n");
}

TEST_F(CommandsTest, ShowInfoSaysWhatRuns) {
  create();
  limits_.active = 3;
  limits_.maxconn = 100;
  const std::string info = run({"show", "info"}, ApiLevel::user);
  EXPECT_NE(info.find("Name: borealis\n"), std::string::npos) << info;
  EXPECT_NE(info.find("Nbthread: 2\n"), std::string::npos) << info;
  EXPECT_NE(info.find("Maxconn: 100\nCurrConns: 3\n"), std::string::npos) << info;
  EXPECT_NE(info.find("Databases: 1\nDatabases_running: 0\nDatabases_paused: 1\n"),
            std::string::npos)
      << info;
}

TEST_F(CommandsTest, ShowDatabasesIsCsvWithTimeInEachState) {
  run_to_running();
  advance(10s);
  serverless::DatabaseGate::Use session(*gate_);
  const std::string table = run({"show", "databases"}, ApiLevel::user);
  const auto newline = table.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(table.substr(0, newline),
            "# name,state,capacity,min,max,acu_seconds,warm_mib_seconds,sessions,active,held,"
            "failed_starts,crashes,time_stopped,time_starting,time_running,time_pausing,"
            "time_paused_deep,time_paused_warm,time_resuming,time_failed");
  // 10 s running at 0.5 ACU; one session, not yet holding an engine connection.
  EXPECT_EQ(table.substr(newline + 1),
            "app,running,0.5,0,4,5.0,0,1,0,0,0,0,0.0,0.0,10.0,0.0,0.0,0.0,0.0,0.0\n");
}

TEST_F(CommandsTest, PauseAndResumeOnRequest) {
  run_to_running();
  {
    serverless::DatabaseGate::Use session(*gate_);
    EXPECT_EQ(run({"pause", "database", "app"}),
              "Database 'app' not paused: 1 client session is open.\n");
  }
  EXPECT_EQ(run({"pause", "database", "app"}), "");
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(run({"pause", "database", "app"}),
            "Database 'app' not paused: it is paused (deep), not running.\n");
  EXPECT_EQ(run({"resume", "database", "app"}), "");
  EXPECT_EQ(state(), DatabaseState::running);
}

TEST_F(CommandsTest, ADatabaseWithAMinimumNeverPauses) {
  database_.capacity_min = 1;
  create();
  ASSERT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(run({"pause", "database", "app"}),
            "Database 'app' not paused: its capacity minimum is 1 ACU: it never pauses.\n");
}

}  // namespace
}  // namespace borealis::admin

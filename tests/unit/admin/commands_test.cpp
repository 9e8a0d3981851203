// The runtime API's commands against a database over a fake engine: what
// each level may do, what each command answers, how a wrong one is told.
#include "admin/commands.hpp"

#include <gtest/gtest.h>

#include "backend/backend_control.hpp"
#include "backend/backend_view.hpp"
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
  // Paused: no compute, no capacity billed.
  EXPECT_NE(run({"show", "databases"}).find("\napp,paused (deep),0,0,4,"), std::string::npos);
  EXPECT_EQ(run({"pause", "database", "app"}),
            "Database 'app' not paused: it is paused (deep), not running.\n");
  EXPECT_EQ(run({"resume", "database", "app"}), "");
  EXPECT_EQ(state(), DatabaseState::running);
}

// A backend `be` with servers s1 and s2, both with an address.
class ServerCommandsTest : public CommandsTest {
 protected:
  ServerCommandsTest() {
    proxy_.name = "be";
    for (const char* name : {"s1", "s2"}) {
      config::Server server;
      server.name = name;
      server.host = "10.0.0.1";
      server.port = 3306;
      proxy_.servers.push_back(server);
    }
    backend_ = std::make_unique<backend::Backend>(proxy_, logging::Logger());
    control_ = std::make_unique<backend::BackendControl>(*backend_);
    for (auto& server : control_->servers())
      server.address = asio::ip::tcp::endpoint(asio::ip::make_address("10.0.0.1"), 3306);
    control_->publish();
  }
  std::string run_on_servers(const Words& words, ApiLevel level = ApiLevel::admin) {
    ApiTargets targets;
    targets.backends = {control_.get()};
    return Commands(std::move(targets)).run(words, level);
  }
  bool usable(int id) const {
    return backend_->view()->servers.at(static_cast<std::size_t>(id)).usable;
  }

  config::Proxy proxy_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<backend::BackendControl> control_;
};

TEST_F(ServerCommandsTest, ReadyDrainAndMaintReachTheDataPlane) {
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "state", "maint"}), "");
  EXPECT_FALSE(usable(0));
  EXPECT_TRUE(usable(1));
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "state", "ready"}), "");
  EXPECT_TRUE(usable(0));
  EXPECT_EQ(run_on_servers({"set", "server", "be/s2", "state", "drain"}), "");
  EXPECT_FALSE(usable(1));
  EXPECT_EQ(run_on_servers({"enable", "server", "be/s2"}), "");
  EXPECT_TRUE(usable(1));
  EXPECT_EQ(run_on_servers({"disable", "server", "be/s2"}), "");
  EXPECT_FALSE(usable(1));
  EXPECT_EQ(control_->server(1).admin, backend::AdminState::maint);
}

TEST_F(ServerCommandsTest, WrongServersAndStatesAreToldAndChangeNothing) {
  EXPECT_EQ(run_on_servers({"set", "server", "be/s3", "state", "maint"}), "No such server.\n");
  EXPECT_EQ(run_on_servers({"set", "server", "fe/s1", "state", "maint"}), "No such backend.\n");
  EXPECT_EQ(run_on_servers({"disable", "server", "s1"}), "Require 'backend/server'.\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "state", "up"}),
            "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "state"}),
            "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "weight", "10"}),
            "'set server <backend>/<server> weight' is not supported yet (only 'state').\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1"}),
            "Usage: set server <backend>/<server> state ready|drain|maint\n");
  EXPECT_EQ(run_on_servers({"disable", "server", "be/s1"}, ApiLevel::operator_level),
            "Permission denied\n");
  EXPECT_TRUE(usable(0));
  EXPECT_TRUE(usable(1));
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

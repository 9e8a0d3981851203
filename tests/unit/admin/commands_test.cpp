// The runtime API's commands against a database over a fake engine: what
// each level may do, what each command answers, how a wrong one is told.
#include "admin/commands.hpp"

#include <gtest/gtest.h>

#include "backend/backend_control.hpp"
#include "backend/backend_view.hpp"
#include "frontend/frontend.hpp"
#include "serverless/runtime_fixture.hpp"
#include "stats/stat_csv.hpp"

namespace borealis::admin {
namespace {

using config::ApiLevel;
using serverless::DatabaseState;
using namespace std::chrono_literals;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  if (!part.empty()) parts.push_back(part);
  return parts;
}
std::vector<std::string> split_lines(const std::string& text) { return split(text, '\n'); }
std::vector<std::string> split_fields(const std::string& line) { return split(line, ','); }
std::vector<std::string> split_words(const std::string& line) { return split(line, ' '); }

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
    std::string answer = std::get<std::string>(commands().run(words, level));
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
    return std::get<std::string>(answer(words, level));
  }
  Answer answer(const Words& words, ApiLevel level = ApiLevel::admin) {
    ApiTargets targets;
    targets.proxies = {ProxyTargets{1, nullptr, control_.get()}};
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
  EXPECT_EQ(
      run_on_servers({"set", "server", "be/s1", "weight", "10"}),
      "'set server <backend>/<server> weight' is not supported yet (only 'state' and 'addr').\n");
  EXPECT_EQ(
      run_on_servers({"set", "server", "be/s1"}),
      "Usage: set server <backend>/<server> state ready|drain|maint | addr <ip> [port <port>]\n");
  EXPECT_EQ(run_on_servers({"disable", "server", "be/s1"}, ApiLevel::operator_level),
            "Permission denied\n");
  EXPECT_TRUE(usable(0));
  EXPECT_TRUE(usable(1));
}

// `show stat` is HAProxy's CSV: each server, then the backend, with the
// counters the workers add to and the states the control plane keeps.
TEST_F(ServerCommandsTest, ShowStatListsServersThenTheBackend) {
  backend_->load(0).traffic.count_session(1);
  backend_->load(0).traffic.count_bytes(10, 300);
  backend_->traffic().count_session(1);
  backend_->traffic().count_bytes(10, 300);
  EXPECT_EQ(run_on_servers({"set", "server", "be/s2", "state", "maint"}), "");
  const std::string answer = run_on_servers({"show", "stat"});
  const auto lines = split_lines(answer);
  ASSERT_EQ(lines.size(), 4u) << answer;
  EXPECT_EQ(lines[0].rfind("# pxname,svname,qcur,", 0), 0u);
  const auto s1 = split_fields(lines[1]);
  const auto s2 = split_fields(lines[2]);
  const auto be = split_fields(lines[3]);
  auto field = [](const std::vector<std::string>& row, stats::Column column) {
    return row.at(static_cast<std::size_t>(column));
  };
  using stats::Column;
  EXPECT_EQ(field(s1, Column::svname), "s1");
  EXPECT_EQ(field(s1, Column::status), "no check");
  EXPECT_EQ(field(s1, Column::stot), "1");
  EXPECT_EQ(field(s1, Column::bin), "10");
  EXPECT_EQ(field(s1, Column::bout), "300");
  EXPECT_EQ(field(s1, Column::addr), "10.0.0.1:3306");
  EXPECT_EQ(field(s1, Column::type), "2");
  EXPECT_EQ(field(s1, Column::sid), "1");
  EXPECT_EQ(field(s2, Column::status), "MAINT");
  EXPECT_EQ(field(s2, Column::stot), "0");
  EXPECT_EQ(field(be, Column::svname), "BACKEND");
  EXPECT_EQ(field(be, Column::status), "UP");
  EXPECT_EQ(field(be, Column::act), "1");
  EXPECT_EQ(field(be, Column::bout), "300");
  EXPECT_EQ(field(be, Column::algo), "roundrobin");
}

TEST_F(ServerCommandsTest, ShowStatFiltersAsHaproxys) {
  auto rows = [this](const Words& words) { return split_lines(run_on_servers(words)).size(); };
  EXPECT_EQ(rows({"show", "stat", "be", "4", "2"}), 2u);    // header and s2
  EXPECT_EQ(rows({"show", "stat", "1", "2", "-1"}), 2u);    // header and BACKEND
  EXPECT_EQ(rows({"show", "stat", "-1", "-1", "-1"}), 4u);  // everything
  EXPECT_EQ(rows({"show", "stat", "2", "-1", "-1"}), 1u);   // no proxy 2: the header
  EXPECT_EQ(run_on_servers({"show", "stat", "nope", "-1", "-1"}), "No such proxy.\n");
  EXPECT_EQ(run_on_servers({"show", "stat", "be", "x", "-1"}),
            "Usage: show stat [{<iid>|<proxy>} <type> <sid>]\n");
  EXPECT_EQ(run_on_servers({"show", "stat", "be", "4"}),
            "Usage: show stat [{<iid>|<proxy>} <type> <sid>]\n");
}

// HAProxy's state file format, version 1: the numbers a script written for
// HAProxy reads.
TEST_F(ServerCommandsTest, ShowServersStateInHaproxysNumbers) {
  EXPECT_EQ(run_on_servers({"set", "server", "be/s2", "state", "drain"}), "");
  const auto lines = split_lines(run_on_servers({"show", "servers", "state"}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "1");
  EXPECT_EQ(lines[1].rfind("# be_id be_name srv_id srv_name srv_addr srv_op_state", 0), 0u);
  const auto s1 = split_words(lines[2]);
  const auto s2 = split_words(lines[3]);
  ASSERT_EQ(s1.size(), 25u);
  EXPECT_EQ(s1[0], "1");
  EXPECT_EQ(s1[1], "be");
  EXPECT_EQ(s1[3], "s1");
  EXPECT_EQ(s1[4], "10.0.0.1");
  EXPECT_EQ(s1[5], "2");  // running
  EXPECT_EQ(s1[6], "0");  // no admin flag
  EXPECT_EQ(s1[18], "3306");
  EXPECT_EQ(s2[6], "8");  // forced drain
  EXPECT_EQ(run_on_servers({"show", "servers", "state", "nope"}), "Can't find backend.\n");
  EXPECT_EQ(split_lines(run_on_servers({"show", "servers", "state", "be"})).size(), 4u);
  EXPECT_EQ(run_on_servers({"show", "servers", "nope"}), "Usage: show servers state [<backend>]\n");
}

TEST_F(ServerCommandsTest, SetServerAddrMovesNewConnections) {
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "10.0.0.9"}),
            "IP changed from '10.0.0.1' to '10.0.0.9' by 'stats socket command'\n");
  auto address = [this] { return *backend_->view()->servers.at(0).address; };
  EXPECT_EQ(address(), asio::ip::tcp::endpoint(asio::ip::make_address("10.0.0.9"), 3306));
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "::1", "port", "3307"}),
            "IP changed from '10.0.0.9' to '::1', port changed from '3306' to '3307' by 'stats "
            "socket command'\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "::1", "port", "3307"}),
            "no need to change the addr, no need to change the port by 'stats socket command'\n");
  EXPECT_EQ(address(), asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 3307));
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "db.example"}),
            "Invalid addr 'db.example' by 'stats socket command'\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "10.0.0.8", "port", "70000"}),
            "Invalid port '70000' by 'stats socket command'\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "10.0.0.8", "prot", "1"}),
            "'set server <srv> addr' requires an address and optionally a port.\n");
  EXPECT_EQ(run_on_servers({"set", "server", "be/s1", "addr", "10.0.0.8"}, ApiLevel::user),
            "Permission denied\n");
  EXPECT_EQ(address(), asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 3307));
}

// The session commands are answered by the workers: the command only
// says what to ask them, or why it cannot.
TEST_F(ServerCommandsTest, SessionCommandsAreQuestionsForTheWorkers) {
  EXPECT_EQ(run_on_servers({"show", "sess"}, ApiLevel::user), "Permission denied\n");
  const Answer list = answer({"show", "sess"}, ApiLevel::operator_level);
  ASSERT_TRUE(std::holds_alternative<SessionRequest>(list));
  EXPECT_EQ(std::get<SessionRequest>(list).kind, SessionRequest::Kind::list);
  const Answer shutdown = answer({"shutdown", "sessions", "server", "be/s2"});
  ASSERT_TRUE(std::holds_alternative<SessionRequest>(shutdown));
  const auto& request = std::get<SessionRequest>(shutdown);
  EXPECT_EQ(request.kind, SessionRequest::Kind::shut_down_server);
  EXPECT_EQ(request.backend, backend_.get());
  EXPECT_EQ(request.server_id, 1);
  EXPECT_EQ(run_on_servers({"shutdown", "sessions", "server", "be/s9"}), "No such server.\n");
  EXPECT_EQ(run_on_servers({"shutdown", "sessions", "server", "be/s1"}, ApiLevel::user),
            "Permission denied\n");
  EXPECT_EQ(run_on_servers({"shutdown", "sessions", "backend", "be/s1"}),
            "Usage: shutdown sessions server <backend>/<server>\n");
}

TEST_F(ServerCommandsTest, OneSessionIsNamedByTheIdShowSessWrites) {
  const Answer one = answer({"show", "sess", "0x1a3"}, ApiLevel::operator_level);
  ASSERT_TRUE(std::holds_alternative<SessionRequest>(one));
  EXPECT_EQ(std::get<SessionRequest>(one).session, 0x1a3u);
  const Answer all = answer({"show", "sess", "all"}, ApiLevel::operator_level);
  ASSERT_TRUE(std::holds_alternative<SessionRequest>(all));
  EXPECT_FALSE(std::get<SessionRequest>(all).session);
  const Answer shutdown = answer({"shutdown", "session", "0X2B"});
  ASSERT_TRUE(std::holds_alternative<SessionRequest>(shutdown));
  EXPECT_EQ(std::get<SessionRequest>(shutdown).kind, SessionRequest::Kind::shut_down_one);
  EXPECT_EQ(std::get<SessionRequest>(shutdown).session, 0x2bu);
  const std::string bad = "Session id must be hexadecimal, as 'show sess' writes it (0x...).\n";
  for (const char* word : {"12", "0x", "0xzz", "0x12345678901234567", "-0x1"}) {
    EXPECT_EQ(run_on_servers({"shutdown", "session", word}), bad) << word;
    EXPECT_EQ(run_on_servers({"show", "sess", word}, ApiLevel::operator_level), bad) << word;
  }
  EXPECT_EQ(run_on_servers({"shutdown", "session", "0x1"}, ApiLevel::operator_level),
            "Permission denied\n");
  EXPECT_EQ(run_on_servers({"shutdown", "session"}), "Usage: shutdown session <id>\n");
}

TEST_F(CommandsTest, SetDatabaseCapacityTakesTheKeywordsRules) {
  run_to_running();
  EXPECT_EQ(run({"set", "database", "app", "capacity", "1", "2"}), "");
  EXPECT_EQ(runtime_->report().capacity_min, 1);
  EXPECT_EQ(runtime_->report().capacity_max, 2);
  EXPECT_EQ(run({"set", "database", "app", "capacity", "3", "2"}),
            "'capacity' : maximum 2 is below minimum 3.\n");
  EXPECT_EQ(run({"set", "database", "app", "capacity", "0", "0.7"}),
            "'capacity' : '0.7' is not a multiple of 0.5.\n");
  EXPECT_EQ(run({"set", "database", "app", "capacity", "0", "300"}),
            "'capacity' : '300' is above the limit of 256 ACU.\n");
  EXPECT_EQ(run({"set", "database", "app", "size", "0", "2"}),
            "Usage: set database <name> capacity <min> <max>\n");
  EXPECT_EQ(run({"set", "database", "nope", "capacity", "0", "2"}), "No such database: 'nope'.\n");
  EXPECT_EQ(run({"set", "database", "app", "capacity", "0", "8"}, ApiLevel::operator_level),
            "Permission denied\n");
  EXPECT_EQ(runtime_->report().capacity_max, 2);
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

// `database` sections and `server NAME database@DB`: every keyword, the
// defaults, and each message exactly.
#include <gtest/gtest.h>

#include <string>

#include "config/parser.hpp"

namespace borealis::config {
namespace {

using namespace std::chrono_literals;

std::string all_text(const ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

// A mariadb database that validates, with `lines` appended to its section
// (line 1 is the header, line 2 the datadir, `lines` start at line 3).
std::string mariadb_with(const std::string& lines) {
  return "database app\n  datadir /var/lib/app\n" + lines + "\n";
}

// An exec database that validates, `lines` start at line 6.
std::string exec_with(const std::string& lines) {
  return "database app\n  engine exec\n  start-command \"systemctl start db\"\n"
         "  stop-command \"systemctl stop db\"\n  address 127.0.0.1:3307\n" +
         lines + "\n";
}

// Parses `text` and expects exactly one diagnostic with this text.
void expect_one(const std::string& text, const std::string& message, bool alert = true) {
  const auto result = parse_text(text, "d.cfg");
  ASSERT_EQ(result.diagnostics.size(), 1u) << text << "\n" << all_text(result);
  EXPECT_EQ(result.diagnostics[0].text(), message) << text;
  const auto severity = alert ? Diagnostic::Severity::alert : Diagnostic::Severity::warning;
  EXPECT_EQ(result.diagnostics[0].severity, severity) << text;
  EXPECT_EQ(result.ok(), !alert) << text;
}

const Database& only_database(const ParseResult& result) {
  EXPECT_EQ(result.config.databases.size(), 1u);
  return result.config.databases.at(0);
}

TEST(ConfigDatabase, Defaults) {
  const auto result = parse_text(mariadb_with(""), "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Database& d = only_database(result);
  EXPECT_EQ(d.name, "app");
  EXPECT_EQ(d.where.file, "d.cfg");
  EXPECT_EQ(d.where.line, 1);
  EXPECT_EQ(d.engine, Database::Engine::mariadb);
  EXPECT_EQ(d.datadir, "/var/lib/app");
  EXPECT_EQ(d.capacity_min, 0.5);
  EXPECT_EQ(d.capacity_max, 1);
  EXPECT_EQ(d.acu.memory_bytes, 256ull << 20);
  EXPECT_EQ(d.acu.cpu, 0.25);
  EXPECT_EQ(d.acu.connections, 50);
  ASSERT_TRUE(d.auto_pause.has_value());
  EXPECT_EQ(*d.auto_pause, 300s);
  EXPECT_EQ(d.timeout_resume, 30s);
  EXPECT_EQ(d.timeout_command, 60s);
  EXPECT_EQ(d.scale_down_delay, 15s);
  EXPECT_EQ(d.user, "app");
  EXPECT_EQ(d.mariadbd, "/usr/sbin/mariadbd");
  EXPECT_TRUE(d.mariadbd_options.empty());
  EXPECT_TRUE(d.start_command.empty());
  EXPECT_TRUE(d.address.empty());
  EXPECT_EQ(d.port, 0);
  EXPECT_TRUE(result.config.find_database("app"));
  EXPECT_FALSE(result.config.find_database("other"));
}

TEST(ConfigDatabase, EveryMariadbKeyword) {
  const auto result = parse_text(R"(database app
    engine mariadb
    datadir "/var/lib/borealis/app db"
    capacity 0 8
    acu memory 512m cpu 0.5 connections 100
    auto-pause 10m
    timeout resume 45s
    timeout command 2m
    scale-down-delay 30s
    user shop_1
    mariadbd /opt/mariadb/bin/mariadbd
    mariadbd-option --innodb-log-file-size=48M
    mariadbd-option --skip-name-resolve
)",
                                 "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Database& d = only_database(result);
  EXPECT_EQ(d.engine, Database::Engine::mariadb);
  EXPECT_EQ(d.datadir, "/var/lib/borealis/app db");
  EXPECT_EQ(d.capacity_min, 0);
  EXPECT_EQ(d.capacity_max, 8);
  EXPECT_EQ(d.acu.memory_bytes, 512ull << 20);
  EXPECT_EQ(d.acu.cpu, 0.5);
  EXPECT_EQ(d.acu.connections, 100);
  ASSERT_TRUE(d.auto_pause.has_value());
  EXPECT_EQ(*d.auto_pause, 10min);
  EXPECT_EQ(d.timeout_resume, 45s);
  EXPECT_EQ(d.timeout_command, 2min);
  EXPECT_EQ(d.scale_down_delay, 30s);
  EXPECT_EQ(d.user, "shop_1");
  EXPECT_EQ(d.mariadbd, "/opt/mariadb/bin/mariadbd");
  ASSERT_EQ(d.mariadbd_options.size(), 2u);
  EXPECT_EQ(d.mariadbd_options[0], "--innodb-log-file-size=48M");
  EXPECT_EQ(d.mariadbd_options[1], "--skip-name-resolve");
}

TEST(ConfigDatabase, EveryExecKeyword) {
  const auto result = parse_text(R"(database remote
    engine exec
    start-command "systemctl start db"
    stop-command 'systemctl stop db'
    scale-command '/usr/local/bin/resize-db "$BOREALIS_ACU"'
    address [::1]:3307
    capacity 0.5 2.5
    timeout command 90s
)",
                                 "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Database& d = only_database(result);
  EXPECT_EQ(d.engine, Database::Engine::exec);
  EXPECT_EQ(d.start_command, "systemctl start db");
  EXPECT_EQ(d.stop_command, "systemctl stop db");
  // Single quotes keep $BOREALIS_ACU for the shell (double quotes would
  // expand it while reading the file).
  EXPECT_EQ(d.scale_command, "/usr/local/bin/resize-db \"$BOREALIS_ACU\"");
  EXPECT_EQ(d.address, "::1");
  EXPECT_EQ(d.port, 3307);
  EXPECT_EQ(d.capacity_min, 0.5);
  EXPECT_EQ(d.capacity_max, 2.5);
  EXPECT_EQ(d.timeout_command, 90s);
  EXPECT_TRUE(d.datadir.empty());
}

TEST(ConfigDatabase, ExecAddressIpv4AndOptionalScaleCommand) {
  const auto result = parse_text(exec_with(""), "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Database& d = only_database(result);
  EXPECT_EQ(d.address, "127.0.0.1");
  EXPECT_EQ(d.port, 3307);
  EXPECT_TRUE(d.scale_command.empty());
}

TEST(ConfigDatabase, AcuSettingsAnySubsetAnyOrder) {
  {
    const auto result = parse_text(mariadb_with("  acu connections 10 memory 1g"), "d.cfg");
    ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
    const Database& d = only_database(result);
    EXPECT_EQ(d.acu.memory_bytes, 1ull << 30);
    EXPECT_EQ(d.acu.cpu, 0.25);  // unchanged
    EXPECT_EQ(d.acu.connections, 10);
  }
  {
    // Several lines add up; a later line only changes what it names.
    const auto result =
        parse_text(mariadb_with("  acu cpu 2\n  acu memory 64k\n  acu cpu 0.125"), "d.cfg");
    ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
    const Database& d = only_database(result);
    EXPECT_EQ(d.acu.memory_bytes, 64ull << 10);
    EXPECT_EQ(d.acu.cpu, 0.125);
    EXPECT_EQ(d.acu.connections, 50);
  }
}

TEST(ConfigDatabase, AutoPauseOff) {
  const auto result = parse_text(mariadb_with("  capacity 0 4\n  auto-pause off"), "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  EXPECT_FALSE(only_database(result).auto_pause.has_value());
}

TEST(ConfigDatabase, AutoPauseDeep) {
  using namespace std::chrono_literals;
  EXPECT_EQ(only_database(parse_text(mariadb_with(""), "d.cfg")).auto_pause_deep, 1h);
  auto result = parse_text(mariadb_with("  capacity 0 4\n  auto-pause-deep 20m"), "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  EXPECT_EQ(only_database(result).auto_pause_deep, 20min);
  result = parse_text(mariadb_with("  auto-pause-deep 0"), "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  EXPECT_EQ(only_database(result).auto_pause_deep, 0ms);
  result = parse_text(mariadb_with("  auto-pause-deep off"), "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  EXPECT_FALSE(only_database(result).auto_pause_deep.has_value());
  // The exec engine's pauses are always deep: said where the line is.
  expect_one(exec_with("  auto-pause-deep 2h"),
             "parsing [d.cfg:6] : 'auto-pause-deep' has no effect with 'engine exec': its "
             "pauses are deep.",
             false);
}

TEST(ConfigDatabase, AutoPauseWithMinimumAboveZeroWarns) {
  expect_one(mariadb_with("  capacity 1 4\n  auto-pause 5m"),
             "parsing [d.cfg:4] : 'auto-pause' has no effect: capacity minimum is above 0.", false);
  // Order does not matter: the check runs on the whole section.
  expect_one(mariadb_with("  auto-pause 5m\n  capacity 0.5 4"),
             "parsing [d.cfg:3] : 'auto-pause' has no effect: capacity minimum is above 0.", false);
  // The default, `off`, and a minimum of 0 say nothing.
  for (const char* lines :
       {"  capacity 1 4", "  capacity 1 4\n  auto-pause off", "  capacity 0 4\n  auto-pause 5m"}) {
    const auto result = parse_text(mariadb_with(lines), "d.cfg");
    EXPECT_TRUE(result.diagnostics.empty()) << lines << "\n" << all_text(result);
  }
}

TEST(ConfigDatabase, CapacityValues) {
  struct Good {
    const char* line;
    double min, max;
  };
  for (const Good& g : std::initializer_list<Good>{{"capacity 0 0.5", 0, 0.5},
                                                   {"capacity 0.0 1.50", 0, 1.5},
                                                   {"capacity 2 2", 2, 2},
                                                   {"capacity 0 256", 0, 256},
                                                   {"capacity 255.5 256", 255.5, 256}}) {
    const auto result = parse_text(mariadb_with(std::string("  ") + g.line), "d.cfg");
    ASSERT_TRUE(result.diagnostics.empty()) << g.line << "\n" << all_text(result);
    EXPECT_EQ(only_database(result).capacity_min, g.min) << g.line;
    EXPECT_EQ(only_database(result).capacity_max, g.max) << g.line;
  }
}

struct Case {
  std::string config;
  std::string message;
};

void expect_alerts(std::initializer_list<Case> cases) {
  for (const Case& c : cases) expect_one(c.config, c.message);
}

TEST(ConfigDatabase, CapacityErrors) {
  expect_alerts({
      {mariadb_with("  capacity 4 2"),
       "parsing [d.cfg:3] : 'capacity' : maximum 2 is below minimum 4."},
      {mariadb_with("  capacity 0.3 2"),
       "parsing [d.cfg:3] : 'capacity' : '0.3' is not a multiple of 0.5."},
      {mariadb_with("  capacity 1 2.25"),
       "parsing [d.cfg:3] : 'capacity' : '2.25' is not a multiple of 0.5."},
      {mariadb_with("  capacity -1 2"), "parsing [d.cfg:3] : 'capacity' : '-1' is negative."},
      {mariadb_with("  capacity -0.5 2"), "parsing [d.cfg:3] : 'capacity' : '-0.5' is negative."},
      {mariadb_with("  capacity 0 0"),
       "parsing [d.cfg:3] : 'capacity' : maximum must be at least 0.5, got '0'."},
      {mariadb_with("  capacity 1 256.5"),
       "parsing [d.cfg:3] : 'capacity' : '256.5' is above the limit of 256 ACU."},
      {mariadb_with("  capacity one 2"),
       "parsing [d.cfg:3] : 'capacity' expects a number of ACU in steps of 0.5, got 'one'."},
      {mariadb_with("  capacity 1 2e1"),
       "parsing [d.cfg:3] : 'capacity' expects a number of ACU in steps of 0.5, got '2e1'."},
      {mariadb_with("  capacity 1. 2"),
       "parsing [d.cfg:3] : 'capacity' expects a number of ACU in steps of 0.5, got '1.'."},
      {mariadb_with("  capacity .5 2"),
       "parsing [d.cfg:3] : 'capacity' expects a number of ACU in steps of 0.5, got '.5'."},
      {mariadb_with("  capacity 1"),
       "parsing [d.cfg:3] : 'capacity' expects <min> and <max> in ACU (e.g. 'capacity 0 8')."},
      {mariadb_with("  capacity 1 2 3"),
       "parsing [d.cfg:3] : 'capacity' cannot handle unexpected argument '3'."},
  });
}

TEST(ConfigDatabase, AcuErrors) {
  expect_alerts({
      {mariadb_with("  acu"),
       "parsing [d.cfg:3] : 'acu' expects 'memory <size>', 'cpu <cores>' or 'connections "
       "<number>'."},
      {mariadb_with("  acu disk 1g"),
       "parsing [d.cfg:3] : 'acu' : unknown setting 'disk', expects 'memory', 'cpu' or "
       "'connections'."},
      {mariadb_with("  acu memory 1g memory 2g"),
       "parsing [d.cfg:3] : 'acu' : 'memory' is given twice."},
      {mariadb_with("  acu cpu"), "parsing [d.cfg:3] : 'acu cpu' expects <cores> as argument."},
      {mariadb_with("  acu memory"),
       "parsing [d.cfg:3] : 'acu memory' expects <size> as argument."},
      {mariadb_with("  acu memory 1t"),
       "parsing [d.cfg:3] : 'acu memory' expects a size above 0 and at most 1024g (units k, m, "
       "g), got '1t'."},
      {mariadb_with("  acu memory 0"),
       "parsing [d.cfg:3] : 'acu memory' expects a size above 0 and at most 1024g (units k, m, "
       "g), got '0'."},
      {mariadb_with("  acu memory 1025g"),
       "parsing [d.cfg:3] : 'acu memory' expects a size above 0 and at most 1024g (units k, m, "
       "g), got '1025g'."},
      {mariadb_with("  acu cpu 0"),
       "parsing [d.cfg:3] : 'acu cpu' expects a number of cores above 0 and at most 1024 (e.g. "
       "0.25), got '0'."},
      {mariadb_with("  acu cpu -1"),
       "parsing [d.cfg:3] : 'acu cpu' expects a number of cores above 0 and at most 1024 (e.g. "
       "0.25), got '-1'."},
      {mariadb_with("  acu cpu quarter"),
       "parsing [d.cfg:3] : 'acu cpu' expects a number of cores above 0 and at most 1024 (e.g. "
       "0.25), got 'quarter'."},
      {mariadb_with("  acu connections 0"),
       "parsing [d.cfg:3] : 'acu connections' expects an integer between 1 and 100000, got "
       "'0'."},
  });
  // A wrong line changes nothing, not even the settings before the mistake.
  const auto result = parse_text(mariadb_with("  acu memory 1g cpu 0"), "d.cfg");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(only_database(result).acu.memory_bytes, 256ull << 20);
}

TEST(ConfigDatabase, KeywordErrors) {
  expect_alerts({
      {mariadb_with("  engine postgres"),
       "parsing [d.cfg:3] : 'engine' expects 'mariadb' or 'exec', got 'postgres'."},
      {mariadb_with("  engine mariadb exec"),
       "parsing [d.cfg:3] : 'engine' cannot handle unexpected argument 'exec'."},
      {mariadb_with("  auto-pause never"),
       "parsing [d.cfg:3] : 'auto-pause' expects an integer value with a unit (us, ms, s, m, h, "
       "d), got 'never'."},
      {mariadb_with("  capacity 0 2\n  auto-pause 0"),
       "parsing [d.cfg:4] : 'auto-pause' expects a positive delay, got '0'."},
      {mariadb_with("  timeout resume 0"),
       "parsing [d.cfg:3] : 'timeout resume' expects a positive delay, got '0'."},
      {mariadb_with("  timeout command"),
       "parsing [d.cfg:3] : 'timeout command' expects a delay with a unit (us, ms, s, m, h, d)."},
      {mariadb_with("  timeout client 5s"),
       "parsing [d.cfg:3] : 'timeout' supports 'resume' and 'command' (got 'client')."},
      {mariadb_with("  scale-down-delay soon"),
       "parsing [d.cfg:3] : 'scale-down-delay' expects an integer value with a unit (us, ms, s, "
       "m, h, d), got 'soon'."},
      {mariadb_with("  user"), "parsing [d.cfg:3] : 'user' expects <name> as an argument."},
      {mariadb_with("  user shop-owner"),
       "parsing [d.cfg:3] : 'user' expects a name of 1 to 32 letters, digits or '_', got "
       "'shop-owner'."},
      {mariadb_with("  user a b"),
       "parsing [d.cfg:3] : 'user' cannot handle unexpected argument 'b'."},
      {mariadb_with("  datadir /a /b"),
       "parsing [d.cfg:3] : 'datadir' cannot handle unexpected argument '/b'."},
      {mariadb_with("  mariadbd"), "parsing [d.cfg:3] : 'mariadbd' expects <path> as an argument."},
      // A line that failed is not also reported as belonging to the other engine.
      {exec_with("  datadir"), "parsing [d.cfg:6] : 'datadir' expects <path> as an argument."},
      {mariadb_with("  mariadbd-option innodb-buffer-pool-size=1G"),
       "parsing [d.cfg:3] : 'mariadbd-option' expects a mariadbd option starting with '-' (e.g. "
       "--innodb-log-file-size=48M), got 'innodb-buffer-pool-size=1G'."},
      {mariadb_with("  mariadbd-option --a --b"),
       "parsing [d.cfg:3] : 'mariadbd-option' cannot handle unexpected argument '--b'."},
      {exec_with("  start-command systemctl start db"),
       "parsing [d.cfg:6] : 'start-command' expects one argument; quote a command with spaces: "
       "start-command \"systemctl start db\"."},
      {exec_with("  scale-command"),
       "parsing [d.cfg:6] : 'scale-command' expects a shell command as an argument."},
      {exec_with("  address localhost:3306"),
       "parsing [d.cfg:6] : 'address' expects an IP address and a port (e.g. 127.0.0.1:3306), "
       "got 'localhost:3306'."},
      {exec_with("  address 127.0.0.1"),
       "parsing [d.cfg:6] : 'address' expects an IP address and a port (e.g. 127.0.0.1:3306), "
       "got '127.0.0.1'."},
      {exec_with("  address *:3306"),
       "parsing [d.cfg:6] : 'address' expects an IP address and a port (e.g. 127.0.0.1:3306), "
       "got '*:3306'."},
      {exec_with("  address ipv4@127.0.0.1:3306"),
       "parsing [d.cfg:6] : 'address' expects an IP address and a port (e.g. 127.0.0.1:3306), "
       "got 'ipv4@127.0.0.1:3306'."},
      {exec_with("  address 127.0.0.1:0"),
       "parsing [d.cfg:6] : 'address' expects an IP address and a port (e.g. 127.0.0.1:3306), "
       "got '127.0.0.1:0'."},
  });
}

TEST(ConfigDatabase, UnknownKeyword) {
  expect_alerts({
      {mariadb_with("  foo bar"),
       "parsing [d.cfg:3] : unknown keyword 'foo' in 'database' section"},
      // HAProxy proxy keywords mean nothing here either.
      {mariadb_with("  maxconn 10"),
       "parsing [d.cfg:3] : unknown keyword 'maxconn' in 'database' section"},
  });
}

TEST(ConfigDatabase, SectionHeaderErrors) {
  expect_alerts({
      {"database\n", "parsing [d.cfg:1] : 'database' expects <name> as an argument."},
      {"database a/b\n",
       "parsing [d.cfg:1] : character '/' is not permitted in 'database' name "
       "'a/b'."},
      {"database a b\n", "parsing [d.cfg:1] : 'database' cannot handle unexpected argument 'b'."},
      {mariadb_with("") + mariadb_with(""),
       "parsing [d.cfg:4] : database 'app' has the same name as another database section "
       "declared at d.cfg:1."},
  });
  // The lines of a rejected section are skipped, not read into the previous one.
  const auto result = parse_text(mariadb_with("") + "database app\n  datadir /other\n", "d.cfg");
  EXPECT_EQ(only_database(result).datadir, "/var/lib/app");
}

TEST(ConfigDatabase, RequiredKeywords) {
  expect_alerts({
      {"database app\n  capacity 0 2\n",
       "parsing [d.cfg:1] : database 'app' : engine 'mariadb' requires 'datadir'."},
      {"database app\n  engine exec\n  start-command a\n  stop-command b\n",
       "parsing [d.cfg:1] : database 'app' : engine 'exec' requires 'address'."},
  });
  const auto result = parse_text("database x\n  engine exec\n", "d.cfg");
  ASSERT_EQ(result.diagnostics.size(), 3u) << all_text(result);
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [d.cfg:1] : database 'x' : engine 'exec' requires 'start-command'.");
  EXPECT_EQ(result.diagnostics[1].text(),
            "parsing [d.cfg:1] : database 'x' : engine 'exec' requires 'stop-command'.");
  EXPECT_EQ(result.diagnostics[2].text(),
            "parsing [d.cfg:1] : database 'x' : engine 'exec' requires 'address'.");
}

TEST(ConfigDatabase, EngineSpecificKeywords) {
  expect_alerts({
      {mariadb_with("  start-command \"systemctl start db\""),
       "parsing [d.cfg:3] : 'start-command' is only valid with 'engine exec' (database 'app' "
       "uses 'engine mariadb')."},
      {mariadb_with("  address 127.0.0.1:3307"),
       "parsing [d.cfg:3] : 'address' is only valid with 'engine exec' (database 'app' uses "
       "'engine mariadb')."},
      {exec_with("  mariadbd-option --skip-grant-tables"),
       "parsing [d.cfg:6] : 'mariadbd-option' is only valid with 'engine mariadb' (database "
       "'app' uses 'engine exec')."},
      {exec_with("  datadir /var/lib/app"),
       "parsing [d.cfg:6] : 'datadir' is only valid with 'engine mariadb' (database 'app' uses "
       "'engine exec')."},
      {exec_with("  user shop"),
       "parsing [d.cfg:6] : 'user' is only valid with 'engine mariadb' (database 'app' uses "
       "'engine exec')."},
      // `engine` may come after the keywords it allows, or not.
      {"database app\n  mariadbd /usr/bin/mariadbd\n  start-command a\n  stop-command b\n"
       "  address 127.0.0.1:1\n  engine exec\n",
       "parsing [d.cfg:2] : 'mariadbd' is only valid with 'engine mariadb' (database 'app' uses "
       "'engine exec')."},
  });
  const auto result = parse_text(
      "database app\n  start-command a\n  stop-command b\n  address 127.0.0.1:1\n  engine exec\n",
      "d.cfg");
  EXPECT_TRUE(result.diagnostics.empty()) << all_text(result);
}

// A database and a frontend/backend pair that reaches it.
std::string with_backend(const std::string& server_line) {
  return mariadb_with("  capacity 0 4") +
         "frontend fe\n  bind :3306\n  default_backend be\nbackend be\n" + server_line + "\n";
}

TEST(ConfigDatabase, ServerDatabaseForm) {
  const auto result = parse_text(
      with_backend("  server app database@app check inter 5s rise 1 fall 2 weight 10 maxconn 20\n"
                   "  server app2 database@app backup\n  server plain 10.0.0.1:3306"),
      "d.cfg");
  ASSERT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Proxy* backend = result.config.find_backend("be");
  ASSERT_TRUE(backend);
  ASSERT_EQ(backend->servers.size(), 3u);
  const Server& s = backend->servers[0];
  EXPECT_EQ(s.name, "app");
  EXPECT_EQ(s.database, "app");
  EXPECT_TRUE(s.host.empty());
  EXPECT_EQ(s.port, 0);
  EXPECT_TRUE(s.check);
  EXPECT_EQ(s.inter, 5s);
  EXPECT_EQ(s.rise, 1);
  EXPECT_EQ(s.fall, 2);
  EXPECT_EQ(s.weight, 10);
  EXPECT_EQ(s.maxconn, 20);
  EXPECT_EQ(backend->servers[1].database, "app");
  EXPECT_TRUE(backend->servers[1].backup);
  EXPECT_TRUE(backend->servers[2].database.empty());
  EXPECT_EQ(backend->servers[2].host, "10.0.0.1");
}

TEST(ConfigDatabase, DatabaseMayBeDeclaredAfterItsServersAndUsedTwice) {
  const auto result = parse_text(
      "listen db\n  bind :3306\n  server a database@app\nbackend other\n  server b database@app\n" +
          mariadb_with(""),
      "d.cfg");
  EXPECT_TRUE(result.diagnostics.empty()) << all_text(result);
}

TEST(ConfigDatabase, ServerDatabaseErrors) {
  // The backend loses its only server: a "has no server" warning follows.
  for (
      const Case& c : std::initializer_list<Case>{
          {with_backend("  server srv database@x"),
           "parsing [d.cfg:8] : server 'be/srv' : no database named 'x'."},
          {with_backend("  server srv database@"),
           "parsing [d.cfg:8] : 'server srv' : 'database@' expects a database name."},
          {with_backend("  server srv database@a/b"),
           "parsing [d.cfg:8] : character '/' is not permitted in database name 'a/b'."},
          {with_backend("  server srv database@app resolvers dns"),
           "parsing [d.cfg:8] : 'server srv' : 'resolvers' does not apply to a 'database@' server; "
           "its database gives the address."},
          {with_backend("  server srv database@app init-addr none"),
           "parsing [d.cfg:8] : 'server srv' : 'init-addr' does not apply to a 'database@' server; "
           "its database gives the address."},
          {with_backend("  server srv database@app resolve-prefer ipv4"),
           "parsing [d.cfg:8] : 'server srv' : 'resolve-prefer' does not apply to a 'database@' "
           "server; its database gives the address."},
          {with_backend("  server-template srv 2 database@app"),
           "parsing [d.cfg:8] : 'server-template srv' : 'database@' addresses are only valid on "
           "'server' lines."},
      }) {
    const auto result = parse_text(c.config, "d.cfg");
    ASSERT_FALSE(result.diagnostics.empty()) << c.config;
    EXPECT_EQ(result.diagnostics[0].text(), c.message) << all_text(result);
    EXPECT_FALSE(result.ok()) << c.config;
  }
}

TEST(ConfigDatabase, ModeMysqlOnBothSidesOnly) {
  // A mode mysql backend behind a mode tcp frontend means two things.
  expect_one(with_backend("  server srv database@app\n  mode mysql"),
             "parsing [d.cfg:4] : frontend 'fe' (mode tcp) cannot use backend 'be' (mode mysql): "
             "both must have the same mode.");
  const auto result = parse_text(mariadb_with("  capacity 0 4") +
                                     "defaults\n  mode mysql\nfrontend fe\n  bind :3306\n"
                                     "  default_backend be\nbackend be\n  server srv "
                                     "database@app\n",
                                 "d.cfg");
  EXPECT_TRUE(result.ok()) << all_text(result);
  EXPECT_EQ(result.config.proxies[0].mode, Mode::mysql);
  EXPECT_EQ(result.config.proxies[1].mode, Mode::mysql);
}

TEST(ConfigDatabase, SectionEndsAtTheNextSection) {
  // A keyword after the database section belongs to the next section.
  expect_one(mariadb_with("global\n  capacity 0 2"),
             "parsing [d.cfg:4] : unknown keyword 'capacity' in 'global' section");
}

}  // namespace
}  // namespace borealis::config

// The configuration from the blog post, sections, defaults inheritance and
// file handling.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/parser.hpp"

namespace borealis::config {
namespace {

using namespace std::chrono_literals;

// /work/shared/seed/haproxy.cfg, unchanged.
constexpr std::string_view kPostConfig = R"(global
log /dev/log syslog info

defaults
log global
mode tcp
timeout connect 3s
timeout client 30s
timeout server 30s

resolvers mydns
nameserver public-0 10.10.0.2:53
hold valid 3s

frontend aurora-proxy
bind *:3306
default_backend site-backend

backend site-backend
server aurora-sl sjkim-test.cluster-ckgbznranfhe.ap-northeast-2.rds.amazonaws.com:3306 resolvers mydns check inter 10s
)";

std::string all_text(const ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

TEST(ConfigParser, PostConfigParsesToTheExpectedModel) {
  const auto result = parse_text(kPostConfig, "haproxy.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_TRUE(result.diagnostics.empty()) << all_text(result);
  const Config& c = result.config;

  ASSERT_EQ(c.global.logs.size(), 1u);
  const LogTarget& log = c.global.logs[0];
  EXPECT_EQ(log.kind, LogTarget::Kind::unix_datagram);
  EXPECT_EQ(log.path, "/dev/log");
  EXPECT_EQ(log.facility, 5);   // syslog
  EXPECT_EQ(log.max_level, 6);  // info
  EXPECT_EQ(log.min_level, 0);
  EXPECT_EQ(log.format, LogTarget::Format::rfc3164);
  EXPECT_EQ(log.max_length, 1024);
  EXPECT_EQ(log.where.line, 2);
  EXPECT_EQ(c.global.maxconn, 0);
  EXPECT_EQ(c.global.nbthread, 0);

  ASSERT_EQ(c.resolvers.size(), 1u);
  const Resolvers& r = c.resolvers[0];
  EXPECT_EQ(r.name, "mydns");
  ASSERT_EQ(r.nameservers.size(), 1u);
  EXPECT_EQ(r.nameservers[0].name, "public-0");
  EXPECT_EQ(r.nameservers[0].host, "10.10.0.2");
  EXPECT_EQ(r.nameservers[0].port, 53);
  EXPECT_EQ(r.hold_valid, 3s);
  EXPECT_EQ(r.hold_nx, 30s);
  EXPECT_EQ(r.hold_obsolete, 0s);
  EXPECT_EQ(r.resolve_retries, 3);
  EXPECT_EQ(r.timeout_resolve, 1s);
  EXPECT_EQ(r.timeout_retry, 1s);
  EXPECT_EQ(r.accepted_payload_size, 512);
  EXPECT_FALSE(r.parse_resolv_conf);
  EXPECT_EQ(r.where.line, 11);

  ASSERT_EQ(c.proxies.size(), 2u);
  const Proxy& fe = c.proxies[0];
  EXPECT_EQ(fe.kind, Proxy::Kind::frontend);
  EXPECT_EQ(fe.name, "aurora-proxy");
  EXPECT_EQ(fe.where.line, 15);
  EXPECT_TRUE(fe.log_global);
  EXPECT_TRUE(fe.logs.empty());
  EXPECT_EQ(fe.mode, Mode::tcp);
  EXPECT_EQ(fe.timeouts.connect, 3s);
  EXPECT_EQ(fe.timeouts.client, 30s);
  EXPECT_EQ(fe.timeouts.server, 30s);
  EXPECT_FALSE(fe.timeouts.queue);
  EXPECT_FALSE(fe.timeouts.check);
  EXPECT_FALSE(fe.timeouts.tunnel);
  ASSERT_EQ(fe.binds.size(), 1u);
  EXPECT_EQ(fe.binds[0].host, "");
  EXPECT_EQ(fe.binds[0].port, 3306);
  EXPECT_FALSE(fe.binds[0].v4v6);
  EXPECT_FALSE(fe.binds[0].v6only);
  EXPECT_EQ(fe.binds[0].where.line, 16);
  EXPECT_EQ(fe.default_backend, "site-backend");
  EXPECT_TRUE(fe.servers.empty());
  EXPECT_FALSE(fe.tcplog);

  const Proxy& be = c.proxies[1];
  EXPECT_EQ(be.kind, Proxy::Kind::backend);
  EXPECT_EQ(be.name, "site-backend");
  EXPECT_TRUE(be.log_global);
  EXPECT_EQ(be.timeouts.connect, 3s);
  EXPECT_EQ(be.timeouts.server, 30s);
  EXPECT_EQ(be.retries, 3);
  EXPECT_FALSE(be.redispatch);
  EXPECT_EQ(be.balance, Balance::roundrobin);
  EXPECT_FALSE(be.mysql_check);
  ASSERT_EQ(be.servers.size(), 1u);
  const Server& s = be.servers[0];
  EXPECT_EQ(s.name, "aurora-sl");
  EXPECT_EQ(s.host, "sjkim-test.cluster-ckgbznranfhe.ap-northeast-2.rds.amazonaws.com");
  EXPECT_EQ(s.port, 3306);
  EXPECT_EQ(s.resolvers, "mydns");
  EXPECT_EQ(s.resolve_prefer, AddressFamily::ipv6);
  EXPECT_TRUE(s.init_addr.empty());
  EXPECT_TRUE(s.check);
  EXPECT_EQ(s.inter, 10s);
  EXPECT_FALSE(s.fastinter);
  EXPECT_FALSE(s.downinter);
  EXPECT_EQ(s.rise, 2);
  EXPECT_EQ(s.fall, 3);
  EXPECT_FALSE(s.check_port);
  EXPECT_EQ(s.weight, 1);
  EXPECT_EQ(s.maxconn, 0);
  EXPECT_FALSE(s.backup);
  EXPECT_FALSE(s.disabled);
  EXPECT_EQ(s.template_index, 0);
  EXPECT_EQ(s.where.line, 20);
  EXPECT_EQ(s.where.file, "haproxy.cfg");

  EXPECT_EQ(c.find_backend("site-backend"), &be);
  EXPECT_EQ(c.find_backend("aurora-proxy"), nullptr);
  EXPECT_EQ(c.find_resolvers("mydns"), &r);
}

TEST(ConfigParser, IndentedCommentedCrlfConfig) {
  const auto result = parse_text(
      "# header\r\n"
      "global\r\n"
      "    maxconn 100   # comment\r\n"
      "\r\n"
      "listen db\r\n"
      "\tbind 127.0.0.1:3307\r\n"
      "\tserver s1 127.0.0.1:3306\r\n",
      "x.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_EQ(result.config.global.maxconn, 100);
  ASSERT_EQ(result.config.proxies.size(), 1u);
  EXPECT_EQ(result.config.proxies[0].kind, Proxy::Kind::listen);
  EXPECT_EQ(result.config.proxies[0].servers.size(), 1u);
}

TEST(ConfigParser, EmptyInputIsValid) {
  const auto result = parse_text("", "x.cfg");
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(ConfigParser, ProxiesCopyTheLastDefaults) {
  const auto result = parse_text(R"(
defaults
  timeout connect 1s
  retries 7
  option redispatch
  option tcplog
  balance leastconn
  maxconn 50
  log 127.0.0.1 local1
  default_backend be1
backend be1
  server a 10.0.0.1:3306
defaults
  timeout connect 2s
frontend fe
  bind :3306
  default_backend be1
backend be2
  server a 10.0.0.2:3306
)",
                                 "x.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  const auto& be1 = result.config.proxies[0];
  EXPECT_EQ(be1.timeouts.connect, 1s);
  EXPECT_EQ(be1.retries, 7);
  EXPECT_TRUE(be1.redispatch);
  EXPECT_TRUE(be1.tcplog);
  EXPECT_EQ(be1.balance, Balance::leastconn);
  EXPECT_EQ(be1.maxconn, 50);
  ASSERT_EQ(be1.logs.size(), 1u);
  EXPECT_EQ(be1.logs[0].facility, 17);
  EXPECT_EQ(be1.default_backend, "be1");
  // A new defaults section starts from HAProxy's defaults, not the previous one.
  const auto& be2 = result.config.proxies[2];
  EXPECT_EQ(be2.timeouts.connect, 2s);
  EXPECT_EQ(be2.retries, 3);
  EXPECT_FALSE(be2.redispatch);
  EXPECT_EQ(be2.balance, Balance::roundrobin);
  EXPECT_TRUE(be2.logs.empty());
  EXPECT_EQ(be2.servers[0].name, "a");
}

TEST(ConfigParser, NamedDefaultsAndFrom) {
  const auto result = parse_text(R"(
defaults slow
  timeout connect 9s
defaults fast from slow
  timeout server 1s
defaults
  timeout connect 5s
backend b1 from slow
  server a 10.0.0.1:3306
backend b2 from fast
  server a 10.0.0.1:3306
backend b3
  server a 10.0.0.1:3306
)",
                                 "x.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  const auto& p = result.config.proxies;
  EXPECT_EQ(p[0].timeouts.connect, 9s);
  EXPECT_FALSE(p[0].timeouts.server);
  EXPECT_EQ(p[1].timeouts.connect, 9s);
  EXPECT_EQ(p[1].timeouts.server, 1s);
  EXPECT_EQ(p[2].timeouts.connect, 5s);
  EXPECT_EQ(p[2].name, "b3");
  EXPECT_EQ(p[2].kind, Proxy::Kind::backend);
}

TEST(ConfigParser, UnknownNamedDefaults) {
  const auto result = parse_text("backend b from nope\n  server a 10.0.0.1:1\n", "x.cfg");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [x.cfg:1] : defaults section 'nope' not found for backend 'b'.");
}

TEST(ConfigParser, FrontendAndBackendMayShareANameButNotWithListen) {
  auto result = parse_text(R"(
frontend app
  bind :1
  default_backend app
backend app
  server a 10.0.0.1:3306
)",
                           "x.cfg");
  EXPECT_TRUE(result.ok()) << all_text(result);

  result = parse_text(R"(
backend app
  server a 10.0.0.1:3306
listen app
  bind :1
backend app
  server a 10.0.0.1:3306
)",
                      "x.cfg");
  ASSERT_EQ(result.diagnostics.size(), 2u) << all_text(result);
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [x.cfg:4] : listen 'app' has the same name as backend 'app' declared at "
            "x.cfg:2.");
  EXPECT_EQ(result.diagnostics[1].text(),
            "parsing [x.cfg:6] : backend 'app' has the same name as backend 'app' declared at "
            "x.cfg:2.");
}

TEST(ConfigParser, DuplicateResolvers) {
  const auto result = parse_text(
      "resolvers r\n nameserver a 1.1.1.1\nresolvers r\n nameserver a 1.1.1.1\n", "x.cfg");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [x.cfg:3] : resolvers 'r' has the same name as another resolvers section "
            "declared at x.cfg:1.");
}

TEST(ConfigParser, SectionNames) {
  auto result = parse_text("backend\n", "x.cfg");
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [x.cfg:1] : 'backend' expects <name> as an "
            "argument.");
  result = parse_text("frontend a/b\n", "x.cfg");
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [x.cfg:1] : character '/' is not permitted in 'frontend' name 'a/b'.");
  // The lines of a section whose header failed are skipped, not misfiled.
  result = parse_text("frontend a/b\n  bind :1\n", "x.cfg");
  EXPECT_EQ(result.diagnostics.size(), 1u);
}

TEST(ConfigParser, LexerErrorsNameTheLine) {
  const auto result = parse_text("global\n  pidfile \"/run/x\n", "x.cfg");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].text(), "parsing [x.cfg:2] : unmatched quote at position 11");
}

TEST(ConfigParser, NulByte) {
  const auto result = parse_text(std::string("global\nmax\0conn 1\n", 18), "x.cfg");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].text(), "parsing [x.cfg:2] : stray NUL character at position 4.");
}

TEST(ConfigParser, QuotedValues) {
  ::setenv("BOREALIS_TEST_PORT", "3307", 1);
  const auto result = parse_text(R"(
global
  pidfile "/run/my borealis.pid"
  user 'mysql'
frontend fe
  bind "127.0.0.1:${BOREALIS_TEST_PORT}"
  default_backend be
backend be
  server s1 10.0.0.1:3306
)",
                                 "x.cfg");
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_EQ(result.config.global.pidfile, "/run/my borealis.pid");
  EXPECT_EQ(result.config.global.user, "mysql");
  EXPECT_EQ(result.config.proxies[0].binds[0].port, 3307);
}

class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("borealis_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "conf.d");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFiles, SeveralFilesAreOneConfiguration) {
  const auto a = write("a.cfg", "defaults\n  timeout connect 4s\n");
  const auto b = write("b.cfg", "backend be\n  server s 10.0.0.1:1\n");
  const auto result = parse_files({a, b});
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_EQ(result.config.proxies[0].timeouts.connect, 4s);
  EXPECT_EQ(result.config.proxies[0].servers[0].where.file, b);
}

TEST_F(ConfigFiles, EachFileStartsOutsideAnySection) {
  const auto a = write("a.cfg", "global\n");
  const auto b = write("b.cfg", "maxconn 5\n");
  const auto result = parse_files({a, b});
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].text(),
            "parsing [" + b + ":1] : unknown keyword 'maxconn' out of section.");
}

TEST_F(ConfigFiles, DirectoryMeansItsCfgFilesInOrder) {
  write("conf.d/20-be.cfg", "backend be\n  server s 10.0.0.1:1\n");
  write("conf.d/10-defaults.cfg", "defaults\n  retries 9\n");
  write("conf.d/README", "not a config\n");
  const auto result = parse_files({(dir_ / "conf.d").string()});
  ASSERT_TRUE(result.ok()) << all_text(result);
  EXPECT_EQ(result.config.proxies[0].retries, 9);
}

TEST_F(ConfigFiles, UnreadableFile) {
  const auto missing = (dir_ / "missing.cfg").string();
  const auto result = parse_files({missing});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.diagnostics[0].text(),
            "Could not open configuration file " + missing + " : No such file or directory");
  EXPECT_EQ(result.diagnostics[0].where.line, 0);
}

}  // namespace
}  // namespace borealis::config

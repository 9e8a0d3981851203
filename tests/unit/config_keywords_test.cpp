// Every supported keyword fills the model as documented.
#include <gtest/gtest.h>

#include "config/parser.hpp"

namespace borealis::config {
namespace {

using namespace std::chrono_literals;

std::string all_text(const ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

Config parse_ok(const std::string& text) {
  auto result = parse_text(text, "k.cfg");
  EXPECT_TRUE(result.ok()) << all_text(result);
  return std::move(result.config);
}

// A backend holding one server line with the given parameters.
Server server_with(const std::string& params) {
  const auto c =
      parse_ok("resolvers dns\n nameserver ns 10.0.0.53\nbackend be\n server s1 " + params + "\n");
  if (c.proxies.empty() || c.proxies[0].servers.empty()) return {};
  return c.proxies[0].servers[0];
}

TEST(ConfigKeywords, MaxConnectErrors) {
  const auto c = parse_ok(
      "defaults\n  mode mysql\nfrontend a\n  bind :1\n  max-connect-errors 5 block 30s\n"
      "frontend b\n  bind :2\n  max-connect-errors 0\nfrontend c\n  bind :3\n");
  EXPECT_EQ(c.proxies[0].max_connect_errors, 5);
  EXPECT_EQ(c.proxies[0].connect_errors_block, 30s);
  EXPECT_EQ(c.proxies[1].max_connect_errors, 0);
  EXPECT_EQ(c.proxies[2].max_connect_errors, 100);
  EXPECT_EQ(c.proxies[2].connect_errors_block, 600s);
}

TEST(ConfigKeywords, MysqlUser) {
  const auto c = parse_ok(
      "backend be\n  mode mysql\n"
      "  mysql-user app password *2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19\n"
      "  mysql-user report password *a4b6157319038724e3560894f7f932c8886ebfcf\n"
      "  server s 10.0.0.1:3306\n");
  ASSERT_EQ(c.proxies[0].mysql_users.size(), 2u);
  EXPECT_EQ(c.proxies[0].mysql_users[0].name, "app");
  EXPECT_EQ(c.proxies[0].mysql_users[0].stage2,
            std::string("\x24\x70\xC0\xC0\x6D\xEE\x42\xFD\x16\x18\xBB\x99\x00\x5A\xDC\xA2"
                        "\xEC\x9D\x1E\x19",
                        20));
  EXPECT_EQ(c.proxies[0].mysql_users[1].stage2.substr(0, 2), "\xa4\xb6");
  EXPECT_EQ(c.proxies[0].mysql_users[1].where.line, 4);
}

TEST(ConfigKeywords, Global) {
  const auto c = parse_ok(R"(
global
  maxconn 20000
  nbthread 4
  pidfile /run/borealis.pid
  user mysql
  group mysql
)");
  EXPECT_EQ(c.global.maxconn, 20000);
  EXPECT_EQ(c.global.nbthread, 4);
  EXPECT_EQ(c.global.pidfile, "/run/borealis.pid");
  EXPECT_EQ(c.global.user, "mysql");
  EXPECT_EQ(c.global.group, "mysql");
}

TEST(ConfigKeywords, StatsSockets) {
  const auto c = parse_ok(
      "global\n"
      "  stats socket /run/borealis.sock mode 660 level admin user nobody group nogroup\n"
      "  stats socket unix@/run/borealis-ro.sock expose-fd listeners\n"
      "  stats timeout 30s\n");
  ASSERT_EQ(c.global.stats_sockets.size(), 2u);
  const StatsSocket& admin = c.global.stats_sockets[0];
  EXPECT_EQ(admin.path, "/run/borealis.sock");
  EXPECT_EQ(admin.mode, 0660u);
  EXPECT_EQ(admin.level, ApiLevel::admin);
  EXPECT_EQ(admin.user, "nobody");
  EXPECT_EQ(admin.group, "nogroup");
  EXPECT_EQ(admin.where.line, 2);
  const StatsSocket& plain = c.global.stats_sockets[1];
  EXPECT_EQ(plain.path, "/run/borealis-ro.sock");
  EXPECT_EQ(plain.mode, 0600u);  // not the umask's: HAProxy's differs here
  EXPECT_EQ(plain.level, ApiLevel::operator_level);
  EXPECT_TRUE(plain.expose_listeners);
  EXPECT_FALSE(admin.expose_listeners);
  EXPECT_EQ(c.global.stats_timeout, 30s);
  EXPECT_EQ(parse_ok("global\n").global.stats_timeout, 10s);
}

TEST(ConfigKeywords, LogTargets) {
  const auto c = parse_ok(R"(
global
  log /dev/log syslog info
  log stdout format raw local0 info
  log stderr format rfc5424 daemon
  log 127.0.0.1 local7 err notice
  log 10.0.0.9:1514 len 4096 format rfc3164 kern
  log udp@[::1]:5140 user debug
  log ipv4@10.1.2.3 mail
  log localhost local2
  log /var/run/log.sock cron2 emerg
  log unix@/dev/log auth2
  log fd@1 ftp
)");
  const auto& logs = c.global.logs;
  ASSERT_EQ(logs.size(), 11u);
  EXPECT_EQ(logs[0].kind, LogTarget::Kind::unix_datagram);
  EXPECT_EQ(logs[0].path, "/dev/log");
  EXPECT_EQ(logs[1].kind, LogTarget::Kind::stdout_stream);
  EXPECT_EQ(logs[1].format, LogTarget::Format::raw);
  EXPECT_EQ(logs[1].facility, 16);
  EXPECT_EQ(logs[1].max_level, 6);
  EXPECT_EQ(logs[2].kind, LogTarget::Kind::stderr_stream);
  EXPECT_EQ(logs[2].format, LogTarget::Format::rfc5424);
  EXPECT_EQ(logs[2].facility, 3);
  EXPECT_EQ(logs[2].max_level, 7);
  EXPECT_EQ(logs[3].kind, LogTarget::Kind::udp);
  EXPECT_EQ(logs[3].host, "127.0.0.1");
  EXPECT_EQ(logs[3].port, 514);
  EXPECT_EQ(logs[3].facility, 23);
  EXPECT_EQ(logs[3].max_level, 3);
  EXPECT_EQ(logs[3].min_level, 5);
  EXPECT_EQ(logs[4].host, "10.0.0.9");
  EXPECT_EQ(logs[4].port, 1514);
  EXPECT_EQ(logs[4].max_length, 4096);
  EXPECT_EQ(logs[4].facility, 0);
  EXPECT_EQ(logs[5].host, "::1");
  EXPECT_EQ(logs[5].port, 5140);
  EXPECT_EQ(logs[5].facility, 1);
  EXPECT_EQ(logs[6].host, "10.1.2.3");
  EXPECT_EQ(logs[6].facility, 2);
  EXPECT_EQ(logs[7].host, "127.0.0.1");
  EXPECT_EQ(logs[8].path, "/var/run/log.sock");
  EXPECT_EQ(logs[8].facility, 15);
  EXPECT_EQ(logs[8].max_level, 0);
  EXPECT_EQ(logs[9].path, "/dev/log");
  EXPECT_EQ(logs[9].facility, 10);
  EXPECT_EQ(logs[10].kind, LogTarget::Kind::stdout_stream);
  EXPECT_EQ(logs[10].facility, 11);
}

TEST(ConfigKeywords, EveryFacilityAndLevel) {
  const char* facilities[] = {"kern",   "user",   "mail",   "daemon", "auth",   "syslog",
                              "lpr",    "news",   "uucp",   "cron",   "auth2",  "ftp",
                              "ntp",    "audit",  "alert",  "cron2",  "local0", "local1",
                              "local2", "local3", "local4", "local5", "local6", "local7"};
  const char* levels[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
  std::string text = "global\n";
  for (const char* f : facilities) text += std::string("  log stdout ") + f + "\n";
  for (const char* l : levels) text += std::string("  log stdout local0 ") + l + "\n";
  const auto c = parse_ok(text);
  ASSERT_EQ(c.global.logs.size(), 32u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(c.global.logs[i].facility, i);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(c.global.logs[24 + i].max_level, i);
}

TEST(ConfigKeywords, ProxyLogAndNoLog) {
  const auto c = parse_ok(R"(
defaults
  log global
  log stdout local0
backend b1
  server s 10.0.0.1:1
backend b2
  no log
  server s 10.0.0.1:1
)");
  EXPECT_TRUE(c.proxies[0].log_global);
  EXPECT_EQ(c.proxies[0].logs.size(), 1u);
  EXPECT_FALSE(c.proxies[1].log_global);
  EXPECT_TRUE(c.proxies[1].logs.empty());
}

TEST(ConfigKeywords, Timeouts) {
  const auto c = parse_ok(R"(
defaults
  timeout connect 5s
  timeout client 1m
  timeout server 2m
  timeout queue 10s
  timeout check 3s
  timeout client-fin 4s
  timeout server-fin 6s
  timeout tunnel 1h
  timeout release 90s
backend b
  timeout connect 500
  server s 10.0.0.1:1
)");
  const auto& t = c.proxies[0].timeouts;
  EXPECT_EQ(t.connect, 500ms);
  EXPECT_EQ(t.client, 1min);
  EXPECT_EQ(t.server, 2min);
  EXPECT_EQ(t.queue, 10s);
  EXPECT_EQ(t.check, 3s);
  EXPECT_EQ(t.client_fin, 4s);
  EXPECT_EQ(t.server_fin, 6s);
  EXPECT_EQ(t.tunnel, 1h);
  EXPECT_EQ(t.release, 90s);
}

TEST(ConfigKeywords, ProxySettings) {
  const auto c = parse_ok(R"(
frontend fe
  mode tcp
  bind 10.0.0.1:3306,[::1]:3307
  bind :::3308 v6only
  bind ipv6@:3309 v4v6
  maxconn 500
  option tcplog
  default_backend be
backend be
  retries 5
  option redispatch
  balance first
  option mysql-check user haproxy post-41
  server s 10.0.0.1:1
listen li
  bind 127.0.0.1:4000
  balance source
  no option redispatch
  option mysql-check
  server s 10.0.0.1:1
)");
  const auto& fe = c.proxies[0];
  ASSERT_EQ(fe.binds.size(), 4u);
  EXPECT_EQ(fe.binds[0].host, "10.0.0.1");
  EXPECT_EQ(fe.binds[0].port, 3306);
  EXPECT_EQ(fe.binds[1].host, "::1");
  EXPECT_EQ(fe.binds[1].port, 3307);
  EXPECT_EQ(fe.binds[2].host, "::");
  EXPECT_TRUE(fe.binds[2].v6only);
  EXPECT_EQ(fe.binds[3].host, "::");
  EXPECT_TRUE(fe.binds[3].v4v6);
  EXPECT_EQ(fe.maxconn, 500);
  EXPECT_TRUE(fe.tcplog);
  const auto& be = c.proxies[1];
  EXPECT_EQ(be.retries, 5);
  EXPECT_TRUE(be.redispatch);
  EXPECT_EQ(be.balance, Balance::first);
  ASSERT_TRUE(be.mysql_check);
  EXPECT_EQ(be.mysql_check->user, "haproxy");
  EXPECT_TRUE(be.mysql_check->post41);
  const auto& li = c.proxies[2];
  EXPECT_EQ(li.balance, Balance::source);
  EXPECT_FALSE(li.redispatch);
  ASSERT_TRUE(li.mysql_check);
  EXPECT_EQ(li.mysql_check->user, "");
  EXPECT_FALSE(li.mysql_check->post41);
}

TEST(ConfigKeywords, MysqlCheckProtocolVersions) {
  auto c = parse_ok("backend b\n option mysql-check user u pre-41\n server s 10.0.0.1:1\n");
  EXPECT_FALSE(c.proxies[0].mysql_check->post41);
  EXPECT_EQ(c.proxies[0].mysql_check->user, "u");
  // HAProxy documents post-41 as the default once a user is given.
  c = parse_ok("backend b\n option mysql-check user u\n server s 10.0.0.1:1\n");
  EXPECT_TRUE(c.proxies[0].mysql_check->post41);
}

TEST(ConfigKeywords, ServerParameters) {
  const auto s = server_with(
      "db.example.com:3306 resolvers dns resolve-prefer ipv4 init-addr last,libc,10.0.0.7,none "
      "check inter 5s fastinter 1s downinter 30s rise 4 fall 2 port 9200 weight 256 maxconn 80 "
      "backup disabled");
  EXPECT_EQ(s.host, "db.example.com");
  EXPECT_EQ(s.resolvers, "dns");
  EXPECT_EQ(s.resolve_prefer, AddressFamily::ipv4);
  EXPECT_EQ(s.init_addr,
            (std::vector<InitAddr>{InitAddr::last, InitAddr::libc, InitAddr::ip, InitAddr::none}));
  EXPECT_EQ(s.init_addr_ip, "10.0.0.7");
  EXPECT_TRUE(s.check);
  EXPECT_EQ(s.inter, 5s);
  EXPECT_EQ(s.fastinter, 1s);
  EXPECT_EQ(s.downinter, 30s);
  EXPECT_EQ(s.rise, 4);
  EXPECT_EQ(s.fall, 2);
  EXPECT_EQ(s.check_port, 9200);
  EXPECT_EQ(s.weight, 256);
  EXPECT_EQ(s.maxconn, 80);
  EXPECT_TRUE(s.backup);
  EXPECT_TRUE(s.disabled);
}

TEST(ConfigKeywords, ServerFlagsLastOneWins) {
  const auto s = server_with(
      "[::1]:3306 check no-check disabled enabled backup no-backup "
      "resolve-prefer ipv6 weight 0");
  EXPECT_EQ(s.host, "::1");
  EXPECT_FALSE(s.check);
  EXPECT_FALSE(s.disabled);
  EXPECT_FALSE(s.backup);
  EXPECT_EQ(s.weight, 0);
  EXPECT_EQ(s.resolve_prefer, AddressFamily::ipv6);
}

TEST(ConfigKeywords, ServerTemplate) {
  const auto c = parse_ok(R"(
resolvers dns
  nameserver ns 10.0.0.53
backend be
  server-template db 3 db.example.com:3306 resolvers dns check init-addr none
  server-template web 5-6 web.example.com:3306
)");
  const auto& servers = c.proxies[0].servers;
  ASSERT_EQ(servers.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(servers[i].name, "db" + std::to_string(i + 1));
    EXPECT_EQ(servers[i].template_prefix, "db");
    EXPECT_EQ(servers[i].template_index, i + 1);
    EXPECT_EQ(servers[i].host, "db.example.com");
    EXPECT_EQ(servers[i].port, 3306);
    EXPECT_EQ(servers[i].resolvers, "dns");
    EXPECT_TRUE(servers[i].check);
    EXPECT_EQ(servers[i].init_addr, std::vector<InitAddr>{InitAddr::none});
  }
  EXPECT_EQ(servers[3].name, "web5");
  EXPECT_EQ(servers[3].template_index, 5);
  EXPECT_EQ(servers[4].name, "web6");
}

TEST(ConfigKeywords, Resolvers) {
  const auto c = parse_ok(R"(
resolvers dns
  nameserver a 10.0.0.1:5353
  nameserver b [2001:db8::1]:53
  nameserver c 10.0.0.3
  parse-resolv-conf
  hold valid 5s
  hold nx 1s
  hold timeout 2s
  hold refused 3s
  hold other 4s
  hold obsolete 6s
  resolve_retries 7
  timeout resolve 2s
  timeout retry 3s
  accepted_payload_size 8192
)");
  const auto& r = c.resolvers[0];
  ASSERT_EQ(r.nameservers.size(), 3u);
  EXPECT_EQ(r.nameservers[0].port, 5353);
  EXPECT_EQ(r.nameservers[1].host, "2001:db8::1");
  EXPECT_EQ(r.nameservers[2].port, 53);
  EXPECT_TRUE(r.parse_resolv_conf);
  EXPECT_EQ(r.hold_valid, 5s);
  EXPECT_EQ(r.hold_nx, 1s);
  EXPECT_EQ(r.hold_timeout, 2s);
  EXPECT_EQ(r.hold_refused, 3s);
  EXPECT_EQ(r.hold_other, 4s);
  EXPECT_EQ(r.hold_obsolete, 6s);
  EXPECT_EQ(r.resolve_retries, 7);
  EXPECT_EQ(r.timeout_resolve, 2s);
  EXPECT_EQ(r.timeout_retry, 3s);
  EXPECT_EQ(r.accepted_payload_size, 8192);
}

TEST(ConfigKeywords, ParseResolvConfAloneIsEnough) {
  const auto c = parse_ok("resolvers sys\n  parse-resolv-conf\n");
  EXPECT_TRUE(c.resolvers[0].parse_resolv_conf);
  EXPECT_TRUE(c.resolvers[0].nameservers.empty());
}

TEST(ConfigKeywords, ServerWithNameAndNoResolversIsFine) {
  const auto s = server_with("db.internal:3306 check");
  EXPECT_EQ(s.host, "db.internal");
  EXPECT_TRUE(s.resolvers.empty());
}

}  // namespace
}  // namespace borealis::config

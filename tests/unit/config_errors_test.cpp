// Exact message texts: users read them, scripts may grep them.
#include <gtest/gtest.h>

#include "config/parser.hpp"

namespace borealis::config {
namespace {

struct Case {
  const char* config;
  const char* message;  // text() of the first diagnostic
  bool alert = true;
};

std::string all_text(const ParseResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.text() + "\n";
  return out;
}

// A frontend and backend that validate, to put one bad line in.
std::string frontend_with(const std::string& line) {
  return "frontend fe\n  bind :3306\n  default_backend be\n" + line +
         "\nbackend be\n  server s 10.0.0.1:3306\n";
}
std::string backend_with(const std::string& line) {
  return "backend be\n  server s 10.0.0.1:3306\n" + line + "\n";
}

void check(const Case& c) {
  const auto result = parse_text(c.config, "e.cfg");
  ASSERT_FALSE(result.diagnostics.empty()) << c.config;
  EXPECT_EQ(result.diagnostics[0].text(), c.message) << all_text(result);
  const auto severity = c.alert ? Diagnostic::Severity::alert : Diagnostic::Severity::warning;
  EXPECT_EQ(result.diagnostics[0].severity, severity) << c.config;
  EXPECT_EQ(result.ok(), !c.alert) << all_text(result);
}

TEST(ConfigErrors, DiagnosticText) {
  Diagnostic d{Diagnostic::Severity::alert, {"haproxy.cfg", 12}, "unknown keyword 'foo'"};
  EXPECT_EQ(d.text(), "parsing [haproxy.cfg:12] : unknown keyword 'foo'");
  d.where = {};
  EXPECT_EQ(d.text(), "unknown keyword 'foo'");
}

TEST(ConfigErrors, StatsSocket) {
  const Case cases[] = {
      {"global\n  stats socket\n",
       "parsing [e.cfg:2] : 'stats socket' expects a unix socket path."},
      {"global\n  stats socket 127.0.0.1:9999\n",
       "parsing [e.cfg:2] : stats sockets on TCP addresses are an HAProxy feature that borealis "
       "does not support yet in 'global' section"},
      {"global\n  stats socket /s level root\n",
       "parsing [e.cfg:2] : 'stats socket' : 'level' only supports 'user', 'operator', and "
       "'admin' (got 'root')."},
      {"global\n  stats socket /s mode 0x1ff\n",
       "parsing [e.cfg:2] : 'stats socket' : 'mode' expects an octal mode such as 600 or 660 "
       "(got '0x1ff')."},
      {"global\n  stats socket /s mode\n",
       "parsing [e.cfg:2] : 'stats socket' : 'mode' expects an argument."},
      {"global\n  stats socket /s colour blue\n",
       "parsing [e.cfg:2] : 'stats socket' : unknown option 'colour' (borealis supports 'mode', "
       "'level', 'user' and 'group')."},
      {"global\n  stats socket /s\n  stats socket /s\n",
       "parsing [e.cfg:3] : 'stats socket' : '/s' is already declared at e.cfg:2."},
      {"global\n  stats socket /s expose-fd all\n",
       "parsing [e.cfg:2] : 'stats socket ... expose-fd' is an HAProxy keyword that borealis "
       "does not support yet in 'global' section"},
      {"global\n  stats timeout 0\n", nullptr},
      {"global\n  stats frobnicate\n",
       "parsing [e.cfg:2] : 'stats' in 'global' supports 'socket' and 'timeout' (got "
       "'frobnicate')."},
  };
  for (const auto& c : cases) {
    if (!c.message) {
      EXPECT_FALSE(parse_text(c.config, "e.cfg").ok()) << c.config;
      continue;
    }
    check(c);
  }
}

TEST(ConfigErrors, MysqlUser) {
  const std::string expects =
      "'mysql-user' expects '<name> password <hash>', where <hash> is the account's "
      "mysql_native_password hash as the server stores it ('*' and 40 hexadecimal digits).";
  const std::string hash = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";
  const std::string short_hash = backend_with("  mysql-user app password *2470C0");
  const std::string not_hex =
      backend_with("  mysql-user app password *2470C0C06DEE42FD1618BB99005ADCA2EC9D1EZZ");
  const std::string no_password = backend_with("  mysql-user app " + hash);
  const std::string twice =
      backend_with("  mysql-user app password " + hash + "\n  mysql-user app password " + hash);
  const std::string in_frontend = frontend_with("  mysql-user app password " + hash);
  const std::string in_tcp = backend_with("  mysql-user app password " + hash);
  const std::string short_message = "parsing [e.cfg:3] : " + expects;
  for (const Case& c : std::initializer_list<Case>{
           {short_hash.c_str(), short_message.c_str()},
           {not_hex.c_str(), short_message.c_str()},
           {no_password.c_str(), short_message.c_str()},
           {twice.c_str(),
            "parsing [e.cfg:4] : 'mysql-user' : user 'app' is already declared at line 3."},
           {in_frontend.c_str(),
            "parsing [e.cfg:4] : 'mysql-user' ignored because frontend 'fe' has no backend "
            "capability.",
            false},
           {in_tcp.c_str(),
            "parsing [e.cfg:3] : backend 'be' : 'mysql-user' ignored: it needs 'mode mysql'.",
            false},
       }) {
    check(c);
  }
}

TEST(ConfigErrors, UnknownKeywords) {
  const std::string be = backend_with("  foo bar");
  for (const Case& c : std::initializer_list<Case>{
           {"maxconn 10\n", "parsing [e.cfg:1] : unknown keyword 'maxconn' out of section."},
           {"global\n  foo\n", "parsing [e.cfg:2] : unknown keyword 'foo' in 'global' section"},
           {be.c_str(), "parsing [e.cfg:3] : unknown keyword 'foo' in 'backend' section"},
           {"defaults\n  foo\n",
            "parsing [e.cfg:2] : unknown keyword 'foo' in 'defaults' "
            "section"},
           {"resolvers r\n parse-resolv-conf\n foo\n",
            "parsing [e.cfg:3] : unknown keyword 'foo' in 'resolvers' section"},
           {"defaults\n  option nope\n", "parsing [e.cfg:2] : unknown option 'nope'."},
           {"defaults\n  mode weird\n", "parsing [e.cfg:2] : unknown proxy mode 'weird'."},
       }) {
    check(c);
  }
}

TEST(ConfigErrors, UnsupportedKeywords) {
  const std::string fe1 = frontend_with("  option httplog");
  const std::string fe2 = frontend_with("  use_backend be if { src 10.0.0.0/8 }");
  const std::string fe3 = frontend_with("  tcp-response content accept");
  const std::string be1 = backend_with("  server s2 10.0.0.2:3306 crt /client.pem");
  const std::string be2 = backend_with("  hash-type consistent");
  for (const Case& c : std::initializer_list<Case>{
           {fe1.c_str(),
            "parsing [e.cfg:4] : 'option httplog' is an HAProxy keyword that "
            "borealis does not support yet in 'frontend' section"},
           {fe2.c_str(),
            "parsing [e.cfg:4] : 'use_backend' is an HAProxy keyword that borealis does "
            "not support yet in 'frontend' section"},
           {fe3.c_str(),
            "parsing [e.cfg:4] : 'tcp-response' is an HAProxy keyword that borealis "
            "does not support yet in 'frontend' section"},
           {be1.c_str(),
            "parsing [e.cfg:3] : 'crt' is an HAProxy 'server' keyword that "
            "borealis does not support yet in 'backend' section"},
           {be2.c_str(),
            "parsing [e.cfg:3] : 'hash-type' is an HAProxy keyword that borealis "
            "does not support yet in 'backend' section"},
           {"global\n  daemon\n",
            "parsing [e.cfg:2] : 'daemon' is an HAProxy keyword that "
            "borealis does not support yet in 'global' section"},
           {"global\n  master-worker\n",
            "parsing [e.cfg:2] : 'master-worker' is an HAProxy "
            "keyword that borealis does not support yet in "
            "'global' section"},
           {"global\n  tune.bufsize 32768\n",
            "parsing [e.cfg:2] : 'tune.bufsize' is an HAProxy "
            "keyword that borealis does not support yet in "
            "'global' section"},
           {"global\n  ssl-default-bind-options no-sslv3\n",
            "parsing [e.cfg:2] : 'ssl-default-bind-options' is an HAProxy keyword that borealis "
            "does not support yet in 'global' section"},
           {"defaults\n  mode health\n",
            "parsing [e.cfg:2] : 'mode health' is an HAProxy keyword "
            "that borealis does not support yet in 'defaults' "
            "section"},
           {"defaults\n  mode pgsql\n", "parsing [e.cfg:2] : unknown proxy mode 'pgsql'."},
           {"defaults\n  timeout tarpit 5s\n",
            "parsing [e.cfg:2] : 'timeout tarpit' is an HAProxy keyword that borealis "
            "does not support yet in 'defaults' section"},
           {"defaults\n  clitimeout 5000\n",
            "parsing [e.cfg:2] : 'clitimeout' is an HAProxy "
            "keyword that borealis does not support yet in "
            "'defaults' section"},
           {"defaults\n  option tcp-check\n",
            "parsing [e.cfg:2] : 'option tcp-check' is an "
            "HAProxy keyword that borealis does not support "
            "yet in 'defaults' section"},
           {"defaults\n  balance static-rr\n",
            "parsing [e.cfg:2] : 'balance static-rr' is an "
            "HAProxy keyword that borealis does not support "
            "yet in 'defaults' section"},
           {"defaults\n  default-server check\n",
            "parsing [e.cfg:2] : 'default-server' is an HAProxy keyword that borealis does not "
            "support yet in 'defaults' section"},
           {"frontend fe\n  bind :3306 ssl crt /x.pem\n",
            "parsing [e.cfg:2] : frontend 'fe' : 'ssl' on a 'bind' needs 'mode mysql' (TLS "
            "termination in mode tcp is not supported yet)."},
           {"backend be\n  server s 10.0.0.2:3306 ssl verify none\n",
            "parsing [e.cfg:2] : backend 'be', server 's' : 'ssl' on a 'server' needs 'mode "
            "mysql' (MySQL starts TLS inside its handshake)."},
           {"frontend fe\n  mode mysql\n  bind :3306 ssl\n",
            "parsing [e.cfg:3] : 'bind :3306' : 'ssl' needs a certificate: 'crt FILE'."},
           {"frontend fe\n  mode mysql\n  bind :3306 crt /x.pem\n",
            "parsing [e.cfg:3] : 'bind :3306' : 'crt' only applies with 'ssl'."},
           {"frontend fe\n  bind :3306 ca-file /x.pem\n",
            "parsing [e.cfg:2] : 'ca-file' is an HAProxy 'bind' keyword that borealis does not "
            "support yet in 'frontend' section"},
           {"frontend fe\n  bind :3306-3310\n",
            "parsing [e.cfg:2] : port ranges in 'bind' are "
            "an HAProxy feature that borealis does not "
            "support yet in 'frontend' section"},
           {"global\n  log ring@buf local0\n",
            "parsing [e.cfg:2] : 'ring@' log targets are an "
            "HAProxy feature that borealis does not support "
            "yet in 'global' section"},
           {"userlist admins\n  user a password x\n",
            "parsing [e.cfg:1] : 'userlist' is an HAProxy section that borealis does not "
            "support yet"},
           {".if defined(X)\n",
            "parsing [e.cfg:1] : '.if' directives are an HAProxy feature "
            "that borealis does not support yet"},
           {"global\n  maxconn 1\n.if defined(X)\n",
            "parsing [e.cfg:3] : '.if' directives are an HAProxy feature that borealis does not "
            "support yet in 'global' section"},
       }) {
    check(c);
  }
}

TEST(ConfigErrors, UnsupportedSectionSkipsItsLinesOnly) {
  const auto result = parse_text("peers p\n  peer a 1.2.3.4:1\nglobal\n  foo\n", "e.cfg");
  ASSERT_EQ(result.diagnostics.size(), 2u) << all_text(result);
  EXPECT_EQ(result.diagnostics[1].text(),
            "parsing [e.cfg:4] : unknown keyword 'foo' in 'global' section");
}

TEST(ConfigErrors, BadValues) {
  const std::string be1 = backend_with("  server s2 10.0.0.2:3306 weight 257");
  const std::string be2 = backend_with("  server s2 10.0.0.2:3306 inter soon");
  const std::string be3 = backend_with("  server s2 10.0.0.2:3306 bogus 1");
  const std::string be4 = backend_with("  server s2 10.0.0.2");
  const std::string be5 = backend_with("  server s 10.0.0.2:1");
  for (const Case& c : std::initializer_list<Case>{
           {"defaults\n  timeout client abc\n",
            "parsing [e.cfg:2] : 'timeout client' expects an integer value with a unit (us, ms, "
            "s, m, h, d), got 'abc'."},
           {"defaults\n  timeout connect 25d\n",
            "parsing [e.cfg:2] : timer overflow in argument '25d' to 'timeout connect', maximum "
            "value is 2147483647 ms (~24.8 days)."},
           {"defaults\n  timeout connect\n",
            "parsing [e.cfg:2] : 'timeout connect' expects a "
            "delay with a unit (us, ms, s, m, h, d)."},
           {"defaults\n  timeout sever 1s\n",
            "parsing [e.cfg:2] : 'timeout' supports 'client', 'server', 'connect', 'check', "
            "'queue', 'tunnel', 'client-fin', 'server-fin', 'http-request', 'http-keep-alive' "
            "and 'release' (got 'sever')."},
           {"defaults\n  retries many\n",
            "parsing [e.cfg:2] : 'retries' expects an integer "
            "between 0 and 2147483647, got 'many'."},
           {"defaults\n  retries 3 4\n",
            "parsing [e.cfg:2] : 'retries' cannot handle unexpected "
            "argument '4'."},
           {"global\n  nbthread 0\n",
            "parsing [e.cfg:2] : 'nbthread' expects an integer between "
            "1 and 4096, got '0'."},
           {"global\n  log /dev/log local9\n",
            "parsing [e.cfg:2] : 'log' : unknown log facility "
            "'local9'."},
           {"global\n  log /dev/log local0 verbose\n",
            "parsing [e.cfg:2] : 'log' : unknown optional log level 'verbose'."},
           {"global\n  log logs.example.com local0\n",
            "parsing [e.cfg:2] : 'log' : 'logs.example.com' is a host name; borealis needs an IP "
            "address for a log server (names are not supported yet)."},
           {"defaults\n  balance random-ish\n",
            "parsing [e.cfg:2] : 'balance' supports 'roundrobin', 'leastconn', 'first' and "
            "'source' (got 'random-ish')."},
           {be1.c_str(),
            "parsing [e.cfg:3] : 'weight' expects an integer between 0 and 256, got "
            "'257'."},
           {be2.c_str(),
            "parsing [e.cfg:3] : 'inter' expects an integer value with a unit (us, "
            "ms, s, m, h, d), got 'soon'."},
           {be3.c_str(), "parsing [e.cfg:3] : 'server s2' unknown keyword 'bogus'."},
           {be4.c_str(),
            "parsing [e.cfg:3] : 'server s2' : '10.0.0.2' has no port; borealis "
            "needs an explicit server port (port-less servers are not supported "
            "yet)."},
           {be5.c_str(),
            "parsing [e.cfg:3] : backend 'be' : server name 's' is already used at "
            "e.cfg:2."},
           {"frontend fe\n  bind 10.0.0.1\n",
            "parsing [e.cfg:2] : 'bind' : missing port number: "
            "'10.0.0.1'."},
           {"frontend fe\n  bind :3306 reuse\n",
            "parsing [e.cfg:2] : 'bind :3306' unknown "
            "keyword 'reuse'."},
           {"resolvers r\n  nameserver ns dns.local:53\n",
            "parsing [e.cfg:2] : 'nameserver ns' : borealis needs an IP address with an optional "
            "port, got 'dns.local:53'."},
           {"resolvers r\n  accepted_payload_size 100\n",
            "parsing [e.cfg:2] : 'accepted_payload_size' expects an integer between 512 and "
            "65535, got '100'."},
           {"resolvers r\n  hold forever 1s\n",
            "parsing [e.cfg:2] : 'hold' expects 'nx', 'other', 'refused', 'timeout', 'valid' or "
            "'obsolete', got 'forever'."},
       }) {
    check(c);
  }
}

TEST(ConfigErrors, WrongSection) {
  const std::string fe1 = frontend_with("  server s 10.0.0.1:3306");
  const std::string fe2 = frontend_with("  retries 2");
  const std::string be1 = backend_with("  bind :3306");
  const std::string be2 = backend_with("  timeout client 1s");
  for (const Case& c : std::initializer_list<Case>{
           {fe1.c_str(), "parsing [e.cfg:4] : 'server' is not allowed in 'frontend' section."},
           {be1.c_str(), "parsing [e.cfg:3] : 'bind' is not allowed in 'backend' section."},
           {"defaults\n  bind :3306\n",
            "parsing [e.cfg:2] : 'bind' is not allowed in 'defaults' "
            "section."},
           {"defaults\n  server-template s 3 db:1\n",
            "parsing [e.cfg:2] : 'server-template' is not allowed in 'defaults' section."},
           {"global\n  log global\n",
            "parsing [e.cfg:2] : 'log global' is only allowed in "
            "'defaults', 'frontend', 'listen' and 'backend' sections."},
           // HAProxy ignores these with a warning, so shared snippets still load.
           {fe2.c_str(),
            "parsing [e.cfg:4] : 'retries' ignored because frontend 'fe' has no "
            "backend capability.",
            false},
           {be2.c_str(),
            "parsing [e.cfg:3] : 'timeout client' ignored because backend 'be' has "
            "no frontend capability.",
            false},
       }) {
    check(c);
  }
}

TEST(ConfigErrors, Validation) {
  for (const Case& c : std::initializer_list<Case>{
           {"frontend fe\n  bind :1\n  default_backend nope\n",
            "parsing [e.cfg:3] : frontend 'fe' : unable to find required default_backend: "
            "'nope'."},
           {"frontend fe\n  bind :1\n  default_backend fe2\nfrontend fe2\n  bind :2\n",
            "parsing [e.cfg:3] : frontend 'fe' : unable to find required default_backend: "
            "'fe2'."},
           {"backend be\n  server s db:3306 resolvers mydns\n",
            "parsing [e.cfg:2] : backend 'be', server 's': unable to find required resolvers "
            "'mydns'."},
           {"frontend fe\n  default_backend be\nbackend be\n  server s 10.0.0.1:1\n",
            "parsing [e.cfg:1] : frontend 'fe' has no 'bind' directive. Please declare it as a "
            "backend if this was intended."},
           {"backend be\n",
            "parsing [e.cfg:1] : backend 'be' has no server; connections to it "
            "will fail.",
            false},
           {"resolvers r\n  hold valid 1s\n",
            "parsing [e.cfg:1] : resolvers 'r' has no 'nameserver' and no 'parse-resolv-conf'; it "
            "cannot resolve anything."},
       }) {
    check(c);
  }
}

TEST(ConfigErrors, DefaultBackendFromDefaultsIsCheckedPerFrontend) {
  const auto result = parse_text(
      "defaults\n  default_backend gone\nfrontend a\n  bind :1\nfrontend b\n  bind :2\n", "e.cfg");
  ASSERT_EQ(result.diagnostics.size(), 2u) << all_text(result);
  EXPECT_EQ(result.diagnostics[1].text(),
            "parsing [e.cfg:2] : frontend 'b' : unable to find required default_backend: "
            "'gone'.");
}

TEST(ConfigErrors, ErrorsDoNotStopTheRestOfTheFile) {
  const auto result = parse_text("global\n  foo\n  maxconn 7\n  bar\n", "e.cfg");
  EXPECT_EQ(result.diagnostics.size(), 2u);
  EXPECT_EQ(result.config.global.maxconn, 7);
}

}  // namespace
}  // namespace borealis::config

#include <gtest/gtest.h>

#include <regex>

#include "logging/logger.hpp"
#include "logging/tcplog.hpp"

using namespace borealis;

TEST(Tcplog, HasHAProxysFields) {
  logging::SessionRecord record;
  record.client_address = "192.0.2.1";
  record.client_port = 40000;
  record.accepted_at = core::WallClock::now();
  record.frontend = "aurora-proxy";
  record.backend = "site-backend";
  record.server = "aurora-sl";
  record.queue_ms = 0;
  record.connect_ms = 1;
  record.total_ms = 5012;
  record.bytes_to_client = 1234;
  record.active_process = 3;
  record.active_frontend = 2;
  record.active_backend = 1;
  std::string line = logging::format_tcplog(record);
  std::regex shape(
      R"(192\.0\.2\.1:40000 \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] aurora-proxy )"
      R"(site-backend/aurora-sl 0/1/5012 1234 -- 3/2/1/0/0 0/0)");
  EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

TEST(Tcplog, UnconnectedSessionShowsNoServer) {
  logging::SessionRecord record;
  record.client_address = "::1";
  record.frontend = "f";
  record.backend = "b";
  record.termination = {logging::TerminationCause::server_abort, logging::TerminationStep::connect};
  std::string line = logging::format_tcplog(record);
  EXPECT_NE(line.find(" b/<NOSRV> -1/-1/0 0 SC "), std::string::npos) << line;
}

TEST(Tcplog, MysqlModeAppendsTheUserAndHandshakeStates) {
  logging::SessionRecord record;
  record.client_address = "192.0.2.1";
  record.frontend = "f";
  record.backend = "b";
  record.mysql_user = "app";
  EXPECT_TRUE(logging::format_tcplog(record).ends_with(" 0/0 {app}"))
      << logging::format_tcplog(record);
  record.termination = {logging::TerminationCause::client_timeout,
                        logging::TerminationStep::request};
  EXPECT_NE(logging::format_tcplog(record).find(" cR "), std::string::npos);
  record.termination = {logging::TerminationCause::client_abort, logging::TerminationStep::request};
  EXPECT_NE(logging::format_tcplog(record).find(" CR "), std::string::npos);
  record.mysql_user.clear();
  EXPECT_TRUE(logging::format_tcplog(record).ends_with(" 0/0"));
}

TEST(LogLine, Rfc3164HeaderCarriesPriority) {
  config::LogTarget target;
  target.facility = 16;  // local0
  std::string line = logging::format_log_line(target, logging::Level::info, "hello");
  std::regex shape(R"(<134>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d borealis\[\d+\]: hello\n)");
  EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

TEST(LogLine, RawIsTheMessageAlone) {
  config::LogTarget target;
  target.format = config::LogTarget::Format::raw;
  EXPECT_EQ(logging::format_log_line(target, logging::Level::err, "x y"), "x y\n");
}

TEST(LogLine, LongLinesAreCutAtLen) {
  config::LogTarget target;
  target.format = config::LogTarget::Format::raw;
  target.max_length = 10;
  EXPECT_EQ(logging::format_log_line(target, logging::Level::err, std::string(50, 'a')),
            std::string(9, 'a') + "\n");
}

TEST(LogLine, Rfc5424HasVersionAndTimestamp) {
  config::LogTarget target;
  target.format = config::LogTarget::Format::rfc5424;
  target.facility = 3;
  std::string line = logging::format_log_line(target, logging::Level::notice, "m");
  std::regex shape(R"(<29>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} - borealis \d+ - - m\n)");
  EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

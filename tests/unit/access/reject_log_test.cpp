// RejectLog: one line per source per second, a ceiling for all sources.
#include "access/reject_log.hpp"

#include <gtest/gtest.h>

namespace borealis::access {
namespace {

using namespace std::chrono_literals;

asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

TEST(RejectLog, OneLinePerSourcePerSecondWithTheCountOfTheRest) {
  core::ManualClock clock;
  RejectLog log(clock);
  EXPECT_TRUE(log.admit(ip("10.0.0.1")).log);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(log.admit(ip("10.0.0.1")).log);
  // Another source is not held back by the first.
  EXPECT_TRUE(log.admit(ip("10.0.0.2")).log);
  clock.advance(1s);
  auto next = log.admit(ip("10.0.0.1"));
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.unlogged, 5u);
  EXPECT_EQ(log.refused(), 8u);
}

TEST(RejectLog, ManySourcesHitTheCeiling) {
  core::ManualClock clock;
  RejectLog log(clock);
  int lines = 0;
  for (int i = 0; i < 1000; ++i) {
    auto address = asio::ip::address_v4(0x0A000000u + static_cast<std::uint32_t>(i));
    if (log.admit(address).log) ++lines;
  }
  EXPECT_EQ(lines, static_cast<int>(RejectLog::kLinesPerSecond));
  EXPECT_EQ(log.refused(), 1000u);
  clock.advance(1s);
  EXPECT_TRUE(log.admit(ip("192.0.2.1")).log);
}

TEST(RejectLog, IPv6SourcesAreTrackedToo) {
  core::ManualClock clock;
  RejectLog log(clock);
  EXPECT_TRUE(log.admit(ip("2001:db8::1")).log);
  EXPECT_FALSE(log.admit(ip("2001:db8::1")).log);
  EXPECT_TRUE(log.admit(ip("2001:db8::2")).log);
}

}  // namespace
}  // namespace borealis::access

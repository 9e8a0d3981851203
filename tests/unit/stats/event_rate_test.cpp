// Events per second: the last whole second's count, and the most in one.
#include "stats/event_rate.hpp"

#include <gtest/gtest.h>

namespace borealis::stats {
namespace {

using namespace std::chrono_literals;

TEST(EventRate, CountsTheLastWholeSecondAndTheBusiest) {
  EventRate rate;
  const core::SteadyTime t0 = core::SteadyTime{} + 100s;
  EXPECT_EQ(rate.read(t0).last_second, 0u);
  for (int i = 0; i < 3; ++i) rate.count(t0 + 100ms * i);
  EXPECT_EQ(rate.read(t0 + 500ms).last_second, 0u);  // the second is not over
  EXPECT_EQ(rate.read(t0 + 1500ms).last_second, 3u);
  rate.count(t0 + 1200ms);
  EXPECT_EQ(rate.read(t0 + 1300ms).last_second, 3u);  // the second before, whole
  EXPECT_EQ(rate.read(t0 + 2100ms).last_second, 1u);
  EXPECT_EQ(rate.read(t0 + 3100ms).last_second, 0u);  // a second without any
  rate.count(t0 + 5s);
  EXPECT_EQ(rate.read(t0 + 5500ms).last_second, 0u);  // the second before had none
  const RateReading reading = rate.read(t0 + 6s);
  EXPECT_EQ(reading.last_second, 1u);
  EXPECT_EQ(reading.max, 3u);
}

}  // namespace
}  // namespace borealis::stats

// A duration averaged as HAProxy's qtime/ctime/ttime: exact over the first
// values, then over a sliding window of 1,024; and the longest seen.
#include "stats/moving_average.hpp"

#include <gtest/gtest.h>

namespace borealis::stats {
namespace {

TEST(MovingAverage, ExactOverTheFirstValues) {
  MovingAverage average;
  EXPECT_EQ(average.average(), 0u);
  average.add(10);
  EXPECT_EQ(average.average(), 10u);
  average.add(20);
  average.add(30);
  EXPECT_EQ(average.average(), 20u);
  EXPECT_EQ(average.max(), 30u);
}

TEST(MovingAverage, FollowsNewValuesOnceTheWindowIsFull) {
  MovingAverage average;
  for (std::uint64_t i = 0; i < MovingAverage::kWindow; ++i) average.add(100);
  EXPECT_EQ(average.average(), 100u);
  for (std::uint64_t i = 0; i < 4 * MovingAverage::kWindow; ++i) average.add(10);
  EXPECT_LE(average.average(), 12u);  // the old values have all but gone
  EXPECT_GE(average.average(), 10u);
  EXPECT_EQ(average.max(), 100u);
}

}  // namespace
}  // namespace borealis::stats

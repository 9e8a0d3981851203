#include "serverless/memory_pressure.hpp"

#include <gtest/gtest.h>

namespace borealis::serverless {
namespace {

TEST(MemoryPressure, ShortBelowATenthAvailable) {
  EXPECT_TRUE(
      memory_is_short("MemTotal:       24000000 kB\nMemFree:  100 kB\n"
                      "MemAvailable:    2399999 kB\n"));
  EXPECT_FALSE(
      memory_is_short("MemTotal:       24000000 kB\nMemFree:  100 kB\n"
                      "MemAvailable:    2400000 kB\n"));
}

TEST(MemoryPressure, NotShortWhenTheTextDoesNotSay) {
  EXPECT_FALSE(memory_is_short(""));
  EXPECT_FALSE(memory_is_short("MemTotal: 1000 kB\n"));                   // no MemAvailable
  EXPECT_FALSE(memory_is_short("MemTotal: 0 kB\nMemAvailable: 0 kB\n"));  // nonsense
  EXPECT_FALSE(memory_is_short("MemTotalX: 1000 kB\nMemAvailable: 1 kB\n"));
  EXPECT_FALSE(memory_is_short("MemTotal: many kB\nMemAvailable: 1 kB\n"));
}

}  // namespace
}  // namespace borealis::serverless

#include "core/memory_return.hpp"

#include <gtest/gtest.h>

namespace borealis::core {
namespace {

TEST(MemoryReturn, TrimsOnceLoadHasClearlyFallen) {
  MemoryReturn memory;
  EXPECT_FALSE(memory.should_trim(0));
  EXPECT_FALSE(memory.should_trim(10000));
  EXPECT_FALSE(memory.should_trim(6000));  // more than half remains
  EXPECT_TRUE(memory.should_trim(4000));
  EXPECT_FALSE(memory.should_trim(4000));  // the mark starts again from 4000
  EXPECT_TRUE(memory.should_trim(0));
}

TEST(MemoryReturn, SmallDropsAreNotWorthATrim) {
  MemoryReturn memory;
  EXPECT_FALSE(memory.should_trim(200));
  EXPECT_FALSE(memory.should_trim(0));  // 200 ended: fewer than worthwhile
  EXPECT_FALSE(memory.should_trim(300));
  EXPECT_TRUE(memory.should_trim(0));  // the mark is 300
}

}  // namespace
}  // namespace borealis::core

#include "backend/continuity_counters.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace borealis::backend {
namespace {

TEST(ContinuityCountersTest, StartsAtZeroAndSaysNothingHappened) {
  const ContinuityCounters counters;
  const ContinuityCounts counts = counters.read();
  EXPECT_FALSE(counts.any());
  EXPECT_EQ(counts.restored, 0u);
}

TEST(ContinuityCountersTest, EachEventHasItsOwnCounter) {
  ContinuityCounters counters;
  counters.count_release();
  counters.count_release();
  counters.count_restore();
  counters.count_failed_restore();
  counters.count_refusal();
  counters.count_unknown_fate();
  counters.count_busy_retry();
  counters.count_busy_retry();
  counters.count_busy_retry();
  const ContinuityCounts counts = counters.read();
  EXPECT_TRUE(counts.any());
  EXPECT_EQ(counts.released, 2u);
  EXPECT_EQ(counts.restored, 1u);
  EXPECT_EQ(counts.not_restored, 1u);
  EXPECT_EQ(counts.refused, 1u);
  EXPECT_EQ(counts.fate_unknown, 1u);
  EXPECT_EQ(counts.busy_retries, 3u);
  EXPECT_EQ(counts.describe(),
            "2 server connection(s) given back while idle, 1 session(s) restored, 1 not "
            "restored, 1 command(s) refused (what the session held was lost), 1 command(s) of "
            "unknown fate, 3 login(s) asked again after 'Too many connections'");
}

// Workers of every thread count into the same counters: none is lost.
TEST(ContinuityCountersTest, CountsFromManyThreadsAddUp) {
  ContinuityCounters counters;
  std::vector<std::thread> workers;
  for (int worker = 0; worker < 4; ++worker)
    workers.emplace_back([&counters] {
      for (int i = 0; i < 10000; ++i) counters.count_restore();
    });
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(counters.read().restored, 40000u);
}

}  // namespace
}  // namespace borealis::backend

#include "frontend/connect_budget.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace borealis::frontend {
namespace {

using std::chrono::milliseconds;
const core::SteadyTime kStart{};

// Refused attempts from kStart, each at `now` advanced by the pause before
// it, until the budget is spent: the pauses.
std::vector<long> pauses_until_spent(ConnectBudget& budget) {
  std::vector<long> pauses;
  auto now = kStart;
  budget.attempt_starts(now);
  while (auto pause = budget.pause_after_failure(now)) {
    pauses.push_back(pause->count());
    now += *pause;
    budget.attempt_starts(now);
  }
  return pauses;
}

TEST(ConnectBudget, RefusalsAreRetriedWithGrowingPausesUntilTheTimeIsSpent) {
  // `timeout connect 3s`, `retries 3`: 12 s in all, as four timed-out attempts.
  ConnectBudget budget(milliseconds(3000), 3);
  auto pauses = pauses_until_spent(budget);
  std::vector<long> expected{50, 100, 200, 400, 800};
  expected.insert(expected.end(), 10, 1000);
  EXPECT_EQ(pauses, expected);
  long total = 0;
  for (auto pause : pauses) total += pause;
  EXPECT_LT(total, 12000);
  EXPECT_EQ(budget.failures(), static_cast<int>(pauses.size()) + 1);
  EXPECT_EQ(budget.deadline(), kStart + milliseconds(12000));
}

TEST(ConnectBudget, TheBudgetStartsAtTheFirstAttemptNotBefore) {
  // A session that waited 20 s in the queue or for its database to resume
  // still has its whole budget when it first connects.
  ConnectBudget budget(milliseconds(3000), 3);
  EXPECT_EQ(budget.deadline(), std::nullopt);
  const auto first = kStart + milliseconds(20000);
  budget.attempt_starts(first);
  EXPECT_EQ(budget.pause_after_failure(first), milliseconds(50));
  budget.attempt_starts(first + milliseconds(50));  // later attempts move nothing
  EXPECT_EQ(budget.deadline(), first + milliseconds(12000));
}

TEST(ConnectBudget, PausesNeverExceedTimeoutConnect) {
  ConnectBudget budget(milliseconds(300), 2);
  EXPECT_EQ(pauses_until_spent(budget), (std::vector<long>{50, 100, 200, 300}));
}

TEST(ConnectBudget, TimedOutAttemptsSpendTheBudgetInRetriesPlusOne) {
  // Attempts that each time out: one at 0, 3, 6 and 9 s, and no fifth.
  ConnectBudget budget(milliseconds(3000), 3);
  budget.attempt_starts(kStart);
  int attempts = 1;
  for (auto now = kStart + milliseconds(3000); budget.pause_after_failure(now);
       now += milliseconds(3000)) {
    budget.attempt_starts(now);
    ++attempts;
  }
  EXPECT_EQ(attempts, 4);
}

TEST(ConnectBudget, RetriesZeroMeansOneAttempt) {
  ConnectBudget budget(milliseconds(3000), 0);
  budget.attempt_starts(kStart);
  EXPECT_FALSE(budget.pause_after_failure(kStart));
  EXPECT_EQ(budget.failures(), 1);
}

TEST(ConnectBudget, WithoutTimeoutConnectEachAttemptIsWorthTheTurnAround) {
  ConnectBudget budget(std::nullopt, 3);
  EXPECT_EQ(pauses_until_spent(budget), (std::vector<long>{50, 100, 200, 400, 800, 1000, 1000}));
  EXPECT_EQ(budget.deadline(), kStart + milliseconds(4000));
}

// Jitter: each pause lengthened by up to a quarter (never past the longest
// pause), differently for different sessions, so clients refused together
// do not retry together.
TEST(ConnectBudget, JitterLengthensEachPauseByUpToAQuarter) {
  const std::vector<long> plain{50, 100, 200, 400, 800};
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    ConnectBudget budget(milliseconds(3000), 3, seed);
    auto pauses = pauses_until_spent(budget);
    ASSERT_GE(pauses.size(), plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      EXPECT_GE(pauses[i], plain[i]) << "seed " << seed << " pause " << i;
      EXPECT_LE(pauses[i], plain[i] + plain[i] / 4) << "seed " << seed << " pause " << i;
    }
    for (std::size_t i = plain.size(); i < pauses.size(); ++i)
      EXPECT_EQ(pauses[i], 1000) << "capped at the turn-around; seed " << seed;
    long total = 0;
    for (auto pause : pauses) total += pause;
    EXPECT_LT(total, 12000);
  }
}

TEST(ConnectBudget, SessionsWithDifferentSeedsPauseDifferently) {
  std::set<std::vector<long>> schedules;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    ConnectBudget budget(milliseconds(3000), 3, seed);
    schedules.insert(pauses_until_spent(budget));
  }
  EXPECT_GE(schedules.size(), 15u);
}

}  // namespace
}  // namespace borealis::frontend

#include "frontend/connect_budget.hpp"

#include <gtest/gtest.h>

namespace borealis::frontend {
namespace {

using std::chrono::milliseconds;
const core::SteadyTime kStart{};

// Pauses after each refusal at `now` advanced by the pause, until spent.
std::vector<long> pauses_until_spent(ConnectBudget& budget) {
  std::vector<long> pauses;
  auto now = kStart;
  while (auto pause = budget.pause_after_failure(now)) {
    pauses.push_back(pause->count());
    now += *pause;
  }
  return pauses;
}

TEST(ConnectBudget, RefusalsAreRetriedWithGrowingPausesUntilTheTimeIsSpent) {
  // `timeout connect 3s`, `retries 3`: 12 s in all, as four timed-out attempts.
  ConnectBudget budget(kStart, milliseconds(3000), 3);
  EXPECT_EQ(budget.deadline(), kStart + milliseconds(12000));
  auto pauses = pauses_until_spent(budget);
  std::vector<long> expected{50, 100, 200, 400, 800};
  expected.insert(expected.end(), 10, 1000);
  EXPECT_EQ(pauses, expected);
  long total = 0;
  for (auto pause : pauses) total += pause;
  EXPECT_LT(total, 12000);
  EXPECT_EQ(budget.failures(), static_cast<int>(pauses.size()) + 1);
}

TEST(ConnectBudget, PausesNeverExceedTimeoutConnect) {
  ConnectBudget budget(kStart, milliseconds(300), 2);
  EXPECT_EQ(pauses_until_spent(budget), (std::vector<long>{50, 100, 200, 300}));
}

TEST(ConnectBudget, TimedOutAttemptsSpendTheBudgetInRetriesPlusOne) {
  // Attempts that each time out: one at 0, 3, 6 and 9 s, and no fifth.
  ConnectBudget budget(kStart, milliseconds(3000), 3);
  int attempts = 1;
  for (auto now = kStart + milliseconds(3000); budget.pause_after_failure(now);
       now += milliseconds(3000))
    ++attempts;
  EXPECT_EQ(attempts, 4);
}

TEST(ConnectBudget, RetriesZeroMeansOneAttempt) {
  ConnectBudget budget(kStart, milliseconds(3000), 0);
  EXPECT_FALSE(budget.pause_after_failure(kStart));
  EXPECT_EQ(budget.failures(), 1);
}

TEST(ConnectBudget, WithoutTimeoutConnectEachAttemptIsWorthTheTurnAround) {
  ConnectBudget budget(kStart, std::nullopt, 3);
  EXPECT_EQ(budget.deadline(), kStart + milliseconds(4000));
  EXPECT_EQ(pauses_until_spent(budget), (std::vector<long>{50, 100, 200, 400, 800, 1000, 1000}));
}

}  // namespace
}  // namespace borealis::frontend

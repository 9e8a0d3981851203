// A server's history: when it last changed, and how long it was unusable
// in all, counted from the changes the control plane notes.
#include "backend/server_history.hpp"

#include <gtest/gtest.h>

namespace borealis::backend {
namespace {

using namespace std::chrono_literals;

TEST(ServerHistory, DowntimeAddsEveryUnusablePeriod) {
  ServerHistory history;
  const core::SteadyTime t0{};
  history.note_usable(true, t0);  // no change: it starts usable
  EXPECT_EQ(history.total_downtime(t0 + 1s), 0ns);
  history.note_usable(false, t0 + 10s);
  EXPECT_EQ(history.last_change, t0 + 10s);
  history.note_usable(false, t0 + 12s);  // still down: not a change
  EXPECT_EQ(history.last_change, t0 + 10s);
  EXPECT_EQ(history.total_downtime(t0 + 13s), 3s);
  history.note_usable(true, t0 + 15s);
  EXPECT_EQ(history.total_downtime(t0 + 100s), 5s);
  history.note_usable(false, t0 + 200s);
  history.note_usable(true, t0 + 201s);
  EXPECT_EQ(history.total_downtime(t0 + 300s), 6s);
  EXPECT_EQ(history.last_change, t0 + 201s);
}

}  // namespace
}  // namespace borealis::backend

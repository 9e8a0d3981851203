// The scaling policy alone: samples in, decisions out, one second apart.
#include "serverless/scaling_policy.hpp"

#include <gtest/gtest.h>

namespace borealis::serverless {
namespace {

// 0.5 cores, 50 connections and 256 MiB per ACU; scale-down-delay 15 s.
config::Database database(double min, double max) {
  config::Database db;
  db.capacity_min = min;
  db.capacity_max = max;
  db.acu.memory_bytes = 256ull << 20;
  db.acu.cpu = 0.5;
  db.acu.connections = 50;
  db.scale_down_delay = std::chrono::seconds(15);
  return db;
}

// A second with a client connected and nothing running.
LoadSample quiet() { return LoadSample{}; }

// A second with nothing running, `seconds` after the last client left.
LoadSample without_sessions(double seconds) {
  LoadSample sample;
  sample.seconds_without_sessions = seconds;
  return sample;
}

// A second of load using `cores` of CPU at `capacity`.
LoadSample using_cores(double cores, double capacity) {
  LoadSample sample = quiet();
  sample.cpu_share_used = cores / (0.5 * capacity);
  return sample;
}

// Feeds `seconds` one-second samples; returns the capacity after them.
double run(ScalingPolicy& policy, double capacity, int seconds, const LoadSample& sample) {
  for (int i = 0; i < seconds; ++i) capacity = policy.decide(capacity, sample, 1).capacity;
  return capacity;
}

TEST(ScalingPolicy, HighCpuDoublesAtOnceCappedAtMax) {
  auto db = database(0, 3);
  ScalingPolicy policy(db);
  LoadSample busy;
  busy.cpu_share_used = 0.95;
  auto decision = policy.decide(1, busy, 1);
  EXPECT_DOUBLE_EQ(decision.capacity, 2);
  EXPECT_EQ(decision.reason, "cpu 95% of 1 ACU");
  EXPECT_DOUBLE_EQ(policy.decide(2, busy, 1).capacity, 3);
  EXPECT_DOUBLE_EQ(policy.decide(3, busy, 1).capacity, 3);
}

TEST(ScalingPolicy, ConnectionPressureScalesUp) {
  auto db = database(0.5, 8);
  ScalingPolicy policy(db);
  LoadSample crowded;
  crowded.connections = 22;
  crowded.max_connections = 25;
  auto decision = policy.decide(0.5, crowded, 1);
  EXPECT_DOUBLE_EQ(decision.capacity, 1);
  EXPECT_EQ(decision.reason, "connections 22 of 25");
}

TEST(ScalingPolicy, BufferPoolMissesScaleUpOnlyWithEnoughReads) {
  auto db = database(0.5, 8);
  ScalingPolicy policy(db);
  LoadSample missing;
  missing.buffer_pool_miss_ratio = 0.2;
  missing.buffer_pool_requests = 10;
  EXPECT_DOUBLE_EQ(policy.decide(1, missing, 1).capacity, 1);
  missing.buffer_pool_requests = 5000;
  EXPECT_DOUBLE_EQ(policy.decide(1, missing, 1).capacity, 2);
}

TEST(ScalingPolicy, NeedsComeFromEverySignalWithHeadroom) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  // 0.6 cores at half load: 1.2 cores, 2.4 ACU, 2.5 on the grid.
  EXPECT_DOUBLE_EQ(policy.needed_for(4, using_cores(0.6, 4)), 2.5);
  LoadSample threads;
  threads.threads_running = 3;  // one per core: 6 ACU
  EXPECT_DOUBLE_EQ(policy.needed_for(8, threads), 6);
  LoadSample connections;
  connections.connections = 60;  // at half of 50 per ACU: 2.4, so 2.5
  EXPECT_DOUBLE_EQ(policy.needed_for(4, connections), 2.5);
  EXPECT_DOUBLE_EQ(policy.needed_for(4, quiet()), 0.5);  // idle: the least
  // A pool that misses too often does not shrink.
  LoadSample misses;
  misses.buffer_pool_requests = 5000;
  misses.buffer_pool_miss_ratio = 0.005;
  EXPECT_DOUBLE_EQ(policy.needed_for(4, misses), 4);
}

// The figures: the first step within 30 s of the load falling,
// what the remaining load needs within 2 minutes.
TEST(ScalingPolicy, DownAsFastAsLoadFalls) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  double capacity = 4;
  const LoadSample light = using_cores(0.1, 4);  // needs 0.5 ACU
  capacity = run(policy, capacity, 14, light);
  EXPECT_DOUBLE_EQ(capacity, 4);
  auto first = policy.decide(capacity, light, 1);  // 15 s
  EXPECT_DOUBLE_EQ(first.capacity, 2);             // at most halving
  EXPECT_EQ(first.reason, "load needs 0.5 ACU for 15s");
  capacity = first.capacity;
  // (The same cores at the new capacity are a larger share.)
  capacity = run(policy, capacity, 15, using_cores(0.1, capacity));
  EXPECT_DOUBLE_EQ(capacity, 1);
  capacity = run(policy, capacity, 15, using_cores(0.1, capacity));
  EXPECT_DOUBLE_EQ(capacity, 0.5);  // 45 s after the load fell
}

TEST(ScalingPolicy, StepsDownToWhatTheRemainingLoadNeeds) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  double capacity = run(policy, 4, 15, using_cores(0.6, 4));  // needs 2.5
  EXPECT_DOUBLE_EQ(capacity, 2.5);
  capacity = run(policy, capacity, 60, using_cores(0.6, capacity));
  EXPECT_DOUBLE_EQ(capacity, 2.5);  // and stays
}

// The target is the most the load needed over the delay: one busy second
// in it keeps the capacity that second needed.
TEST(ScalingPolicy, TheBusiestSecondOfTheDelayCounts) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  double capacity = run(policy, 4, 7, using_cores(0.1, 4));
  capacity = run(policy, capacity, 1, using_cores(0.9, 4));  // needs 3.6: 4
  EXPECT_DOUBLE_EQ(capacity, 4);
  capacity = run(policy, capacity, 7, using_cores(0.7, 4));  // needs 2.8: 3
  capacity = run(policy, capacity, 15, using_cores(0.7, 4));
  EXPECT_DOUBLE_EQ(capacity, 3);
}

// After a step down, the load that was there does not scale straight back
// up: it sits at half of what scales up.
TEST(ScalingPolicy, NoStepThatTheSameLoadUndoes) {
  auto db = database(0, 8);
  for (double cores : {0.05, 0.3, 0.7, 1.1, 1.6, 1.7}) {  // up to 7 ACU needed
    ScalingPolicy policy(db);
    double capacity = 8;
    for (int second = 0; second < 300; ++second) {
      auto decision = policy.decide(capacity, using_cores(cores, capacity), 1);
      ASSERT_LE(decision.capacity, capacity) << cores << " cores, second " << second;
      capacity = decision.capacity;
    }
    EXPECT_LT(capacity, 8) << cores << " cores";
  }
}

TEST(ScalingPolicy, AStepDownThatLoadUndoesIsNotTakenAgainForAWhile) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  double capacity = run(policy, 4, 15, quiet());
  ASSERT_DOUBLE_EQ(capacity, 2);
  // At 2 ACU the buffer pool is too small: misses scale it back up.
  LoadSample missing = quiet();
  missing.buffer_pool_requests = 5000;
  missing.buffer_pool_miss_ratio = 0.05;
  auto up = policy.decide(capacity, missing, 1);
  EXPECT_DOUBLE_EQ(up.capacity, 4);
  EXPECT_EQ(up.reason,
            "buffer pool misses 5.0%; the step down from 4 ACU was too far: not again for 10 min");
  capacity = run(policy, up.capacity, 599, quiet());
  EXPECT_DOUBLE_EQ(capacity, 4);
  capacity = run(policy, capacity, 16, quiet());
  EXPECT_DOUBLE_EQ(capacity, 2);
}

TEST(ScalingPolicy, NeverBelowTheMinimumOrHalfAnAcu) {
  auto db = database(1, 4);
  ScalingPolicy policy(db);
  EXPECT_DOUBLE_EQ(run(policy, 1, 100, quiet()), 1);
  auto zero = database(0, 4);
  ScalingPolicy floor_policy(zero);
  EXPECT_DOUBLE_EQ(run(floor_policy, 0.5, 100, quiet()), 0.5);
}

TEST(ScalingPolicy, LoadThatNeedsTheCapacityResetsTheDelay) {
  auto db = database(0.5, 8);
  ScalingPolicy policy(db);
  double capacity = run(policy, 2, 14, quiet());
  capacity = run(policy, capacity, 1, using_cores(0.5, 2));  // needs 2
  EXPECT_DOUBLE_EQ(capacity, 2);
  EXPECT_DOUBLE_EQ(run(policy, capacity, 14, quiet()), 2);
  EXPECT_DOUBLE_EQ(run(policy, capacity, 15, quiet()), 1);
}

TEST(ScalingPolicy, WithoutClientSessionsWhatTheLoadNeedsInOneStep) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  EXPECT_DOUBLE_EQ(policy.decide(4, without_sessions(1), 1).capacity, 4);
  auto drop = policy.decide(4, without_sessions(2), 1);
  EXPECT_DOUBLE_EQ(drop.capacity, 0.5);
  EXPECT_EQ(drop.reason, "no client session for 2s");
  // Something still runs without clients (0.5 cores: 2 ACU with headroom).
  ScalingPolicy busy(db);
  LoadSample background = using_cores(0.5, 8);
  background.seconds_without_sessions = 3;
  auto step = busy.decide(8, background, 1);
  EXPECT_DOUBLE_EQ(step.capacity, 2);
  EXPECT_EQ(step.reason, "no client session for 3s");
}

TEST(ScalingPolicy, WithoutClientSessionsForAShorterScaleDownDelay) {
  auto db = database(1, 8);
  db.scale_down_delay = std::chrono::seconds(1);
  ScalingPolicy policy(db);
  auto drop = policy.decide(8, without_sessions(1), 1);
  EXPECT_DOUBLE_EQ(drop.capacity, 1);
  EXPECT_EQ(drop.reason, "no client session for 1s");
  // With no delay at all, a client still connected is stepped down by
  // halves, not dropped to the minimum.
  db.scale_down_delay = std::chrono::seconds(0);
  ScalingPolicy connected(db);
  EXPECT_DOUBLE_EQ(connected.decide(8, quiet(), 1).capacity, 4);
}

// The load that comes back after a drop for want of clients, or after a
// pause, is new load: it scales up without learning a floor, and capacity
// comes down again after one delay.
TEST(ScalingPolicy, LoadAfterNoClientsIsNewLoad) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  double capacity = policy.decide(4, without_sessions(2), 1).capacity;
  ASSERT_DOUBLE_EQ(capacity, 0.5);
  auto up = policy.decide(capacity, using_cores(1, capacity), 1);
  EXPECT_DOUBLE_EQ(up.capacity, 1);
  EXPECT_EQ(up.reason, "cpu 400% of 0.5 ACU");
  EXPECT_DOUBLE_EQ(run(policy, 4, 15, quiet()), 2);
}

TEST(ScalingPolicy, APauseForgetsTheStepDown) {
  auto db = database(0, 8);
  ScalingPolicy policy(db);
  double capacity = run(policy, 4, 15, quiet());
  ASSERT_DOUBLE_EQ(capacity, 2);
  policy.forget_load();
  // Resumed at the minimum: the load that woke it doubles it, no more.
  auto up = policy.decide(0.5, using_cores(1, 0.5), 1);
  EXPECT_EQ(up.reason, "cpu 400% of 0.5 ACU");
  EXPECT_DOUBLE_EQ(run(policy, 4, 15, quiet()), 2);
}

}  // namespace
}  // namespace borealis::serverless

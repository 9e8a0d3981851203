#include "serverless/capacity.hpp"

#include <gtest/gtest.h>

using namespace borealis;
using serverless::LoadSample;
using serverless::ScalingPolicy;

namespace {
config::Database database(double min, double max) {
  config::Database db;
  db.capacity_min = min;
  db.capacity_max = max;
  db.acu.memory_bytes = 256ull << 20;
  db.acu.cpu = 0.5;
  db.acu.connections = 50;
  db.scale_down_delay = std::chrono::seconds(3);
  return db;
}
}  // namespace

TEST(Capacity, LimitsScaleWithAcu) {
  config::CapacityUnit acu;
  acu.memory_bytes = 256ull << 20;
  acu.cpu = 0.5;
  acu.connections = 50;
  auto half = serverless::limits_for(acu, 0.5);
  EXPECT_EQ(half.buffer_pool_bytes, 128ull << 20);
  EXPECT_EQ(half.max_connections, 25);
  EXPECT_DOUBLE_EQ(half.cpu_cores, 0.25);
  auto four = serverless::limits_for(acu, 4);
  EXPECT_EQ(four.buffer_pool_bytes, 1024ull << 20);
  EXPECT_EQ(four.max_connections, 200);
  EXPECT_DOUBLE_EQ(four.cpu_cores, 2);
}

TEST(Capacity, BufferPoolIsAWholeNumberOfChunks) {
  config::CapacityUnit acu;
  acu.memory_bytes = 256ull << 20;  // 16 chunks to half an ACU
  EXPECT_EQ(serverless::buffer_pool_chunk_bytes(acu), 8ull << 20);
  acu.memory_bytes = 100ull << 20;  // 50 MiB / 16, in whole MiB
  EXPECT_EQ(serverless::buffer_pool_chunk_bytes(acu), 3ull << 20);
  EXPECT_EQ(serverless::limits_for(acu, 1.5).buffer_pool_bytes, 3 * 16 * (3ull << 20));
  acu.memory_bytes = 1;  // never below one MiB a chunk
  EXPECT_EQ(serverless::buffer_pool_chunk_bytes(acu), 1ull << 20);
}

TEST(Capacity, AFrozenBufferPoolIsTheSmallestMariadbAccepts) {
  config::CapacityUnit acu;
  acu.memory_bytes = 256ull << 20;  // one 8 MiB chunk
  EXPECT_EQ(serverless::frozen_buffer_pool_bytes(acu), 8ull << 20);
  acu.memory_bytes = 1;  // 1 MiB chunks: two, MariaDB's least pool
  EXPECT_EQ(serverless::frozen_buffer_pool_bytes(acu), 2ull << 20);
  acu.memory_bytes = 100ull << 20;  // 3 MiB chunks: one
  EXPECT_EQ(serverless::frozen_buffer_pool_bytes(acu), 3ull << 20);
}

TEST(Capacity, ConnectionsNeverBelowTen) {
  config::CapacityUnit acu;
  acu.connections = 4;
  EXPECT_EQ(serverless::limits_for(acu, 0.5).max_connections, 10);
}

TEST(Capacity, StartsAtTheMinimumButAtLeastHalfAnAcu) {
  EXPECT_DOUBLE_EQ(serverless::starting_capacity(database(0, 4)), 0.5);
  EXPECT_DOUBLE_EQ(serverless::starting_capacity(database(2, 4)), 2);
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

TEST(ScalingPolicy, StepsDownByHalfAnAcuAfterTheQuietDelay) {
  auto db = database(0.5, 8);
  ScalingPolicy policy(db);
  LoadSample idle;
  EXPECT_DOUBLE_EQ(policy.decide(2, idle, 1).capacity, 2);
  EXPECT_DOUBLE_EQ(policy.decide(2, idle, 1).capacity, 2);
  auto decision = policy.decide(2, idle, 1);
  EXPECT_DOUBLE_EQ(decision.capacity, 1.5);
  EXPECT_EQ(decision.reason, "load low for 3s");
  // The delay starts over after each step.
  EXPECT_DOUBLE_EQ(policy.decide(1.5, idle, 1).capacity, 1.5);
}

TEST(ScalingPolicy, NeverBelowTheMinimumOrHalfAnAcu) {
  auto db = database(1, 4);
  ScalingPolicy policy(db);
  LoadSample idle;
  for (int i = 0; i < 10; ++i) EXPECT_GE(policy.decide(1, idle, 1).capacity, 1);
  auto zero = database(0, 4);
  ScalingPolicy floor_policy(zero);
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(floor_policy.decide(0.5, idle, 1).capacity, 0.5);
}

TEST(ScalingPolicy, ModerateLoadResetsTheQuietTime) {
  auto db = database(0.5, 8);
  ScalingPolicy policy(db);
  LoadSample idle, moderate;
  moderate.cpu_share_used = 0.5;
  policy.decide(2, idle, 1);
  policy.decide(2, idle, 1);
  EXPECT_DOUBLE_EQ(policy.decide(2, moderate, 1).capacity, 2);
  EXPECT_DOUBLE_EQ(policy.decide(2, idle, 1).capacity, 2);
  EXPECT_DOUBLE_EQ(policy.decide(2, idle, 1).capacity, 2);
  EXPECT_DOUBLE_EQ(policy.decide(2, idle, 1).capacity, 1.5);
}

TEST(Capacity, FormatsAcuWithoutTrailingZeros) {
  EXPECT_EQ(serverless::format_acu(0.5), "0.5");
  EXPECT_EQ(serverless::format_acu(2), "2");
}

#include "serverless/capacity.hpp"

#include <gtest/gtest.h>

using namespace borealis;

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

TEST(Capacity, FormatsAcuWithoutTrailingZeros) {
  EXPECT_EQ(serverless::format_acu(0.5), "0.5");
  EXPECT_EQ(serverless::format_acu(2), "2");
}

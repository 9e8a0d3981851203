#include "backend/server_health.hpp"

#include <gtest/gtest.h>

using borealis::backend::ServerHealth;
using Change = ServerHealth::Change;

TEST(ServerHealth, StartsUpAndFallsAfterFallFailures) {
  ServerHealth health(2, 3);
  EXPECT_TRUE(health.is_up());
  EXPECT_EQ(health.on_failure(), Change::none);
  EXPECT_EQ(health.on_failure(), Change::none);
  EXPECT_EQ(health.on_failure(), Change::went_down);
  EXPECT_FALSE(health.is_up());
}

TEST(ServerHealth, ASuccessResetsTheFailureCount) {
  ServerHealth health(2, 3);
  health.on_failure();
  health.on_failure();
  EXPECT_EQ(health.on_success(), Change::none);
  EXPECT_EQ(health.on_failure(), Change::none);
  EXPECT_EQ(health.on_failure(), Change::none);
  EXPECT_TRUE(health.is_up());
}

TEST(ServerHealth, ComesBackAfterRiseSuccesses) {
  ServerHealth health(2, 1);
  EXPECT_EQ(health.on_failure(), Change::went_down);
  EXPECT_EQ(health.on_success(), Change::none);
  EXPECT_FALSE(health.is_up());
  EXPECT_EQ(health.on_success(), Change::went_up);
  EXPECT_TRUE(health.is_up());
}

TEST(ServerHealth, AFailureWhileRisingStartsOver) {
  ServerHealth health(3, 1);
  health.on_failure();
  health.on_success();
  health.on_success();
  EXPECT_EQ(health.on_failure(), Change::none);
  EXPECT_EQ(health.on_success(), Change::none);
  EXPECT_EQ(health.on_success(), Change::none);
  EXPECT_EQ(health.on_success(), Change::went_up);
}

TEST(ServerHealth, IntervalFollowsInterFastinterDowninter) {
  borealis::config::Server server;
  server.inter = std::chrono::milliseconds(1000);
  server.fastinter = std::chrono::milliseconds(100);
  server.downinter = std::chrono::milliseconds(5000);
  ServerHealth health(2, 2);
  EXPECT_EQ(health.next_interval(server), server.inter);
  health.on_failure();
  EXPECT_EQ(health.next_interval(server), *server.fastinter);
  health.on_failure();
  EXPECT_EQ(health.next_interval(server), *server.downinter);
  health.on_success();
  EXPECT_EQ(health.next_interval(server), *server.fastinter);
}

TEST(ServerHealth, UnsetFastinterAndDowninterUseInter) {
  borealis::config::Server server;
  server.inter = std::chrono::milliseconds(700);
  ServerHealth health(1, 1);
  health.on_failure();
  EXPECT_EQ(health.next_interval(server), server.inter);
}

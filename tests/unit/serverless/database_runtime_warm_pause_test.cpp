// Warm pauses: compute frozen in place after `auto-pause`, thawed for the
// next client, stopped after `auto-pause-deep` or when memory runs short.
#include <gtest/gtest.h>

#include "serverless/runtime_fixture.hpp"

namespace borealis::serverless {
namespace {

using namespace std::chrono_literals;

class WarmPauseTest : public testing::RuntimeTest {
 protected:
  WarmPauseTest() { database_.auto_pause_deep = config::Duration(3600000); }

  void run_to_frozen() {
    run_to_running();
    engine_->freezable = true;
    advance(300s);
    ASSERT_EQ(state(), DatabaseState::frozen);
  }
};

TEST_F(WarmPauseTest, IdleComputeIsFrozenNotStopped) {
  run_to_frozen();
  EXPECT_EQ(engine_->count("freeze"), 1);
  EXPECT_EQ(engine_->count("stop"), 0);
  EXPECT_TRUE(engine_->frozen);
  EXPECT_EQ(engine_->running_instances, 1);
}

TEST_F(WarmPauseTest, AClientThawsItWithoutAStart) {
  run_to_frozen();
  DatabaseGate::Use session(*gate_);
  resume();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_FALSE(engine_->frozen);
  EXPECT_EQ(engine_->count("thaw"), 1);
  EXPECT_EQ(engine_->count("start"), 1);  // the first start only
  // Compute grows back a second later: growing would stall the first
  // queries.
  EXPECT_EQ(engine_->count("warm_up"), 0);
  advance(999ms);
  EXPECT_EQ(engine_->count("warm_up"), 0);
  advance(1ms);
  EXPECT_EQ(engine_->count("warm_up 0.5"), 1);
  advance(10s);
  EXPECT_EQ(engine_->count("warm_up"), 1);
}

// With `auto-pause` under a second, compute may be due to freeze again when
// it is due to grow back: it freezes, and does not grow, then or after.
TEST_F(WarmPauseTest, APauseDueWithTheGrowthSkipsIt) {
  database_.auto_pause = config::Duration(500);
  run_to_running();
  engine_->freezable = true;
  advance(500ms);
  ASSERT_EQ(state(), DatabaseState::frozen);
  {
    DatabaseGate::Use session(*gate_);
    resume();
  }
  advance(1s);  // the next look: idle 1 s, and the growth due
  EXPECT_EQ(state(), DatabaseState::frozen);
  EXPECT_EQ(engine_->count("freeze"), 2);
  advance(10s);
  EXPECT_EQ(engine_->count("warm_up"), 0);
}

TEST_F(WarmPauseTest, ABurstIsLetInThenComputeGrowsForIt) {
  run_to_frozen();
  std::vector<std::unique_ptr<DatabaseGate::Use>> sessions;
  for (int i = 0; i < 60; ++i) sessions.push_back(std::make_unique<DatabaseGate::Use>(*gate_));
  resume();
  EXPECT_EQ(state(), DatabaseState::running);
  // 60 clients at 50 connections per ACU, one kept by borealis: 1.5 ACU.
  EXPECT_EQ(engine_->count("warm_up 1.5"), 1);
  EXPECT_EQ(runtime_->capacity(), 1.5);
}

// Like a deep resume, from the starting capacity: frozen at 2 ACU, one
// client is served at 0.5, and compute comes down to it a second later.
TEST_F(WarmPauseTest, ResumesAtTheStartingCapacityNotTheFrozenOne) {
  // Frozen before any step down (without clients, one comes after 2 s).
  database_.auto_pause = config::Duration(1000);
  run_to_running();
  engine_->freezable = true;
  {
    DatabaseGate::Use busy_client(*gate_);
    LoadSample busy;
    busy.cpu_share_used = 0.95;
    engine_->load = busy;
    advance(1s);
    advance(1s);
    ASSERT_EQ(runtime_->capacity(), 2);
    engine_->load = LoadSample{};
  }
  advance(1s);
  ASSERT_EQ(state(), DatabaseState::frozen);
  ASSERT_EQ(runtime_->capacity(), 2);
  DatabaseGate::Use session(*gate_);
  resume();
  EXPECT_EQ(runtime_->capacity(), 0.5);
  EXPECT_EQ(gate_->view()->max_connections, 24);  // 0.5 ACU's 25, less borealis's own
  advance(1s);
  EXPECT_EQ(engine_->count("warm_up 0.5"), 1);
}

TEST_F(WarmPauseTest, TurnsDeepAfterAutoPauseDeepWithoutClients) {
  run_to_frozen();
  advance(3299s);  // 3,599 s idle
  EXPECT_EQ(state(), DatabaseState::frozen);
  advance(1s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->running_instances, 0);
  // The next client starts compute again.
  resume();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("start"), 2);
}

TEST_F(WarmPauseTest, TurnsDeepWhenTheHostIsShortOfMemory) {
  run_to_frozen();
  memory_short_ = true;
  advance(5s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("stop"), 1);
}

TEST_F(WarmPauseTest, ShortOfMemoryAtThePausePausesDeepAtOnce) {
  run_to_running();
  engine_->freezable = true;
  memory_short_ = true;
  advance(300s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("freeze"), 0);
}

TEST_F(WarmPauseTest, NoWarmPauseWhenAutoPauseDeepIsNotLonger) {
  database_.auto_pause_deep = config::Duration(300000);
  run_to_running();
  engine_->freezable = true;
  advance(300s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("freeze"), 0);
}

TEST_F(WarmPauseTest, OffStaysWarmUntilMemoryRunsShort) {
  database_.auto_pause_deep.reset();
  run_to_frozen();
  for (int hour = 0; hour < 24; ++hour) advance(3600s);
  EXPECT_EQ(state(), DatabaseState::frozen);
  memory_short_ = true;
  advance(5s);
  EXPECT_EQ(state(), DatabaseState::paused);
}

TEST_F(WarmPauseTest, AClientArrivingDuringTheFreezeCallsItOff) {
  run_to_running();
  engine_->freezable = true;
  engine_->hold_freeze = true;
  advance(300s);
  EXPECT_EQ(state(), DatabaseState::pausing);
  DatabaseGate::Use session(*gate_);
  engine_->release_freeze();
  settle();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_FALSE(engine_->frozen);
  EXPECT_EQ(engine_->count("stop"), 0);
}

// SIGTERM while a freeze writes out dirty pages: the freeze is called off
// at its next step and compute stopped, not frozen first.
TEST_F(WarmPauseTest, AStopDuringTheFreezeCallsItOff) {
  run_to_running();
  engine_->freezable = true;
  engine_->hold_freeze = true;
  advance(300s);
  ASSERT_EQ(state(), DatabaseState::pausing);
  shut_down();
  EXPECT_FALSE(shut_down_done_);
  engine_->release_freeze();
  settle();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("frozen"), 0);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->running_instances, 0);
}

TEST_F(WarmPauseTest, AFailedFreezeStopsCompute) {
  run_to_running();
  engine_->freezable = true;
  engine_->freeze_error = "no";
  advance(300s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->running_instances, 0);
}

TEST_F(WarmPauseTest, AFailedThawStartsComputeAgain) {
  run_to_frozen();
  engine_->thaw_error = "gone";
  DatabaseGate::Use session(*gate_);
  resume();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->count("start"), 2);
  EXPECT_LE(engine_->max_running_instances, 1);
}

TEST_F(WarmPauseTest, ComputeThatDiesWhileFrozenIsPausedDeep) {
  run_to_frozen();
  engine_->crash = ExitStatus{0, 9, {}};
  advance(5s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("start"), 1);  // nothing restarts it before a client
}

TEST_F(WarmPauseTest, StoppingBorealisStopsFrozenCompute) {
  run_to_frozen();
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->running_instances, 0);
}

// A warm pause is no compute: its memory is reported apart.
TEST_F(WarmPauseTest, FrozenTimeCountsMemoryNotAcu) {
  run_to_frozen();  // 300 s running at 0.5 ACU
  advance(100s);    // frozen, 100 MiB resident
  shut_down();
  EXPECT_NEAR(runtime_->acu_seconds(), 150.0, 0.01);
  EXPECT_NEAR(runtime_->frozen_mib_seconds(), 100.0 * 100, 1);
}

}  // namespace
}  // namespace borealis::serverless

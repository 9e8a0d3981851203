// DatabaseRuntime's state machine, state by state, with a fake engine and a
// manual clock: no test here waits for real time to pass.
#include "serverless/database_runtime.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "serverless/runtime_fixture.hpp"

namespace borealis::serverless {
namespace {

using namespace std::chrono_literals;
using testing::FakeEngine;
using testing::RuntimeTest;

TEST_F(RuntimeTest, MinimumZeroStartsPausedAndResumesOnRequest) {
  create();
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_TRUE(engine_->calls.empty());
  resume();
  EXPECT_EQ(state(), DatabaseState::running);
  ASSERT_EQ(engine_->calls, std::vector<std::string>{"start 0.5"});
  EXPECT_EQ(gate_->view()->max_connections, 24);  // 0.5 ACU x 50, one for borealis
}

TEST_F(RuntimeTest, PositiveMinimumStartsAtOnce) {
  database_.capacity_min = 1;
  create();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->calls, std::vector<std::string>{"start 1"});
}

TEST_F(RuntimeTest, PausesAfterAutoPauseNotBefore) {
  run_to_running();
  advance(299s);
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("stop"), 0);
  advance(1s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("stop"), 1);
}

TEST_F(RuntimeTest, OpenSessionKeepsDatabaseAwake) {
  run_to_running();
  DatabaseGate::Use session(*gate_);
  for (int i = 0; i < 20; ++i) advance(60s);
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("stop"), 0);
}

TEST_F(RuntimeTest, IdleTimeCountsFromLastSessionEndEvenBetweenSamples) {
  run_to_running();
  advance(250s);
  {
    // A short connection that begins and ends between two looks.
    DatabaseGate::Use session(*gate_);
  }
  advance(100s);  // 350 s since start, 100 s since the session ended
  EXPECT_EQ(state(), DatabaseState::running);
  advance(199s);
  EXPECT_EQ(state(), DatabaseState::running);
  advance(1s);
  EXPECT_EQ(state(), DatabaseState::paused);
}

TEST_F(RuntimeTest, ResumeWhilePausingRestartsAfterTheStop) {
  run_to_running();
  engine_->hold_stop = true;
  advance(300s);
  EXPECT_EQ(state(), DatabaseState::pausing);
  DatabaseGate::Use session(*gate_);
  resume();
  EXPECT_EQ(state(), DatabaseState::pausing);  // the stop finishes first
  engine_->release_stop();
  settle();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("start"), 2);
  EXPECT_LE(engine_->max_running_instances, 1);
}

TEST_F(RuntimeTest, BurstResumesAtACapacityThatFitsTheWaitingClients) {
  create();
  std::vector<std::unique_ptr<DatabaseGate::Use>> sessions;
  for (int i = 0; i < 60; ++i) sessions.push_back(std::make_unique<DatabaseGate::Use>(*gate_));
  resume();
  ASSERT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->calls, std::vector<std::string>{"start 1.5"});
  EXPECT_GE(gate_->view()->max_connections, 60);
}

TEST_F(RuntimeTest, ClientsArrivingDuringTheStartAreFittedBeforeRunning) {
  create();
  engine_->hold_start = true;
  DatabaseGate::Use first(*gate_);
  resume();
  ASSERT_EQ(state(), DatabaseState::resuming);
  std::vector<std::unique_ptr<DatabaseGate::Use>> sessions;
  for (int i = 0; i < 59; ++i) sessions.push_back(std::make_unique<DatabaseGate::Use>(*gate_));
  engine_->release_start();
  settle();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->calls, (std::vector<std::string>{"start 0.5", "resize 1.5"}));
  EXPECT_GE(gate_->view()->max_connections, 60);
}

TEST_F(RuntimeTest, BurstBeyondMaximumIsCappedAtMaximum) {
  database_.capacity_max = 1;
  create();
  std::vector<std::unique_ptr<DatabaseGate::Use>> sessions;
  for (int i = 0; i < 200; ++i) sessions.push_back(std::make_unique<DatabaseGate::Use>(*gate_));
  resume();
  EXPECT_EQ(engine_->calls, std::vector<std::string>{"start 1"});
}

TEST_F(RuntimeTest, CrashWhileRunningRestarts) {
  run_to_running();
  engine_->crash = ExitStatus{0, 9, {}};
  advance(1s);
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("start"), 2);
  // A crash is not a failed start: held clients keep waiting for the restart.
  EXPECT_EQ(gate_->view()->failures, 0u);
}

TEST_F(RuntimeTest, FailedStartBacksOffBeforeRetrying) {
  create();
  engine_->start_error = "boom";
  DatabaseGate::Use session(*gate_);
  resume();
  EXPECT_EQ(state(), DatabaseState::failed);
  EXPECT_EQ(gate_->view()->failures, 1u);
  engine_->start_error.clear();
  resume();
  advance(400ms);
  EXPECT_EQ(engine_->count("start"), 1);  // 500 ms backoff not over
  advance(200ms);
  EXPECT_EQ(engine_->count("start"), 2);
  EXPECT_EQ(state(), DatabaseState::running);
}

TEST_F(RuntimeTest, WaitingClientsRaiseCapacity) {
  run_to_running();
  DatabaseGate::Use holder(*gate_);
  // Every slot taken, one more client waiting for one.
  std::vector<std::unique_ptr<DatabaseGate::Use>> sessions;
  for (int i = 0; i < 24; ++i) {
    sessions.push_back(std::make_unique<DatabaseGate::Use>(*gate_));
    ASSERT_TRUE(sessions.back()->try_take_slot(gate_->view()->max_connections));
  }
  auto waiter = std::make_unique<DatabaseGate::Use>(*gate_);
  EXPECT_FALSE(waiter->try_take_slot(gate_->view()->max_connections));
  bool woken = false;
  asio::co_spawn(context_, waiter->wait(core::SteadyClock::now() + 60s),
                 [&](std::exception_ptr) { woken = true; });
  settle();
  EXPECT_EQ(gate_->held(), 1);
  advance(1s);  // the next sample
  EXPECT_EQ(engine_->count("resize 1"), 1);
  EXPECT_TRUE(woken);  // the publish of the new capacity woke it
  EXPECT_TRUE(waiter->try_take_slot(gate_->view()->max_connections));
}

TEST_F(RuntimeTest, NeverScalesDownBelowTheConnectionsInUse) {
  database_.capacity_min = 2;  // starts at 2 ACU, 99 client connections
  database_.capacity_max = 4;
  database_.scale_down_delay = config::Duration(0);
  create();
  ASSERT_EQ(state(), DatabaseState::running);
  std::vector<std::unique_ptr<DatabaseGate::Use>> sessions;
  for (int i = 0; i < 60; ++i) {
    sessions.push_back(std::make_unique<DatabaseGate::Use>(*gate_));
    ASSERT_TRUE(sessions.back()->try_take_slot(gate_->view()->max_connections));
  }
  runtime_->set_capacity_bounds({0.5, 4});  // allow going down
  engine_->load = LoadSample{};             // the engine reports no load at all
  for (int i = 0; i < 30; ++i) advance(1s);
  // 60 connections need 1.5 ACU (74 slots): not less.
  EXPECT_EQ(runtime_->capacity(), 1.5);
  EXPECT_GE(gate_->view()->max_connections, 60);
  sessions.clear();
  for (int i = 0; i < 30; ++i) advance(1s);
  EXPECT_EQ(runtime_->capacity(), 0.5);
}

// The gateway's own sessions say whether clients are there: with one
// connected and idle, capacity comes down a step per delay; with none for
// 2 s (counted from the last one's end), to the minimum at once.
TEST_F(RuntimeTest, WithoutClientSessionsCapacityDropsToTheMinimum) {
  database_.capacity_min = 0.5;
  database_.capacity_max = 8;
  database_.auto_pause.reset();
  database_.scale_down_delay = config::Duration(15000);
  create();
  LoadSample busy;
  busy.cpu_share_used = 0.95;
  engine_->load = busy;
  for (int i = 0; i < 4; ++i) advance(1s);
  ASSERT_EQ(runtime_->capacity(), 8);
  engine_->load = LoadSample{};
  {
    DatabaseGate::Use session(*gate_);
    for (int i = 0; i < 15; ++i) advance(1s);
    EXPECT_EQ(runtime_->capacity(), 4);  // halved after scale-down-delay
  }
  advance(1s);
  EXPECT_EQ(runtime_->capacity(), 4);
  advance(1s);
  EXPECT_EQ(runtime_->capacity(), 0.5);
  EXPECT_EQ(engine_->count("resize 0.5"), 1);
}

// Stop in every state: shut_down() completes, and compute that may run is
// stopped exactly once.
TEST_F(RuntimeTest, StopWhilePaused) {
  create();
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 0);
  EXPECT_EQ(state(), DatabaseState::stopped);
}

TEST_F(RuntimeTest, StopWhileRunning) {
  run_to_running();
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->running_instances, 0);
}

TEST_F(RuntimeTest, StopWhileStartingAbandonsTheStartThenStopsIt) {
  create();
  engine_->hold_start = true;
  resume();
  EXPECT_EQ(state(), DatabaseState::resuming);
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("abandon"), 1);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(engine_->running_instances, 0);
  EXPECT_EQ(state(), DatabaseState::stopped);
}

TEST_F(RuntimeTest, StopWhilePausingWaitsForThePauseAndStopsOnce) {
  run_to_running();
  engine_->hold_stop = true;
  advance(300s);
  ASSERT_EQ(state(), DatabaseState::pausing);
  shut_down();
  EXPECT_FALSE(shut_down_done_);  // one owner: the pause finishes first
  engine_->release_stop();
  settle();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 1);
  EXPECT_EQ(state(), DatabaseState::stopped);
}

TEST_F(RuntimeTest, StopWhileFailed) {
  create();
  engine_->start_error = "boom";
  resume();
  ASSERT_EQ(state(), DatabaseState::failed);
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 0);
}

TEST_F(RuntimeTest, StopTwiceIsHarmless) {
  run_to_running();
  shut_down();
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 1);
}

TEST_F(RuntimeTest, AcuSecondsCountOnlyWhileComputeRuns) {
  create();
  advance(100s);  // paused: free
  resume();
  advance(10s);  // running at 0.5 ACU
  shut_down();
  EXPECT_NEAR(runtime_->acu_seconds(), 5.0, 0.01);
}

}  // namespace
}  // namespace borealis::serverless

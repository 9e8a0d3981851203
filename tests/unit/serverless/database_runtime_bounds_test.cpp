// Capacity bounds changed at runtime (`set database NAME capacity MIN
// MAX`): capacity moves inside them within a step, a minimum above 0
// resumes a paused database and keeps it running, a minimum of 0 lets
// auto-pause apply again.
#include <gtest/gtest.h>

#include "serverless/runtime_fixture.hpp"

namespace borealis::serverless::testing {
namespace {

TEST_F(RuntimeTest, LowerMaximumBringsCapacityDownWithinAStep) {
  run_to_running();
  LoadSample busy;
  busy.cpu_share_used = 0.95;
  engine_->load = busy;
  for (int i = 0; i < 4; ++i) advance(1s);
  ASSERT_EQ(runtime_->capacity(), 4);
  const int resized_to_1 = engine_->count("resize 1");
  runtime_->set_capacity_bounds({0, 1});
  advance(1s);
  EXPECT_EQ(runtime_->capacity(), 1);  // still busy: held at the new maximum
  EXPECT_EQ(engine_->count("resize 1"), resized_to_1 + 1);
  EXPECT_EQ(runtime_->report().capacity_max, 1);
  runtime_->set_capacity_bounds({0, 8});
  for (int i = 0; i < 4; ++i) advance(1s);
  EXPECT_EQ(runtime_->capacity(), 8);
}

TEST_F(RuntimeTest, HigherMinimumRaisesCapacity) {
  run_to_running();
  ASSERT_EQ(runtime_->capacity(), 0.5);
  runtime_->set_capacity_bounds({2, 4});
  advance(1s);
  EXPECT_EQ(runtime_->capacity(), 2);
  engine_->load = LoadSample{};
  for (int i = 0; i < 120; ++i) advance(1s);
  EXPECT_EQ(runtime_->capacity(), 2);  // never below the minimum
}

TEST_F(RuntimeTest, MinimumAboveZeroResumesAndKeepsItRunning) {
  create();
  ASSERT_EQ(state(), DatabaseState::paused);
  ASSERT_TRUE(gate_->auto_pause());
  runtime_->set_capacity_bounds({1, 4});
  settle();
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("start 1"), 1);
  EXPECT_FALSE(gate_->auto_pause());  // sessions no longer give their connection back for it
  EXPECT_FALSE(runtime_->request_pause());
  advance(std::chrono::milliseconds(*database_.auto_pause) + 10s);
  EXPECT_EQ(state(), DatabaseState::running);
  // Back to a minimum of 0: auto-pause applies again.
  runtime_->set_capacity_bounds({0, 4});
  EXPECT_EQ(gate_->auto_pause(), database_.auto_pause);
  advance(std::chrono::milliseconds(*database_.auto_pause) + 1s);
  EXPECT_EQ(state(), DatabaseState::paused);
}

}  // namespace
}  // namespace borealis::serverless::testing

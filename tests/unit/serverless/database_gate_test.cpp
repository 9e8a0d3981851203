// DatabaseGate: connection slots never exceed the published limit, a freed
// slot wakes a held session, a publish wakes every held session, and held
// sessions are counted for the accept loop's `maxqueue`.
#include "serverless/database_gate.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>

namespace borealis::serverless {
namespace {

using namespace std::chrono_literals;

class GateTest : public ::testing::Test {
 protected:
  void settle() {
    for (int round = 0; round < 20; ++round) {
      context_.restart();
      if (context_.poll() == 0) break;
    }
  }
  // Starts a held wait; `woken` turns true when it ends.
  void hold(DatabaseGate::Use& use, bool& woken, std::chrono::seconds limit = 60s) {
    asio::co_spawn(context_, use.wait(core::SteadyClock::now() + limit),
                   [&woken](std::exception_ptr) { woken = true; });
    settle();
  }

  asio::io_context context_;
  core::ManualClock clock_;
  DatabaseGate gate_{context_, "app", std::chrono::milliseconds(30000), 2, clock_};
};

TEST_F(GateTest, SlotsNeverExceedTheLimit) {
  DatabaseGate::Use a(gate_), b(gate_), c(gate_);
  EXPECT_TRUE(a.try_take_slot(2));
  EXPECT_TRUE(a.try_take_slot(2));  // a session holds at most one
  EXPECT_TRUE(b.try_take_slot(2));
  EXPECT_FALSE(c.try_take_slot(2));
  EXPECT_EQ(gate_.slots_in_use(), 2);
}

TEST_F(GateTest, FreedSlotWakesAHeldSession) {
  auto holder = std::make_unique<DatabaseGate::Use>(gate_);
  ASSERT_TRUE(holder->try_take_slot(1));
  DatabaseGate::Use waiter(gate_);
  ASSERT_FALSE(waiter.try_take_slot(1));
  bool woken = false;
  hold(waiter, woken);
  EXPECT_FALSE(woken);
  EXPECT_EQ(gate_.held(), 1);
  holder.reset();
  settle();
  EXPECT_TRUE(woken);
  EXPECT_EQ(gate_.held(), 0);
  EXPECT_TRUE(waiter.try_take_slot(1));
}

TEST_F(GateTest, PublishWakesEveryHeldSession) {
  DatabaseGate::Use a(gate_), b(gate_);
  bool a_woken = false, b_woken = false;
  hold(a, a_woken);
  hold(b, b_woken);
  EXPECT_TRUE(gate_.queue_full());  // maxqueue 2
  gate_.publish({DatabaseState::running, {}, 0, 10});
  settle();
  EXPECT_TRUE(a_woken);
  EXPECT_TRUE(b_woken);
  EXPECT_FALSE(gate_.queue_full());
}

TEST_F(GateTest, ConnectionsOnTheirWayCountInTheQueue) {
  DatabaseGate::Use a(gate_);
  bool a_woken = false;
  hold(a, a_woken);
  EXPECT_FALSE(gate_.queue_full());  // maxqueue 2: one held
  EXPECT_TRUE(gate_.queue_full(1));  // and one handed between workers
  EXPECT_FALSE(gate_.queue_full(0));
}

TEST_F(GateTest, SessionsCountAndLastEnd) {
  EXPECT_EQ(gate_.sessions(), 0);
  clock_.advance(5s);
  {
    DatabaseGate::Use a(gate_);
    EXPECT_EQ(gate_.sessions(), 1);
    clock_.advance(7s);
  }
  EXPECT_EQ(gate_.sessions(), 0);
  EXPECT_EQ(gate_.last_session_end(), clock_.now());
}

TEST_F(GateTest, ResumeRequestsCoalesce) {
  int calls = 0;
  gate_.set_resume_handler([&] { ++calls; });
  gate_.request_resume();
  gate_.request_resume();
  settle();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(gate_.take_resume_request());
  gate_.request_resume();
  settle();
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace borealis::serverless

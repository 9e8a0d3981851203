// DatabaseRuntime across a reload, with a fake engine and a manual clock:
// the old process holds its supervisor and hands over, then detaches or
// takes the database back; the new process adopts it in the state it was in.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>

#include "serverless/database_runtime.hpp"
#include "serverless/runtime_fixture.hpp"

namespace borealis::serverless {
namespace {

using namespace std::chrono_literals;
using testing::FakeEngine;
using testing::RuntimeTest;

class HandoverTest : public RuntimeTest {
 protected:
  ~HandoverTest() override {
    if (listener_ >= 0) ::close(listener_);
    if (client_ >= 0) ::close(client_);
  }

  // hold() as the runtime API runs it; `held_` is set once it answered.
  void hold() {
    answered_ = false;
    asio::co_spawn(context_, runtime_->hold(30s),
                   [this](std::exception_ptr, std::optional<DatabaseHandover> handover) {
                     answered_ = true;
                     held_ = std::move(handover);
                   });
    settle();
  }

  // The new process's runtime: adopted in `state` at `capacity`, then started.
  void adopt(DatabaseState state, double capacity, int listener = -1) {
    gate_ = std::make_unique<DatabaseGate>(context_, "app", std::chrono::milliseconds(30000),
                                           database_.maxqueue, clock_);
    auto engine = std::make_unique<FakeEngine>(context_);
    engine_ = engine.get();
    engine_->listener = listener;
    runtime_ = std::make_unique<DatabaseRuntime>(context_, database_, *gate_, std::move(engine),
                                                 logging::Logger(), clock_);
    DatabaseHandover handover;
    handover.name = "app";
    handover.state = state;
    handover.capacity = capacity;
    handover.engine.pid = state == DatabaseState::paused ? 0 : 4242;
    ASSERT_TRUE(runtime_->adopt(handover));
    runtime_->start();
    settle();
  }

  // A loopback listener, as the engine's client listener.
  int open_listener() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    listener_address_ = address;
    return listener_;
  }

  // A connection that waits in the listener's queue (nobody accepts it).
  void connect_to_listener() {
    client_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(client_, reinterpret_cast<sockaddr*>(&listener_address_),
                        sizeof(listener_address_)),
              0);
  }

  bool answered_ = false;
  std::optional<DatabaseHandover> held_;
  int listener_ = -1;
  int client_ = -1;
  sockaddr_in listener_address_{};
};

TEST_F(HandoverTest, HoldWaitsForATransitionToEndThenHandsOverItsState) {
  create();
  engine_->hold_start = true;
  resume();
  ASSERT_EQ(state(), DatabaseState::resuming);
  hold();
  EXPECT_FALSE(answered_);  // never in the middle of a start
  engine_->release_start();
  settle();
  ASSERT_TRUE(answered_);
  ASSERT_TRUE(held_);
  EXPECT_EQ(held_->name, "app");
  EXPECT_EQ(held_->state, DatabaseState::running);
  EXPECT_DOUBLE_EQ(held_->capacity, 0.5);
  EXPECT_EQ(held_->engine.pid, 4242);
}

TEST_F(HandoverTest, WhileHeldTheEngineIsLeftAloneAndAReleaseResumesSupervision) {
  run_to_running();
  hold();
  ASSERT_TRUE(held_);
  engine_->calls.clear();
  advance(400s);  // past auto-pause
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_TRUE(engine_->calls.empty());
  resume();  // a client meanwhile: it waits
  EXPECT_TRUE(engine_->calls.empty());

  runtime_->release_hold();  // the reload failed
  settle();
  advance(1s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("stop"), 1);
}

TEST_F(HandoverTest, ASecondHoldOrAHoldWhileStoppingIsRefused) {
  run_to_running();
  hold();
  ASSERT_TRUE(held_);
  hold();
  EXPECT_TRUE(answered_);
  EXPECT_FALSE(held_);
  runtime_->release_hold();
  settle();
  shut_down();
  hold();
  EXPECT_TRUE(answered_);
  EXPECT_FALSE(held_);
}

TEST_F(HandoverTest, DetachLeavesComputeRunningAndTheGateOpenToIt) {
  run_to_running();
  engine_->hold_start = false;
  hold();
  ASSERT_TRUE(held_);
  runtime_->detach();
  settle();
  EXPECT_TRUE(runtime_->detached());
  EXPECT_EQ(engine_->count("let_go"), 1);
  shut_down();
  EXPECT_TRUE(shut_down_done_);
  EXPECT_EQ(engine_->count("stop"), 0);
  EXPECT_EQ(state(), DatabaseState::running);  // what this process's sessions read
  EXPECT_EQ(gate_->view()->endpoint.port(), 3306);
}

TEST_F(HandoverTest, AnAdoptedDatabaseRunsOnWithoutAStart) {
  adopt(DatabaseState::running, 1.5);
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->calls, (std::vector<std::string>{"adopt 1.5", "took_over"}));
  EXPECT_EQ(gate_->view()->max_connections, 74);  // 1.5 ACU x 50, one for borealis
  advance(301s);
  EXPECT_EQ(state(), DatabaseState::paused);
  EXPECT_EQ(engine_->count("stop"), 1);
}

TEST_F(HandoverTest, TheOldProcesssConnectionsKeepAnAdoptedDatabaseFromPausing) {
  adopt(DatabaseState::running, 0.5);
  engine_->load = LoadSample{};
  engine_->load->connections = 2;  // relayed by the old process: not this one's sessions
  for (int i = 0; i < 10; ++i) advance(60s);
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("stop"), 0);
  engine_->load->connections = 0;  // they ended
  for (int i = 0; i < 6; ++i) advance(60s);
  EXPECT_EQ(state(), DatabaseState::paused);
}

TEST_F(HandoverTest, AConnectionWaitingInTheListenerQueueResumesAPausedDatabase) {
  adopt(DatabaseState::paused, 0.5, open_listener());
  EXPECT_EQ(state(), DatabaseState::paused);
  advance(60s);
  EXPECT_EQ(engine_->count("start"), 0);
  connect_to_listener();  // a session of the old process, reaching compute directly
  for (int i = 0; i < 100 && state() != DatabaseState::running; ++i) {
    settle();
    ::usleep(1000);
  }
  EXPECT_EQ(state(), DatabaseState::running);
  EXPECT_EQ(engine_->count("start"), 1);
}

TEST_F(HandoverTest, AnAdoptionThatNeverRanLetsGoInsteadOfStopping) {
  bool let_go = false;
  gate_ = std::make_unique<DatabaseGate>(context_, "app", std::chrono::milliseconds(30000),
                                         database_.maxqueue, clock_);
  auto engine = std::make_unique<FakeEngine>(context_);
  engine->let_go_seen = &let_go;
  auto runtime = std::make_unique<DatabaseRuntime>(context_, database_, *gate_, std::move(engine),
                                                   logging::Logger(), clock_);
  DatabaseHandover handover;
  handover.name = "app";
  handover.state = DatabaseState::running;
  handover.capacity = 1;
  ASSERT_TRUE(runtime->adopt(handover));
  runtime.reset();  // the reload failed after the adoption: the old process keeps it
  EXPECT_TRUE(let_go);
}

}  // namespace
}  // namespace borealis::serverless

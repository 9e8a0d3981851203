// The fixture of DatabaseRuntime's tests: a runtime over a fake engine and
// a manual clock, driven handler by handler (no test waits for real time).
#pragma once

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <memory>

#include "serverless/database_runtime.hpp"
#include "serverless/fake_engine.hpp"

namespace borealis::serverless::testing {

using namespace std::chrono_literals;

class RuntimeTest : public ::testing::Test {
 protected:
  RuntimeTest() {
    database_.name = "app";
    database_.capacity_min = 0;
    database_.capacity_max = 4;
    database_.auto_pause = config::Duration(300000);
    database_.scale_down_delay = config::Duration(60000);
  }

  void create() {
    gate_ = std::make_unique<DatabaseGate>(context_, "app", std::chrono::milliseconds(30000),
                                           database_.maxqueue, clock_);
    auto engine = std::make_unique<FakeEngine>(context_);
    engine_ = engine.get();
    runtime_ = std::make_unique<DatabaseRuntime>(context_, database_, *gate_, std::move(engine),
                                                 logging::Logger(), clock_);
    runtime_->set_memory_probe([this] { return memory_short_; });
    runtime_->start();
    settle();
  }

  // Runs every handler that is ready, including those they make ready.
  void settle() {
    for (int round = 0; round < 20; ++round) {
      context_.restart();
      if (context_.poll() == 0) break;
    }
  }
  void advance(std::chrono::milliseconds by) {
    clock_.advance(by);
    settle();
  }
  DatabaseState state() const { return gate_->view()->state; }

  void resume() {
    gate_->request_resume();
    settle();
  }

  void shut_down() {
    shut_down_done_ = false;
    asio::co_spawn(context_, runtime_->shut_down(),
                   [this](std::exception_ptr) { shut_down_done_ = true; });
    settle();
  }

  void run_to_running() {
    create();
    resume();
    ASSERT_EQ(state(), DatabaseState::running);
  }

  asio::io_context context_;
  core::ManualClock clock_;
  config::Database database_;
  std::unique_ptr<DatabaseGate> gate_;
  FakeEngine* engine_ = nullptr;
  std::unique_ptr<DatabaseRuntime> runtime_;
  bool shut_down_done_ = false;
  bool memory_short_ = false;  // what the runtime hears of the host's memory
};

}  // namespace borealis::serverless::testing

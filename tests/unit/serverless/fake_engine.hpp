// An Engine whose operations the test completes by hand: each call is
// recorded, and start/stop can be held until the test releases them, so the
// runtime can be caught in every state.
#pragma once

#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <string>
#include <vector>

#include "serverless/engine.hpp"

namespace borealis::serverless::testing {

class FakeEngine : public Engine {
 public:
  explicit FakeEngine(asio::io_context& context)
      : start_gate_(context), stop_gate_(context), freeze_gate_(context) {}

  // What the test decides.
  bool hold_start = false;
  bool hold_stop = false;
  std::string start_error;          // the next starts fail with it (empty: they succeed)
  std::optional<ExitStatus> crash;  // reported once by unexpected_exit()
  std::optional<LoadSample> load;   // what sample() reports (nullopt: cannot tell)
  // Warm pauses: whether it can freeze, holding a freeze (the runtime
  // is then `pausing`), and failures.
  bool freezable = false;
  bool hold_freeze = false;
  std::string freeze_error;
  std::string thaw_error;
  bool frozen = false;
  int listener = -1;            // what client_listener() says
  bool* let_go_seen = nullptr;  // set by let_go(), read after the engine is gone

  // What the runtime did.
  std::vector<std::string> calls;  // "start 0.5", "stop", "resize 1", "abandon"
  int running_instances = 0;       // started and not stopped: never above 1
  int max_running_instances = 0;

  void release_start() { start_gate_.cancel(); }
  void release_stop() { stop_gate_.cancel(); }
  void release_freeze() { freeze_gate_.cancel(); }
  int count(const std::string& prefix) const {
    int n = 0;
    for (const auto& call : calls) n += call.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

  core::Status prepare() override { return {}; }

  asio::awaitable<core::Status> start(double capacity) override {
    calls.push_back(fmt_capacity("start", capacity));
    abandoned_ = false;
    ++running_instances;
    max_running_instances = std::max(max_running_instances, running_instances);
    if (hold_start) co_await wait(start_gate_);
    if (abandoned_) co_return core::fail("abandoned");
    if (!start_error.empty()) {
      --running_instances;
      co_return core::fail(start_error);
    }
    co_return core::Status();
  }
  void abandon_start() override {
    abandoned_ = true;
    calls.push_back("abandon");
    start_gate_.cancel();
  }
  asio::awaitable<core::Status> stop() override {
    calls.push_back("stop");
    frozen = false;
    if (hold_stop) co_await wait(stop_gate_);
    running_instances = std::max(0, running_instances - 1);
    co_return core::Status();
  }
  asio::awaitable<core::Status> resize(double capacity) override {
    calls.push_back(fmt_capacity("resize", capacity));
    co_return core::Status();
  }
  asio::awaitable<std::optional<LoadSample>> sample(double, double) override { co_return load; }
  bool can_freeze() const override { return freezable; }
  asio::awaitable<FreezeOutcome> freeze(std::function<bool()> called_off) override {
    calls.push_back("freeze");
    if (hold_freeze) co_await wait(freeze_gate_);
    if (called_off()) co_return FreezeOutcome{FreezeOutcome::Kind::called_off, {}};
    if (!freeze_error.empty()) co_return FreezeOutcome{FreezeOutcome::Kind::failed, freeze_error};
    frozen = true;
    calls.push_back("frozen");
    co_return FreezeOutcome{FreezeOutcome::Kind::frozen, {}};
  }
  asio::awaitable<core::Status> thaw() override {
    calls.push_back("thaw");
    if (!thaw_error.empty()) co_return core::fail(thaw_error);
    frozen = false;
    co_return core::Status();
  }
  asio::awaitable<core::Status> warm_up(double capacity) override {
    calls.push_back(fmt_capacity("warm_up", capacity));
    co_return core::Status();
  }
  std::uint64_t frozen_resident_bytes() const override { return 100ull << 20; }
  std::optional<ExitStatus> unexpected_exit() override {
    if (!crash) return std::nullopt;
    auto exit = crash;
    crash.reset();
    running_instances = std::max(0, running_instances - 1);
    return exit;
  }
  asio::ip::tcp::endpoint endpoint() const override {
    return {asio::ip::address_v4::loopback(), 3306};
  }
  int reserved_connections() const override { return 1; }
  EngineHandover hand_over() const override {
    EngineHandover handover;
    handover.pid = 4242;
    handover.frozen = frozen;
    return handover;
  }
  void let_go() override {
    calls.push_back("let_go");
    if (let_go_seen) *let_go_seen = true;
  }
  core::Status adopt(EngineHandover handover, double capacity) override {
    calls.push_back(fmt_capacity("adopt", capacity));
    frozen = handover.frozen;
    running_instances = handover.pid > 0 ? 1 : 0;
    return {};
  }
  void took_over() override { calls.push_back("took_over"); }
  int client_listener() const override { return listener; }
  std::string credentials_hint() const override { return "fake"; }

 private:
  static std::string fmt_capacity(const char* what, double capacity) {
    char text[64];
    std::snprintf(text, sizeof(text), "%s %g", what, capacity);
    return text;
  }
  static asio::awaitable<void> wait(asio::steady_timer& gate) {
    gate.expires_at(asio::steady_timer::time_point::max());
    asio::error_code ignored;
    co_await gate.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  asio::steady_timer start_gate_;
  asio::steady_timer stop_gate_;
  asio::steady_timer freeze_gate_;
  bool abandoned_ = false;
};

}  // namespace borealis::serverless::testing

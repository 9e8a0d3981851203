// Clocks: one for timeouts and durations, one for wall-clock log stamps, and
// an injectable one for state machines, so that tests move time by hand
// instead of waiting for it.
#pragma once

#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <map>

namespace borealis::core {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;
using WallClock = std::chrono::system_clock;
using WallTime = WallClock::time_point;

inline long long elapsed_ms(SteadyTime from, SteadyTime to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// The time a state machine sees, and its alarms. now() may be read from any
// thread; arm()/disarm() only from the thread that owns the timers.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;
  // Makes `timer` complete at `deadline` of this clock (or earlier, when
  // cancelled). Call disarm() once its wait has completed.
  virtual void arm(asio::steady_timer& timer, SteadyTime deadline) = 0;
  virtual void disarm(asio::steady_timer& timer) = 0;
};

// The real steady clock. Stateless: one instance serves everyone.
class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return SteadyClock::now(); }
  void arm(asio::steady_timer& timer, SteadyTime deadline) override { timer.expires_at(deadline); }
  void disarm(asio::steady_timer&) override {}
};

SystemClock& system_clock();

// A clock that moves only when a test says so; armed timers complete (as
// cancelled) when advance() passes their deadline.
class ManualClock final : public Clock {
 public:
  SteadyTime now() const override { return now_.load(); }
  void arm(asio::steady_timer& timer, SteadyTime deadline) override;
  void disarm(asio::steady_timer& timer) override { armed_.erase(&timer); }
  void advance(std::chrono::nanoseconds by);

 private:
  std::atomic<SteadyTime> now_{SteadyTime{} + std::chrono::hours(1)};
  std::map<asio::steady_timer*, SteadyTime> armed_;
};

}  // namespace borealis::core

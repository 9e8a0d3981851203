#include "core/clock.hpp"

namespace borealis::core {

SystemClock& system_clock() {
  static SystemClock clock;
  return clock;
}

void ManualClock::arm(asio::steady_timer& timer, SteadyTime deadline) {
  // Due already: an expiry in the real past completes the wait at once.
  if (deadline <= now()) {
    timer.expires_at(SteadyTime{});
    return;
  }
  timer.expires_at(SteadyTime::max());
  armed_[&timer] = deadline;
}

void ManualClock::advance(std::chrono::nanoseconds by) {
  now_.store(now_.load() + by);
  for (auto it = armed_.begin(); it != armed_.end();) {
    if (it->second <= now()) {
      // Setting the expiry completes a wait in progress, and one that has
      // not started yet completes at once.
      it->first->expires_at(SteadyTime{});
      it = armed_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace borealis::core

// One clock for timeouts and durations, one for wall-clock log stamps.
#pragma once

#include <chrono>

namespace borealis::core {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;
using WallClock = std::chrono::system_clock;
using WallTime = WallClock::time_point;

inline long long elapsed_ms(SteadyTime from, SteadyTime to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace borealis::core

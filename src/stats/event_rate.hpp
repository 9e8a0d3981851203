// Events per second (new sessions, new connections) for `show stat`'s
// `rate`, `rate_max`, `conn_rate`, `conn_rate_max`: how many happened in
// the last whole second, and the most in any second. Every worker counts
// into the same one with relaxed atomics; a count that races with the turn
// of a second may land in either: they are figures for operators.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.hpp"

namespace borealis::stats {

struct RateReading {
  std::uint32_t last_second = 0;  // events in the last whole second
  std::uint32_t max = 0;          // the most in one second so far
};

class EventRate {
 public:
  void count(core::SteadyTime now);
  RateReading read(core::SteadyTime now) const;

 private:
  static std::uint64_t second_of(core::SteadyTime time);

  // The current second's number (high 32 bits) and its count (low 32).
  std::atomic<std::uint64_t> current_{0};
  std::atomic<std::uint32_t> previous_{0};  // the count of the second before current_'s
  std::atomic<std::uint32_t> max_{0};
};

}  // namespace borealis::stats

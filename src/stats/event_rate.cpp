#include "stats/event_rate.hpp"

#include <chrono>

namespace borealis::stats {
namespace {

constexpr std::uint64_t kCountMask = 0xffffffffu;

void raise_to(std::atomic<std::uint32_t>& max, std::uint32_t value) {
  std::uint32_t seen = max.load(std::memory_order_relaxed);
  while (value > seen && !max.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

// Seconds of the steady clock, from 1 (0 marks "no event yet").
std::uint64_t EventRate::second_of(core::SteadyTime time) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  return (static_cast<std::uint64_t>(seconds) + 1) & kCountMask;
}

void EventRate::count(core::SteadyTime now) {
  const std::uint64_t second = second_of(now);
  std::uint64_t seen = current_.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t seen_second = seen >> 32;
    const auto seen_count = static_cast<std::uint32_t>(seen & kCountMask);
    if (seen_second == second) {
      if (current_.compare_exchange_weak(seen, seen + 1, std::memory_order_relaxed)) {
        raise_to(max_, seen_count + 1);
        return;
      }
      continue;
    }
    if (seen_second > second) return;  // a racing worker's later second: this one is past
    if (current_.compare_exchange_weak(seen, (second << 32) | 1, std::memory_order_relaxed)) {
      previous_.store(seen_second + 1 == second ? seen_count : 0, std::memory_order_relaxed);
      raise_to(max_, 1);
      return;
    }
  }
}

RateReading EventRate::read(core::SteadyTime now) const {
  const std::uint64_t second = second_of(now);
  const std::uint64_t seen = current_.load(std::memory_order_relaxed);
  const std::uint64_t seen_second = seen >> 32;
  RateReading reading;
  reading.max = max_.load(std::memory_order_relaxed);
  if (seen_second == second)
    reading.last_second = previous_.load(std::memory_order_relaxed);
  else if (seen_second + 1 == second)
    reading.last_second = static_cast<std::uint32_t>(seen & kCountMask);
  return reading;
}

}  // namespace borealis::stats

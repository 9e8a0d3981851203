#include "stats/moving_average.hpp"

#include <algorithm>

namespace borealis::stats {

// Until the window is full the sum is a plain sum (the average is exact);
// then each value takes the place of an average one.
void MovingAverage::add(std::uint64_t value) {
  const bool full = samples_.fetch_add(1, std::memory_order_relaxed) >= kWindow;
  std::uint64_t sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, full ? sum - sum / kWindow + value : sum + value,
                                     std::memory_order_relaxed)) {
  }
  std::uint64_t seen = max_.load(std::memory_order_relaxed);
  while (value > seen && !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

std::uint64_t MovingAverage::average() const {
  const std::uint64_t window = std::min(samples_.load(std::memory_order_relaxed), kWindow);
  return window == 0 ? 0 : sum_.load(std::memory_order_relaxed) / window;
}

}  // namespace borealis::stats

// A duration averaged over the last 1,024 sessions, as HAProxy's `qtime`,
// `ctime` and `ttime` (its sliding window rate, `swrate`), and the longest
// one seen (`qtime_max`, ...). Every worker adds with relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>

namespace borealis::stats {

class MovingAverage {
 public:
  static constexpr std::uint64_t kWindow = 1024;

  void add(std::uint64_t value);
  std::uint64_t average() const;
  std::uint64_t max() const { return max_.load(std::memory_order_relaxed); }

 private:
  // The window's sum (its average times the window once full), and how
  // many values came: the first ones average over themselves, not zeros.
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> samples_{0};
  std::atomic<std::uint64_t> max_{0};
};

}  // namespace borealis::stats

// A latency histogram with fixed bucket bounds, for the Prometheus
// exporter: how many durations fell at or under each bound, their sum and
// their count. Workers observe with relaxed atomics (one add per bucket
// hit, one to the sum, one to the count); readers get a copy that may be a
// few observations behind, never torn within a counter.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace borealis::stats {

struct HistogramReading {
  std::span<const double> bounds;         // seconds, ascending; +Inf is implied
  std::vector<std::uint64_t> cumulative;  // per bound, then +Inf: at or under it
  double sum_seconds = 0;
  std::uint64_t count = 0;
};

class Histogram {
 public:
  static constexpr std::size_t kMaxBuckets = 20;

  // `bounds`: upper bounds in seconds, ascending, at most kMaxBuckets; they
  // must outlive the histogram (a static array).
  explicit Histogram(std::span<const double> bounds);

  void observe(std::chrono::nanoseconds duration);
  HistogramReading read() const;

 private:
  std::span<const double> bounds_;
  // Per bucket (not cumulative, so an observation touches one), the last
  // one for durations over every bound.
  std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// Bounds for connecting and queueing (100 µs to 10 s) and for a database
// resume (5 ms to 60 s).
inline constexpr std::array<double, 16> kConnectBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
inline constexpr std::array<double, 13> kResumeBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                         1,     2.5,  5,     10,   30,  60};

}  // namespace borealis::stats

#include "stats/histogram.hpp"

#include <algorithm>
#include <cassert>

namespace borealis::stats {

Histogram::Histogram(std::span<const double> bounds) : bounds_(bounds) {
  assert(bounds.size() <= kMaxBuckets);
}

void Histogram::observe(std::chrono::nanoseconds duration) {
  const auto nanoseconds = std::max<std::int64_t>(0, duration.count());
  const double seconds = static_cast<double>(nanoseconds) / 1e9;
  // The first bound at or over the duration; past the last, the +Inf bucket.
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(nanoseconds), std::memory_order_relaxed);
}

HistogramReading Histogram::read() const {
  HistogramReading reading;
  reading.bounds = bounds_;
  reading.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t bucket = 0; bucket <= bounds_.size(); ++bucket) {
    running += counts_[bucket].load(std::memory_order_relaxed);
    reading.cumulative.push_back(running);
  }
  reading.count = running;
  reading.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return reading;
}

}  // namespace borealis::stats

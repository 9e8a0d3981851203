#include "stats/traffic_counters.hpp"

namespace borealis::stats {

void TrafficCounters::count_session(int current) {
  add(sessions_);
  // Raised only when passed: one relaxed load per session otherwise.
  int seen = max_sessions_.load(std::memory_order_relaxed);
  while (current > seen &&
         !max_sessions_.compare_exchange_weak(seen, current, std::memory_order_relaxed)) {
  }
}

void TrafficCounters::count_bytes(std::uint64_t from_clients, std::uint64_t to_clients) {
  if (from_clients) add(bytes_in_, from_clients);
  if (to_clients) add(bytes_out_, to_clients);
}

TrafficCounts TrafficCounters::read() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  TrafficCounts counts;
  counts.sessions = sessions_.load(relaxed);
  counts.max_sessions = max_sessions_.load(relaxed);
  counts.bytes_in = bytes_in_.load(relaxed);
  counts.bytes_out = bytes_out_.load(relaxed);
  counts.denied_connections = denied_connections_.load(relaxed);
  counts.denied_sessions = denied_sessions_.load(relaxed);
  counts.request_errors = request_errors_.load(relaxed);
  counts.connect_errors = connect_errors_.load(relaxed);
  counts.retries = retries_.load(relaxed);
  counts.redispatches = redispatches_.load(relaxed);
  counts.selections = selections_.load(relaxed);
  return counts;
}

}  // namespace borealis::stats

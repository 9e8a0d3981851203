#include "stats/traffic_counters.hpp"

#include <algorithm>

namespace borealis::stats {

namespace {

// Raised only when passed: one relaxed load otherwise.
void raise_to(std::atomic<int>& most, int current) {
  int seen = most.load(std::memory_order_relaxed);
  while (current > seen && !most.compare_exchange_weak(seen, current, std::memory_order_relaxed)) {
  }
}

}  // namespace

void TrafficCounters::count_session(int current, core::SteadyTime now) {
  add(sessions_);
  session_rate_.count(now);
  raise_to(max_sessions_, current);
}

void TrafficCounters::enter_queue() {
  raise_to(max_queued_, queued_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void TrafficCounters::count_connection(core::SteadyTime now) {
  add(connections_);
  connection_rate_.count(now);
}

void TrafficCounters::count_timings(std::chrono::nanoseconds queue,
                                    std::chrono::nanoseconds connect,
                                    std::chrono::nanoseconds total) {
  const auto ms = [](std::chrono::nanoseconds duration) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()));
  };
  queue_ms_.add(ms(queue));
  connect_ms_.add(ms(connect));
  total_ms_.add(ms(total));
  queue_time_.observe(queue);
  connect_time_.observe(connect);
}

void TrafficCounters::count_bytes(std::uint64_t from_clients, std::uint64_t to_clients) {
  if (from_clients) add(bytes_in_, from_clients);
  if (to_clients) add(bytes_out_, to_clients);
}

TrafficCounts TrafficCounters::read(core::SteadyTime now) const {
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
  counts.connections = connections_.load(relaxed);
  counts.client_aborts = client_aborts_.load(relaxed);
  counts.server_aborts = server_aborts_.load(relaxed);
  counts.queued = std::max(0, queued_.load(relaxed));
  counts.max_queued = max_queued_.load(relaxed);
  counts.session_rate = session_rate_.read(now);
  counts.connection_rate = connection_rate_.read(now);
  counts.queue_ms = queue_ms_.average();
  counts.connect_ms = connect_ms_.average();
  counts.total_ms = total_ms_.average();
  counts.queue_ms_max = queue_ms_.max();
  counts.connect_ms_max = connect_ms_.max();
  counts.total_ms_max = total_ms_.max();
  counts.queue_time = queue_time_.read();
  counts.connect_time = connect_time_.read();
  counts.response_time = response_time_.read();
  return counts;
}

}  // namespace borealis::stats

// The totals every worker adds to: sessions and their peak, bytes, and the
// refusal and failure counts, including when several threads add at once.
#include "stats/traffic_counters.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace borealis::stats {
namespace {

TEST(TrafficCounters, CountSessionsTheirPeakAndBytes) {
  TrafficCounters counters;
  counters.count_session(1);
  counters.count_session(3);
  counters.count_session(2);  // fewer than the peak: the peak stays
  counters.count_bytes(100, 2000);
  counters.count_bytes(0, 5);
  const TrafficCounts counts = counters.read();
  EXPECT_EQ(counts.sessions, 3u);
  EXPECT_EQ(counts.max_sessions, 3);
  EXPECT_EQ(counts.session_rate.max, 3u);  // all three within this second
  EXPECT_EQ(counts.bytes_in, 100u);
  EXPECT_EQ(counts.bytes_out, 2005u);
}

TEST(TrafficCounters, EachRefusalAndFailureHasItsOwnCount) {
  TrafficCounters counters;
  counters.count_denied_connection();
  counters.count_denied_session();
  counters.count_denied_session();
  counters.count_request_error();
  counters.count_connect_error();
  counters.count_retry();
  counters.count_redispatch();
  counters.count_selection();
  counters.count_connection();
  using std::chrono::milliseconds;
  counters.count_timings(milliseconds(1), milliseconds(2), milliseconds(30));
  counters.count_timings(milliseconds(3), milliseconds(4), milliseconds(50));
  const TrafficCounts counts = counters.read();
  EXPECT_EQ(counts.denied_connections, 1u);
  EXPECT_EQ(counts.denied_sessions, 2u);
  EXPECT_EQ(counts.request_errors, 1u);
  EXPECT_EQ(counts.connect_errors, 1u);
  EXPECT_EQ(counts.retries, 1u);
  EXPECT_EQ(counts.redispatches, 1u);
  EXPECT_EQ(counts.selections, 1u);
  EXPECT_EQ(counts.connections, 1u);
  EXPECT_EQ(counts.connection_rate.max, 1u);
  EXPECT_EQ(counts.sessions, 0u);
  EXPECT_EQ(counts.queue_ms, 2u);
  EXPECT_EQ(counts.connect_ms, 3u);
  EXPECT_EQ(counts.total_ms, 40u);
  EXPECT_EQ(counts.total_ms_max, 50u);
  EXPECT_EQ(counts.connect_time.count, 2u);
  EXPECT_DOUBLE_EQ(counts.connect_time.sum_seconds, 0.006);
}

TEST(TrafficCounters, TheQueueCountsWhoWaitsNowAndTheMostAtOnce) {
  TrafficCounters counters;
  counters.enter_queue();
  counters.enter_queue();
  counters.enter_queue();
  counters.leave_queue();
  counters.count_client_abort();
  counters.count_server_abort();
  counters.count_server_abort();
  TrafficCounts counts = counters.read();
  EXPECT_EQ(counts.queued, 2);
  EXPECT_EQ(counts.max_queued, 3);
  EXPECT_EQ(counts.client_aborts, 1u);
  EXPECT_EQ(counts.server_aborts, 2u);
  counters.leave_queue();
  counters.leave_queue();
  counts = counters.read();
  EXPECT_EQ(counts.queued, 0);
  EXPECT_EQ(counts.max_queued, 3);
}

// Workers add without a lock: no count is lost, the peak is the highest
// value any of them saw.
TEST(TrafficCounters, ThreadsAddingAtOnceLoseNothing) {
  TrafficCounters counters;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&counters, t] {
      for (int i = 1; i <= 10000; ++i) {
        counters.count_session(i % 100 + t * 1000);
        counters.count_bytes(1, 2);
      }
    });
  for (auto& thread : threads) thread.join();
  const TrafficCounts counts = counters.read();
  EXPECT_EQ(counts.sessions, 40000u);
  EXPECT_EQ(counts.max_sessions, 3099);
  EXPECT_EQ(counts.bytes_in, 40000u);
  EXPECT_EQ(counts.bytes_out, 80000u);
}

}  // namespace
}  // namespace borealis::stats

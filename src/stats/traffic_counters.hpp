// The traffic totals of one frontend, backend or server, for `show stat`
// and the metrics. Every worker adds to the same counters with relaxed
// atomics, at a session's start and end and at each failed connect (never
// per byte moved): they are totals for operators, never read for a
// decision.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"
#include "stats/event_rate.hpp"
#include "stats/histogram.hpp"
#include "stats/moving_average.hpp"

namespace borealis::stats {

struct TrafficCounts {
  std::uint64_t sessions = 0;            // stot: sessions begun
  int max_sessions = 0;                  // smax: the most at once
  std::uint64_t bytes_in = 0;            // bin: from clients
  std::uint64_t bytes_out = 0;           // bout: to clients
  std::uint64_t denied_connections = 0;  // dcon: `tcp-request connection reject`
  std::uint64_t denied_sessions = 0;     // dses: `tcp-request session reject`
  std::uint64_t request_errors = 0;      // ereq: no valid PROXY header, a failed login
  std::uint64_t connect_errors = 0;      // econ: connects to a server that failed
  std::uint64_t retries = 0;             // wretr: connects tried again
  std::uint64_t redispatches = 0;        // wredis: retries sent to another server
  std::uint64_t selections = 0;          // lbtot: times a server was chosen
  std::uint64_t connections = 0;         // conn_tot: connections accepted (frontends)
  std::uint64_t client_aborts = 0;       // cli_abrt: relays the client ended (closed, timed out)
  std::uint64_t server_aborts = 0;       // srv_abrt: relays the server ended
  int queued = 0;                        // qcur: sessions waiting for a server slot now
  int max_queued = 0;                    // qmax: the most at once
  RateReading session_rate;              // rate, rate_max
  RateReading connection_rate;           // conn_rate, conn_rate_max (frontends)
  // Over the last 1,024 sessions that reached a server, and the longest:
  // waiting in the queue (qtime), connecting (ctime), the whole session
  // (ttime), in milliseconds.
  std::uint64_t queue_ms = 0, connect_ms = 0, total_ms = 0;
  std::uint64_t queue_ms_max = 0, connect_ms_max = 0, total_ms_max = 0;
  // Every session's queueing and connecting, for the metrics (backends and
  // servers).
  HistogramReading queue_time, connect_time;
  // `mode mysql`: each command's wait for the first bytes of its answer.
  HistogramReading response_time;
};

class TrafficCounters {
 public:
  // A session began; `current` is how many there are now, with it.
  void count_session(int current, core::SteadyTime now = core::SteadyClock::now());
  // A connection was accepted (frontends), before any rule judged it.
  void count_connection(core::SteadyTime now = core::SteadyClock::now());
  // A session that reached a server ended: how long it queued, connected
  // and lasted.
  void count_timings(std::chrono::nanoseconds queue, std::chrono::nanoseconds connect,
                     std::chrono::nanoseconds total);
  // A `mode mysql` command's answer began this long after the command.
  void count_response(std::chrono::nanoseconds took) { response_time_.observe(took); }
  // A session ended (or a relay over it did): what it moved each way.
  void count_bytes(std::uint64_t from_clients, std::uint64_t to_clients);
  void count_denied_connection() { add(denied_connections_); }
  void count_denied_session() { add(denied_sessions_); }
  void count_request_error() { add(request_errors_); }
  void count_connect_error() { add(connect_errors_); }
  void count_retry() { add(retries_); }
  void count_redispatch() { add(redispatches_); }
  void count_selection() { add(selections_); }
  void count_client_abort() { add(client_aborts_); }
  void count_server_abort() { add(server_aborts_); }
  // A session began (ended) waiting for a free server (backends).
  void enter_queue();
  void leave_queue() { queued_.fetch_sub(1, std::memory_order_relaxed); }

  TrafficCounts read(core::SteadyTime now = core::SteadyClock::now()) const;

 private:
  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount = 1) {
    counter.fetch_add(amount, std::memory_order_relaxed);
  }

  std::atomic<std::uint64_t> sessions_{0};
  std::atomic<int> max_sessions_{0};
  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_out_{0};
  std::atomic<std::uint64_t> denied_connections_{0};
  std::atomic<std::uint64_t> denied_sessions_{0};
  std::atomic<std::uint64_t> request_errors_{0};
  std::atomic<std::uint64_t> connect_errors_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> redispatches_{0};
  std::atomic<std::uint64_t> selections_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> client_aborts_{0};
  std::atomic<std::uint64_t> server_aborts_{0};
  std::atomic<int> queued_{0};
  std::atomic<int> max_queued_{0};
  EventRate session_rate_;
  EventRate connection_rate_;
  MovingAverage queue_ms_, connect_ms_, total_ms_;
  Histogram queue_time_{kConnectBounds}, connect_time_{kConnectBounds};
  Histogram response_time_{kConnectBounds};
};

}  // namespace borealis::stats

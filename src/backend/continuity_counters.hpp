// What session continuity did on one backend (`mode mysql`), counted for
// the stop summary and the coming metrics. Every worker updates the same
// counters with relaxed atomics: they are totals, never a decision.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace borealis::backend {

struct ContinuityCounts {
  std::uint64_t released = 0;      // server connections given back, idle at a safe point
  std::uint64_t restored = 0;      // sessions continued on a new server connection
  std::uint64_t not_restored = 0;  // a new connection or login failed: the session ended
  std::uint64_t refused = 0;       // commands refused: what the session held was lost
  std::uint64_t fate_unknown = 0;  // commands sent and never answered: reported failed
  std::uint64_t busy_retries = 0;  // logins asked again after "Too many connections"

  bool any() const;
  // "12 given back, 12 restored, 0 not restored, ..." for a log line.
  std::string describe() const;
};

class ContinuityCounters {
 public:
  void count_release() { add(released_); }
  void count_restore() { add(restored_); }
  void count_failed_restore() { add(not_restored_); }
  void count_refusal() { add(refused_); }
  void count_unknown_fate() { add(fate_unknown_); }
  void count_busy_retry() { add(busy_retries_); }

  ContinuityCounts read() const;

 private:
  static void add(std::atomic<std::uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }

  std::atomic<std::uint64_t> released_{0};
  std::atomic<std::uint64_t> restored_{0};
  std::atomic<std::uint64_t> not_restored_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> fate_unknown_{0};
  std::atomic<std::uint64_t> busy_retries_{0};
};

}  // namespace borealis::backend

// Rate limit for the lines that report refused connections: at most one
// line per source address per second, and at most kLinesPerSecond lines a
// second in all, so that a flood of refused connections cannot become a
// flood of log lines. Lock-free and bounded: a fixed table of slots, shared
// by every worker of a frontend; two sources that share a slot only log a
// little more often.
#pragma once

#include <array>
#include <asio/ip/address.hpp>
#include <atomic>
#include <cstdint>

#include "core/clock.hpp"

namespace borealis::access {

class RejectLog {
 public:
  static constexpr std::uint32_t kLinesPerSecond = 100;

  explicit RejectLog(const core::Clock& clock = core::system_clock()) : clock_(clock) {}
  RejectLog(const RejectLog&) = delete;
  RejectLog& operator=(const RejectLog&) = delete;

  struct Decision {
    bool log = false;
    // Refusals from this source that got no line since its last one.
    std::uint32_t unlogged = 0;
  };
  // Counts one refusal from `source` and says whether to log it.
  Decision admit(const asio::ip::address& source);
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kSlots = 4096;
  static std::uint32_t key_of(const asio::ip::address& source);
  bool take_line(std::uint32_t second);

  const core::Clock& clock_;
  std::atomic<std::uint64_t> refused_{0};
  // Per slot: (source key << 32 | second of its last line).
  std::array<std::atomic<std::uint64_t>, kSlots> last_line_{};
  std::array<std::atomic<std::uint32_t>, kSlots> unlogged_{};
  // (second << 32 | lines written in that second).
  std::atomic<std::uint64_t> budget_{0};
};

}  // namespace borealis::access

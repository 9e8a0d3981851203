// Failed logins per client address, for `max-connect-errors` (mode mysql):
// after N failures without a success, the address is blocked for a while,
// as MariaDB's max_connect_errors blocks a host. A success clears the
// count. Lock-free and bounded: a fixed table of slots shared by every
// worker of a frontend; an address that shares a slot with another takes
// it over (its count starts again), so memory never grows with the number
// of attackers.
#pragma once

#include <array>
#include <asio/ip/address.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"

namespace borealis::access {

class ConnectErrors {
 public:
  ConnectErrors(int limit, std::chrono::milliseconds block,
                const core::Clock& clock = core::system_clock())
      : limit_(limit), block_(block), clock_(clock) {}
  ConnectErrors(const ConnectErrors&) = delete;
  ConnectErrors& operator=(const ConnectErrors&) = delete;

  // True while `source` is blocked (limit 0: never).
  bool blocked(const asio::ip::address& source) const;
  void failed(const asio::ip::address& source);
  void succeeded(const asio::ip::address& source);

 private:
  static constexpr std::size_t kSlots = 4096;
  struct Slot {
    std::atomic<std::uint64_t> key{0};
    std::atomic<std::uint32_t> failures{0};
    std::atomic<std::int64_t> blocked_until{0};  // milliseconds of the clock
  };
  static std::uint64_t key_of(const asio::ip::address& source);
  std::int64_t now_ms() const;

  int limit_;
  std::chrono::milliseconds block_;
  const core::Clock& clock_;
  std::array<Slot, kSlots> slots_;
};

}  // namespace borealis::access

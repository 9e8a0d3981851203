#include "access/reject_log.hpp"

namespace borealis::access {

std::uint32_t RejectLog::key_of(const asio::ip::address& source) {
  // FNV-1a over the address bytes; never 0, so an empty slot matches nothing.
  std::uint32_t hash = 2166136261u;
  auto mix = [&hash](const auto& bytes) {
    for (auto byte : bytes) hash = (hash ^ byte) * 16777619u;
  };
  if (source.is_v4())
    mix(source.to_v4().to_bytes());
  else
    mix(source.to_v6().to_bytes());
  return hash | 1u;
}

bool RejectLog::take_line(std::uint32_t second) {
  std::uint64_t current = budget_.load(std::memory_order_relaxed);
  for (;;) {
    const bool same_second = static_cast<std::uint32_t>(current >> 32) == second;
    const std::uint32_t used = same_second ? static_cast<std::uint32_t>(current) : 0;
    if (used >= kLinesPerSecond) return false;
    const std::uint64_t next = static_cast<std::uint64_t>(second) << 32 | (used + 1);
    if (budget_.compare_exchange_weak(current, next, std::memory_order_relaxed)) return true;
  }
}

RejectLog::Decision RejectLog::admit(const asio::ip::address& source) {
  refused_.fetch_add(1, std::memory_order_relaxed);
  const auto second = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count());
  const std::uint32_t key = key_of(source);
  const std::size_t slot = key % kSlots;
  const std::uint64_t mine = static_cast<std::uint64_t>(key) << 32 | second;
  std::uint64_t last = last_line_[slot].load(std::memory_order_relaxed);
  // Logged this second already (here or by another worker just now).
  if (last == mine || !last_line_[slot].compare_exchange_strong(last, mine) || !take_line(second)) {
    unlogged_[slot].fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  const std::uint32_t unlogged = unlogged_[slot].exchange(0, std::memory_order_relaxed);
  // Refusals counted in this slot for another source are not this one's.
  const bool same_source = static_cast<std::uint32_t>(last >> 32) == key;
  return {true, same_source ? unlogged : 0};
}

}  // namespace borealis::access

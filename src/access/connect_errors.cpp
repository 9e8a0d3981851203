#include "access/connect_errors.hpp"

namespace borealis::access {

std::uint64_t ConnectErrors::key_of(const asio::ip::address& source) {
  // FNV-1a over the address bytes; never 0, the mark of an empty slot.
  std::uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](const auto& bytes) {
    for (auto byte : bytes) hash = (hash ^ byte) * 1099511628211ull;
  };
  if (source.is_v4())
    mix(source.to_v4().to_bytes());
  else
    mix(source.to_v6().to_bytes());
  return hash | 1u;
}

std::int64_t ConnectErrors::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
      .count();
}

bool ConnectErrors::blocked(const asio::ip::address& source) const {
  if (limit_ <= 0) return false;
  const std::uint64_t key = key_of(source);
  const Slot& slot = slots_[key % kSlots];
  return slot.key.load(std::memory_order_relaxed) == key &&
         slot.blocked_until.load(std::memory_order_relaxed) > now_ms();
}

void ConnectErrors::failed(const asio::ip::address& source) {
  if (limit_ <= 0) return;
  const std::uint64_t key = key_of(source);
  Slot& slot = slots_[key % kSlots];
  if (slot.key.exchange(key, std::memory_order_relaxed) != key) {
    // Taken over from another address: its count is not this one's.
    slot.failures.store(0, std::memory_order_relaxed);
    slot.blocked_until.store(0, std::memory_order_relaxed);
  }
  const auto failures = slot.failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures >= static_cast<std::uint32_t>(limit_)) {
    slot.blocked_until.store(now_ms() + block_.count(), std::memory_order_relaxed);
    slot.failures.store(0, std::memory_order_relaxed);
  }
}

void ConnectErrors::succeeded(const asio::ip::address& source) {
  if (limit_ <= 0) return;
  const std::uint64_t key = key_of(source);
  Slot& slot = slots_[key % kSlots];
  if (slot.key.load(std::memory_order_relaxed) == key)
    slot.failures.store(0, std::memory_order_relaxed);
}

}  // namespace borealis::access

#include "access/address_set.hpp"

#include <algorithm>

namespace borealis::access {

AddressSet::U128 AddressSet::to_u128(const std::uint8_t* bytes) {
  U128 value;
  for (int i = 0; i < 8; ++i) value.high = value.high << 8 | bytes[i];
  for (int i = 8; i < 16; ++i) value.low = value.low << 8 | bytes[i];
  return value;
}

AddressSet::AddressSet(const std::vector<config::AddressPrefix>& prefixes) {
  for (const auto& prefix : prefixes) {
    if (!prefix.ipv6) {
      std::uint32_t first = static_cast<std::uint32_t>(prefix.bytes[0]) << 24 |
                            static_cast<std::uint32_t>(prefix.bytes[1]) << 16 |
                            static_cast<std::uint32_t>(prefix.bytes[2]) << 8 | prefix.bytes[3];
      std::uint32_t host_bits = prefix.length == 0 ? ~0u : (1u << (32 - prefix.length)) - 1;
      if (prefix.length == 32) host_bits = 0;
      v4_.push_back({first, first | host_bits});
      continue;
    }
    U128 first = to_u128(prefix.bytes.data());
    U128 last = first;
    const int host = 128 - prefix.length;
    if (host >= 64) {
      last.low = ~0ull;
      last.high |= host == 128 ? ~0ull : host == 64 ? 0 : (1ull << (host - 64)) - 1;
    } else if (host > 0) {
      last.low |= (1ull << host) - 1;
    }
    v6_.push_back({first, last});
  }
  merge(v4_);
  merge(v6_);
}

// Sorts by start and joins overlapping ranges, so that at most one range can
// hold a given address.
template <typename T>
void AddressSet::merge(std::vector<Range<T>>& ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range<T>& a, const Range<T>& b) { return a.first < b.first; });
  std::vector<Range<T>> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.first <= merged.back().last) {
      merged.back().last = std::max(merged.back().last, range.last);
      continue;
    }
    merged.push_back(range);
  }
  merged.shrink_to_fit();
  ranges = std::move(merged);
}

template <typename T>
bool AddressSet::find(const std::vector<Range<T>>& ranges, T value) {
  // The last range starting at or before `value` is the only candidate.
  auto after = std::upper_bound(ranges.begin(), ranges.end(), value,
                                [](const T& v, const Range<T>& range) { return v < range.first; });
  if (after == ranges.begin()) return false;
  return value <= std::prev(after)->last;
}

bool AddressSet::contains(const asio::ip::address& address) const {
  if (address.is_v4()) return find(v4_, address.to_v4().to_uint());
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped())
    return find(v4_, asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  const auto bytes = v6.to_bytes();
  return find(v6_, to_u128(bytes.data()));
}

}  // namespace borealis::access

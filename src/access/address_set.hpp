// The addresses an ACL matches, compiled at load into sorted, merged ranges:
// a lookup is one binary search (17 probes for 100,000 networks), with no
// allocation and no lock, whatever the list's size.
#pragma once

#include <asio/ip/address.hpp>
#include <compare>
#include <cstdint>
#include <vector>

#include "config/model.hpp"

namespace borealis::access {

class AddressSet {
 public:
  explicit AddressSet(const std::vector<config::AddressPrefix>& prefixes);

  // IPv4-mapped IPv6 addresses (a `v4v6` bind's IPv4 clients) are matched
  // as the IPv4 addresses they are.
  bool contains(const asio::ip::address& address) const;
  // Disjoint ranges after merging, for tests and sizing.
  std::size_t range_count() const { return v4_.size() + v6_.size(); }

 private:
  struct U128 {
    std::uint64_t high = 0, low = 0;
    auto operator<=>(const U128&) const = default;
  };
  template <typename T>
  struct Range {
    T first, last;  // inclusive
  };
  template <typename T>
  static void merge(std::vector<Range<T>>& ranges);
  template <typename T>
  static bool find(const std::vector<Range<T>>& ranges, T value);
  static U128 to_u128(const std::uint8_t* bytes);

  std::vector<Range<std::uint32_t>> v4_;
  std::vector<Range<U128>> v6_;
};

}  // namespace borealis::access

// AddressSet: the compiled form of `src` ACL patterns.
#include "access/address_set.hpp"

#include <gtest/gtest.h>

#include "config/address_prefix.hpp"

namespace borealis::access {
namespace {

AddressSet set_of(std::initializer_list<const char*> patterns) {
  std::vector<config::AddressPrefix> prefixes;
  for (const char* pattern : patterns) {
    auto prefix = config::parse_address_prefix(pattern);
    EXPECT_TRUE(prefix) << pattern;
    if (prefix) prefixes.push_back(*prefix);
  }
  return AddressSet(prefixes);
}

bool has(const AddressSet& set, const char* address) {
  return set.contains(asio::ip::make_address(address));
}

TEST(AddressSet, SingleAddressesMatchOnlyThemselves) {
  auto set = set_of({"10.0.0.1", "::1"});
  EXPECT_TRUE(has(set, "10.0.0.1"));
  EXPECT_FALSE(has(set, "10.0.0.2"));
  EXPECT_FALSE(has(set, "10.0.0.0"));
  EXPECT_TRUE(has(set, "::1"));
  EXPECT_FALSE(has(set, "::2"));
  EXPECT_FALSE(has(set, "::"));
}

TEST(AddressSet, NetworksMatchTheirWholeRangeAndNothingMore) {
  auto set = set_of({"192.168.4.0/22", "2001:db8::/32"});
  EXPECT_FALSE(has(set, "192.168.3.255"));
  EXPECT_TRUE(has(set, "192.168.4.0"));
  EXPECT_TRUE(has(set, "192.168.7.255"));
  EXPECT_FALSE(has(set, "192.168.8.0"));
  EXPECT_TRUE(has(set, "2001:db8::"));
  EXPECT_TRUE(has(set, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(has(set, "2001:db9::"));
  EXPECT_FALSE(has(set, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST(AddressSet, IPv6PrefixesOnBothSidesOfTheMiddleBit) {
  auto set = set_of({"fd00::/8", "2001:db8:1:2::/64", "2001:db8:1:3:8000::/65", "::/0"});
  EXPECT_TRUE(has(set, "fd12:3456::1"));
  EXPECT_TRUE(has(set, "2001:db8:1:2:ffff::1"));
  // ::/0 matches every IPv6 address, never an IPv4 one.
  EXPECT_TRUE(has(set, "1234::"));
  EXPECT_FALSE(has(set, "1.2.3.4"));
  auto narrow = set_of({"2001:db8:1:3:8000::/65"});
  EXPECT_TRUE(has(narrow, "2001:db8:1:3:8000::"));
  EXPECT_TRUE(has(narrow, "2001:db8:1:3:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(has(narrow, "2001:db8:1:3:7fff:ffff:ffff:ffff"));
  EXPECT_FALSE(has(narrow, "2001:db8:1:4::"));
}

TEST(AddressSet, WholeIPv4SpaceAndEdges) {
  auto all = set_of({"0.0.0.0/0"});
  EXPECT_TRUE(has(all, "0.0.0.0"));
  EXPECT_TRUE(has(all, "255.255.255.255"));
  EXPECT_FALSE(has(all, "::1"));
  auto edge = set_of({"255.255.255.255"});
  EXPECT_TRUE(has(edge, "255.255.255.255"));
  EXPECT_FALSE(has(edge, "255.255.255.254"));
}

TEST(AddressSet, MappedClientsMatchIPv4Patterns) {
  // A `v4v6` bind sees IPv4 clients as ::ffff:a.b.c.d.
  auto set = set_of({"10.1.0.0/16"});
  EXPECT_TRUE(has(set, "::ffff:10.1.2.3"));
  EXPECT_FALSE(has(set, "::ffff:10.2.0.1"));
  // And a mapped pattern is an IPv4 pattern.
  auto mapped = set_of({"::ffff:10.1.0.0/112"});
  EXPECT_TRUE(has(mapped, "10.1.200.1"));
  EXPECT_FALSE(has(mapped, "10.2.0.1"));
}

TEST(AddressSet, OverlapsAndDuplicatesMerge) {
  auto set =
      set_of({"10.0.0.0/8", "10.1.0.0/16", "10.0.0.1", "10.0.0.1", "11.0.0.0/8", "9.255.255.255"});
  EXPECT_EQ(set.range_count(), 3u);  // 9.255.255.255, 10/8, 11/8 (adjacent, kept apart)
  EXPECT_TRUE(has(set, "10.200.0.1"));
  EXPECT_TRUE(has(set, "11.0.0.0"));
  EXPECT_TRUE(has(set, "9.255.255.255"));
  EXPECT_FALSE(has(set, "9.255.255.254"));
  EXPECT_FALSE(has(set, "12.0.0.0"));
}

TEST(AddressSet, HundredThousandEntriesEveryOneFound) {
  std::vector<config::AddressPrefix> prefixes;
  std::vector<std::uint32_t> members;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    std::uint32_t address = 0x0A000000u + i * 7;  // 10.x.y.z, every 7th
    members.push_back(address);
    config::AddressPrefix prefix;
    prefix.bytes = {static_cast<std::uint8_t>(address >> 24),
                    static_cast<std::uint8_t>(address >> 16),
                    static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
    prefixes.push_back(prefix);
  }
  AddressSet set(prefixes);
  EXPECT_EQ(set.range_count(), 100000u);
  for (std::uint32_t address : members) {
    ASSERT_TRUE(set.contains(asio::ip::address_v4(address))) << address;
    ASSERT_FALSE(set.contains(asio::ip::address_v4(address + 1))) << address + 1;
  }
}

TEST(AddressSet, EmptyMatchesNothing) {
  AddressSet set({});
  EXPECT_FALSE(has(set, "0.0.0.0"));
  EXPECT_FALSE(has(set, "::"));
}

}  // namespace
}  // namespace borealis::access

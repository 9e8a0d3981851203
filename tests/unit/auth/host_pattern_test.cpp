#include "auth/host_pattern.hpp"

#include <gtest/gtest.h>

namespace borealis::auth {
namespace {

TEST(HostPattern, ExactAddressesAndWildcards) {
  EXPECT_EQ(match_host("127.0.0.1", "127.0.0.1"), HostMatch::yes);
  EXPECT_EQ(match_host("127.0.0.2", "127.0.0.1"), HostMatch::no);
  EXPECT_EQ(match_host("%", "10.1.2.3"), HostMatch::yes);
  EXPECT_EQ(match_host("", "10.1.2.3"), HostMatch::yes);
  EXPECT_EQ(match_host("10.1.%", "10.1.2.3"), HostMatch::yes);
  EXPECT_EQ(match_host("10.1.%", "10.12.2.3"), HostMatch::no);
  EXPECT_EQ(match_host("10.1.2._", "10.1.2.3"), HostMatch::yes);
  EXPECT_EQ(match_host("10.1.2._", "10.1.2.30"), HostMatch::no);
  EXPECT_EQ(match_host("%.3", "10.1.2.3"), HostMatch::yes);
  EXPECT_EQ(match_host("1%1%1", "1.0.0.1"), HostMatch::no);
  EXPECT_EQ(match_host("1%1%1", "10.1.0.1"), HostMatch::yes);
  EXPECT_EQ(match_host("::1", "::1"), HostMatch::yes);
  EXPECT_EQ(match_host("FE80::%", "fe80::1"), HostMatch::yes);
}

TEST(HostPattern, WhatTheServerAloneCanDecide) {
  // Under --skip-name-resolve `localhost` is the unix socket only.
  EXPECT_EQ(match_host("localhost", "127.0.0.1"), HostMatch::no);
  EXPECT_EQ(match_host("10.0.0.0/255.0.0.0", "10.1.2.3"), HostMatch::unknown);
  EXPECT_EQ(match_host("db.example.com", "10.1.2.3"), HostMatch::unknown);
  EXPECT_EQ(match_host("%.example.com", "10.1.2.3"), HostMatch::unknown);
}

TEST(HostPattern, MoreSpecificPatternsComeFirst) {
  EXPECT_LT(compare_host_specificity("10.0.0.1", "10.0.0.%"), 0);
  EXPECT_LT(compare_host_specificity("10.0.0.%", "10.%"), 0);
  EXPECT_LT(compare_host_specificity("10.%", "%"), 0);
  EXPECT_GT(compare_host_specificity("%", "10.0.0.1"), 0);
  EXPECT_EQ(compare_host_specificity("%", ""), 0);
  EXPECT_EQ(compare_host_specificity("10.0.0.1", "10.0.0.2"), 0);
}

}  // namespace
}  // namespace borealis::auth

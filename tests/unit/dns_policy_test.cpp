#include <gtest/gtest.h>

#include "dns/address_assignment.hpp"
#include "dns/hold_policy.hpp"

using namespace borealis;
using asio::ip::make_address;

TEST(AddressAssignment, KeepsTheCurrentAddressWhileTheAnswerHoldsIt) {
  dns::Assignment current{make_address("10.0.0.2")};
  auto next = dns::assign_addresses(current, {make_address("10.0.0.1"), make_address("10.0.0.2")});
  EXPECT_EQ(next[0], make_address("10.0.0.2"));
}

TEST(AddressAssignment, MovesWhenTheAddressLeftTheAnswer) {
  dns::Assignment current{make_address("10.0.0.2")};
  auto next = dns::assign_addresses(current, {make_address("10.0.0.3")});
  EXPECT_EQ(next[0], make_address("10.0.0.3"));
}

TEST(AddressAssignment, SpreadsAnswersOverTemplateServers) {
  dns::Assignment current(3);
  auto next = dns::assign_addresses(current, {make_address("10.0.0.1"), make_address("10.0.0.2")});
  EXPECT_EQ(next[0], make_address("10.0.0.1"));
  EXPECT_EQ(next[1], make_address("10.0.0.2"));
  EXPECT_FALSE(next[2].has_value());
}

TEST(AddressAssignment, NewAddressGoesToTheServerThatLostItsOwn) {
  dns::Assignment current{make_address("10.0.0.1"), make_address("10.0.0.2")};
  auto next = dns::assign_addresses(current, {make_address("10.0.0.2"), make_address("10.0.0.9")});
  EXPECT_EQ(next[0], make_address("10.0.0.9"));
  EXPECT_EQ(next[1], make_address("10.0.0.2"));
}

TEST(AddressAssignment, EmptyAnswerLeavesEveryServerWithout) {
  dns::Assignment current{make_address("10.0.0.1")};
  auto next = dns::assign_addresses(current, {});
  EXPECT_FALSE(next[0].has_value());
}

TEST(HoldPolicy, KeepsTheLastAddressWithinTheHoldOfTheStatus) {
  config::Resolvers resolvers;
  resolvers.hold_nx = std::chrono::seconds(3);
  resolvers.hold_timeout = std::chrono::seconds(10);
  auto now = core::SteadyClock::now();
  auto valid = now - std::chrono::seconds(5);
  EXPECT_FALSE(dns::keep_last_address(resolvers, dns::AnswerStatus::nx, valid, now));
  EXPECT_TRUE(dns::keep_last_address(resolvers, dns::AnswerStatus::timeout, valid, now));
  EXPECT_TRUE(
      dns::keep_last_address(resolvers, dns::AnswerStatus::nx, now - std::chrono::seconds(1), now));
}

TEST(HoldPolicy, NeverValidMeansNothingToKeep) {
  config::Resolvers resolvers;
  EXPECT_FALSE(dns::keep_last_address(resolvers, dns::AnswerStatus::timeout, std::nullopt,
                                      core::SteadyClock::now()));
}

TEST(HoldPolicy, EachStatusHasItsOwnHold) {
  config::Resolvers r;
  r.hold_nx = std::chrono::milliseconds(1);
  r.hold_timeout = std::chrono::milliseconds(2);
  r.hold_refused = std::chrono::milliseconds(3);
  r.hold_other = std::chrono::milliseconds(4);
  r.hold_valid = std::chrono::milliseconds(5);
  EXPECT_EQ(dns::hold_for(r, dns::AnswerStatus::nx).count(), 1);
  EXPECT_EQ(dns::hold_for(r, dns::AnswerStatus::timeout).count(), 2);
  EXPECT_EQ(dns::hold_for(r, dns::AnswerStatus::refused).count(), 3);
  EXPECT_EQ(dns::hold_for(r, dns::AnswerStatus::other).count(), 4);
  EXPECT_EQ(dns::hold_for(r, dns::AnswerStatus::valid).count(), 5);
  EXPECT_EQ(dns::status_name(dns::AnswerStatus::nx), "NX");
}

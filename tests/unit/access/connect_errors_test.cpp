// ConnectErrors: `max-connect-errors N block T` per client address.
#include "access/connect_errors.hpp"

#include <gtest/gtest.h>

namespace borealis::access {
namespace {

using namespace std::chrono_literals;

asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

TEST(ConnectErrors, BlocksAtTheLimitForTheBlockTime) {
  core::ManualClock clock;
  ConnectErrors errors(3, 10s, clock);
  for (int i = 0; i < 2; ++i) errors.failed(ip("10.0.0.1"));
  EXPECT_FALSE(errors.blocked(ip("10.0.0.1")));
  errors.failed(ip("10.0.0.1"));
  EXPECT_TRUE(errors.blocked(ip("10.0.0.1")));
  EXPECT_FALSE(errors.blocked(ip("10.0.0.2")));  // another address is not
  clock.advance(9s);
  EXPECT_TRUE(errors.blocked(ip("10.0.0.1")));
  clock.advance(1s);
  EXPECT_FALSE(errors.blocked(ip("10.0.0.1")));
  // The count started again when the block began.
  errors.failed(ip("10.0.0.1"));
  EXPECT_FALSE(errors.blocked(ip("10.0.0.1")));
}

TEST(ConnectErrors, ASuccessClearsTheCount) {
  core::ManualClock clock;
  ConnectErrors errors(3, 10s, clock);
  errors.failed(ip("2001:db8::1"));
  errors.failed(ip("2001:db8::1"));
  errors.succeeded(ip("2001:db8::1"));
  errors.failed(ip("2001:db8::1"));
  errors.failed(ip("2001:db8::1"));
  EXPECT_FALSE(errors.blocked(ip("2001:db8::1")));
  errors.failed(ip("2001:db8::1"));
  EXPECT_TRUE(errors.blocked(ip("2001:db8::1")));
}

TEST(ConnectErrors, ZeroMeansNoLimit) {
  core::ManualClock clock;
  ConnectErrors errors(0, 10s, clock);
  for (int i = 0; i < 1000; ++i) errors.failed(ip("10.0.0.1"));
  EXPECT_FALSE(errors.blocked(ip("10.0.0.1")));
}

TEST(ConnectErrors, ManyAddressesStayBounded) {
  core::ManualClock clock;
  ConnectErrors errors(2, 10s, clock);
  // 100,000 addresses with one failure each: none is blocked, and the
  // table does not grow (it is fixed).
  for (std::uint32_t i = 0; i < 100000; ++i) errors.failed(asio::ip::address_v4(0x0A000000u + i));
  for (std::uint32_t i = 0; i < 100000; i += 997)
    EXPECT_FALSE(errors.blocked(asio::ip::address_v4(0x0A000000u + i)));
}

}  // namespace
}  // namespace borealis::access

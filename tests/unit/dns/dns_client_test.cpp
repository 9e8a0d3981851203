// DnsClient against real UDP sockets on loopback: the tries of a resolution
// are spaced by `timeout retry`, also when the nameserver's port refuses at
// once (ICMP port unreachable), and a silent nameserver is a timeout.
#include "dns/dns_client.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <optional>

namespace borealis::dns {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

config::Resolvers resolvers_for(std::uint16_t port, int retries, config::Duration retry) {
  config::Resolvers resolvers;
  resolvers.name = "test";
  resolvers.nameservers.push_back({"ns", "127.0.0.1", port, {}});
  resolvers.resolve_retries = retries;
  resolvers.timeout_retry = retry;
  return resolvers;
}

// Resolves `name` and returns (answer, seconds it took).
std::pair<DnsAnswer, double> resolve_once(const config::Resolvers& resolvers) {
  asio::io_context io;
  DnsClient client(io, resolvers);
  std::optional<DnsAnswer> answer;
  const auto started = Clock::now();
  client.resolve("db.test", config::AddressFamily::ipv4,
                 [&](DnsAnswer a) { answer = std::move(a); });
  io.run_for(20s);
  const double took = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_TRUE(answer) << "no answer within 20 s";
  return {answer.value_or(DnsAnswer{}), took};
}

TEST(DnsClient, TriesAgainstAClosedPortAreSpacedByTimeoutRetry) {
  // A port nothing listens on: each try is refused at once by the kernel.
  std::uint16_t port;
  {
    asio::io_context io;
    asio::ip::udp::socket probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto [answer, took] = resolve_once(resolvers_for(port, 3, 200ms));
  EXPECT_EQ(answer.status, AnswerStatus::timeout);
  // Three tries 200 ms apart, the last one waited out: 600 ms (measured:
  // 600-601 ms; tries sent back to back, each refused at once, end at about
  // 400 ms). A lower bound only: this machine may be slow, never fast.
  EXPECT_GE(took, 0.55) << "tries went out back to back";
}

TEST(DnsClient, SilentNameserverIsATimeoutAfterEveryTry) {
  asio::io_context io;
  asio::ip::udp::socket silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto [answer, took] = resolve_once(resolvers_for(silent.local_endpoint().port(), 3, 200ms));
  EXPECT_EQ(answer.status, AnswerStatus::timeout);
  // Three tries of 200 ms each, none doubled: at least 600 ms, and far from
  // the 200 + 400 + 800 ms that c-ares's own doubling would take.
  EXPECT_GE(took, 0.59);
  EXPECT_LT(took, 1.25) << "the tries' timeouts grew (c-ares doubling)";
}

}  // namespace
}  // namespace borealis::dns

// net::TcpRelay's owner (a RelayHost) lives exactly as long as the relay's
// queued callbacks: it hears the end once, then goes; and when the
// io_context is destroyed with the relay still waiting, dropping the
// callbacks deletes it (no leak, nothing pointing into freed memory: the
// sanitizer build checks both).
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <memory>
#include <optional>

#include "net/tcp_relay.hpp"

namespace {

using asio::ip::tcp;
using borealis::logging::TerminationCause;
using borealis::net::RelayHost;
using borealis::net::RelayOutcome;
using borealis::net::RelayTimeouts;
using borealis::net::TcpRelay;

// What the tests learn of a host after it is gone.
struct HostRecord {
  int ended_calls = 0;
  std::optional<RelayOutcome> outcome;
  bool destroyed = false;
};

// Owns the relay's two sockets, as a session does.
class RecordingHost final : public RelayHost {
 public:
  RecordingHost(HostRecord& record, tcp::socket client, tcp::socket server)
      : record_(record),
        client_(std::move(client)),
        server_(std::move(server)),
        relay_(*this, client_, server_, RelayTimeouts{}) {}
  ~RecordingHost() override { record_.destroyed = true; }

  void start() { relay_.start(); }
  void relay_ended(const RelayOutcome& outcome, std::exception_ptr) override {
    ++record_.ended_calls;
    record_.outcome = outcome;
  }

 private:
  HostRecord& record_;
  tcp::socket client_, server_;
  TcpRelay relay_;
};

// A connected pair: `near` on `io`, `far` on `peers`.
void connect_pair(asio::io_context& io, asio::io_context& peers, tcp::socket& near,
                  tcp::socket& far) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  far = tcp::socket(peers);
  far.connect(acceptor.local_endpoint());
  near = acceptor.accept();
}

TEST(TcpRelayLifetime, TheHostHearsTheEndOnceAndIsDeletedAfter) {
  asio::io_context io, peers;
  tcp::socket client(io), server(io), client_peer(peers), server_peer(peers);
  connect_pair(io, peers, client, client_peer);
  connect_pair(io, peers, server, server_peer);
  HostRecord record;
  (new RecordingHost(record, std::move(client), std::move(server)))->start();
  client_peer.shutdown(tcp::socket::shutdown_send);
  server_peer.shutdown(tcp::socket::shutdown_send);
  io.run_for(std::chrono::seconds(10));  // returns once no callback is queued
  EXPECT_EQ(record.ended_calls, 1);
  ASSERT_TRUE(record.outcome);
  EXPECT_EQ(record.outcome->cause, TerminationCause::none);
  EXPECT_TRUE(record.destroyed);
}

TEST(TcpRelayLifetime, AnIoContextDestroyedMidRelayDeletesTheHost) {
  HostRecord record;
  asio::io_context peers;
  tcp::socket client_peer(peers), server_peer(peers);
  {
    asio::io_context io;
    tcp::socket client(io), server(io);
    connect_pair(io, peers, client, client_peer);
    connect_pair(io, peers, server, server_peer);
    (new RecordingHost(record, std::move(client), std::move(server)))->start();
    io.poll();
    EXPECT_FALSE(record.destroyed);  // waiting on both sockets
  }
  EXPECT_EQ(record.ended_calls, 0);
  EXPECT_TRUE(record.destroyed);
}

}  // namespace

// net::relay between two real loopback TCP connections on a real io_context,
// both the `mode tcp` relay and the general one: bytes both ways checked byte
// for byte around the 512-byte waiting buffer and the 16 KiB pooled buffers,
// a slow reader, half-close both ways, idle and half-closed timeouts, resets
// from either peer, bytes that came before the relay started, and sockets
// closed under it.
//
// The relay runs on its own thread; the two peers (the "client" and the
// "server" the relay sits between) are plain non-blocking sockets driven with
// poll() from the test's threads, each wait bounded so a broken relay fails
// the test instead of hanging it.
#include "net/relay.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <tuple>

#include "net/tcp_relay.hpp"

using namespace std::chrono_literals;
using asio::ip::tcp;
using borealis::logging::TerminationCause;
using borealis::net::RelayOutcome;
using borealis::net::RelayTimeouts;
using Clock = std::chrono::steady_clock;

namespace {

// The longest a peer waits for the relay before giving up; far above what
// any step needs, so it only ends a test that would otherwise hang.
constexpr auto kStall = 30s;

// Deterministic bytes that differ from one offset to the next (a dropped or
// duplicated byte shifts everything after it), and from one seed to another
// (bytes crossing over between the two directions are caught too).
std::string payload(std::size_t size, std::uint64_t seed) {
  std::string out(size, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < size; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(out.data() + i, &x, std::min<std::size_t>(8, size - i));
  }
  return out;
}

// Where two byte strings first differ, for readable failures (the strings
// can be 64 MiB: never print them).
std::string first_difference(const std::string& got, const std::string& want) {
  if (got == want) return "identical";
  std::size_t n = std::min(got.size(), want.size());
  std::size_t i = 0;
  while (i < n && got[i] == want[i]) ++i;
  return "got " + std::to_string(got.size()) + " bytes, want " + std::to_string(want.size()) +
         "; first difference at offset " + std::to_string(i);
}

bool wait_for(int fd, short events, std::chrono::milliseconds limit = kStall) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

// A peer's end of one connection: a non-blocking socket used with poll().
class Peer {
 public:
  explicit Peer(tcp::socket socket) : socket_(std::move(socket)) { socket_.non_blocking(true); }
  int fd() { return socket_.native_handle(); }

  // Writes everything; false if the connection failed or stalled.
  bool write_all(std::string_view data) {
    while (!data.empty()) {
      if (!wait_for(fd(), POLLOUT)) return false;
      ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  struct Received {
    std::string data;
    bool eof = false;  // ended by an orderly end of stream
    int error = 0;     // errno if ended by an error
    bool stalled = false;
  };

  // Reads until the end of stream (or an error), `chunk` bytes at most per
  // read, sleeping `pause` after each read.
  Received read_to_end(std::size_t chunk = 256 * 1024, std::chrono::milliseconds pause = 0ms) {
    Received r;
    std::string buffer(chunk, '\0');
    for (;;) {
      if (!wait_for(fd(), POLLIN)) {
        r.stalled = true;
        return r;
      }
      ssize_t n = ::recv(fd(), buffer.data(), buffer.size(), 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n < 0) {
        r.error = errno;
        return r;
      }
      if (n == 0) {
        r.eof = true;
        return r;
      }
      r.data.append(buffer.data(), static_cast<std::size_t>(n));
      if (pause > 0ms) std::this_thread::sleep_for(pause);
    }
  }

  // Reads exactly `size` bytes (or fewer if the stream ends first).
  std::string read_exactly(std::size_t size) {
    std::string out;
    char buffer[4096];
    while (out.size() < size) {
      if (!wait_for(fd(), POLLIN)) break;
      ssize_t n = ::recv(fd(), buffer, std::min(sizeof(buffer), size - out.size()), 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

  void shutdown_send() { ASSERT_EQ(::shutdown(fd(), SHUT_WR), 0) << std::strerror(errno); }

  // Closes with SO_LINGER 0: the other end gets a reset, not an end of stream.
  void reset() {
    linger l{1, 0};
    ASSERT_EQ(::setsockopt(fd(), SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
    socket_.close();
  }

 private:
  tcp::socket socket_;
};

// The relay's two connections: client peer <-> relay <-> server peer, each a
// loopback TCP connection made with an acceptor on 127.0.0.1:0.
// Which relay runs: the `mode tcp` one (net::TcpRelay, callbacks), or the
// coroutine one that `mode mysql` uses (net::relay).
enum class Path { tcp, general };

std::string path_name(Path path) { return path == Path::tcp ? "tcp" : "general"; }

class RelayFixture : public ::testing::Test {
 protected:
  virtual Path path() const = 0;

  // `peer_receive_buffer` > 0 shrinks the peers' receive buffers (set before
  // connecting, so the window follows), for the relay to meet back-pressure.
  void connect(int peer_receive_buffer = 0) {
    client_.emplace(connect_pair(client_end_, peer_receive_buffer));
    server_.emplace(connect_pair(server_end_, peer_receive_buffer));
  }

  // Starts the relay on its own thread; `finish()` waits for it.
  void start(RelayTimeouts timeouts = {}) {
    timeouts_ = timeouts;
    started_ = Clock::now();
    if (path() == Path::tcp) {
      asio::post(io_, [this] { (new TcpRelayHost(*this))->start(); });
    } else {
      asio::co_spawn(
          io_, borealis::net::relay(client_end_, server_end_, timeouts_),
          [this](std::exception_ptr error, RelayOutcome outcome) { ended(error, outcome); });
    }
    runner_ = std::thread([this] { io_.run(); });
  }

  // As the session does: the relay's sockets go away once it has ended.
  void ended(std::exception_ptr error, const RelayOutcome& outcome) {
    ended_ = Clock::now();
    relay_error_ = error;
    outcome_ = outcome;
    asio::error_code ignored;
    client_end_.close(ignored);
    server_end_.close(ignored);
    done_.set_value();
  }

  // Owns the TcpRelay, as the session's host does (net::RelayHost).
  class TcpRelayHost final : public borealis::net::RelayHost {
   public:
    explicit TcpRelayHost(RelayFixture& fixture)
        : fixture_(fixture),
          relay_(*this, fixture.client_end_, fixture.server_end_, fixture.timeouts_) {}
    void start() { relay_.start(); }
    void relay_ended(const RelayOutcome& outcome, std::exception_ptr failure) override {
      fixture_.ended(failure, outcome);
    }

   private:
    RelayFixture& fixture_;
    borealis::net::TcpRelay relay_;
  };

  // Waits for the relay to end; fails (and stops it) after `limit`.
  RelayOutcome finish(std::chrono::seconds limit = 60s) {
    auto done = done_.get_future();
    if (done.wait_for(limit) != std::future_status::ready) {
      ADD_FAILURE() << "relay still running after " << limit.count() << " s";
      io_.stop();
    }
    runner_.join();
    EXPECT_FALSE(relay_error_) << "relay threw";
    return outcome_;
  }

  std::chrono::milliseconds relay_duration() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(ended_ - started_);
  }

  void TearDown() override {
    if (runner_.joinable()) {
      io_.stop();
      runner_.join();
    }
  }

  Peer& client() { return *client_; }
  Peer& server() { return *server_; }

  asio::io_context io_;
  asio::io_context peers_io_;  // never run: the peers only use blocking calls
  tcp::socket client_end_{io_};
  tcp::socket server_end_{io_};
  std::optional<Peer> client_, server_;
  RelayTimeouts timeouts_;
  Clock::time_point started_, ended_;

 private:
  Peer connect_pair(tcp::socket& relay_end, int peer_receive_buffer) {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket peer(peers_io_);
    peer.open(tcp::v4());
    if (peer_receive_buffer > 0)
      peer.set_option(asio::socket_base::receive_buffer_size(peer_receive_buffer));
    peer.connect(acceptor.local_endpoint());
    acceptor.accept(relay_end);
    return Peer(std::move(peer));
  }

  std::promise<void> done_;
  std::thread runner_;
  std::exception_ptr relay_error_;
  RelayOutcome outcome_;
};

class RelayTest : public RelayFixture, public ::testing::WithParamInterface<Path> {
 protected:
  Path path() const override { return GetParam(); }
};

// ---------------------------------------------------------------------------
// bytes both ways

class RelaySizeTest : public RelayFixture,
                      public ::testing::WithParamInterface<std::tuple<Path, std::size_t>> {
 protected:
  Path path() const override { return std::get<0>(GetParam()); }
};

// Both peers send at the same time, then end their stream; each must receive
// exactly what the other sent, and the relay count it.
TEST_P(RelaySizeTest, CarriesEveryByteBothWays) {
  const std::size_t size = std::get<1>(GetParam());
  const std::string to_server = payload(size, 1);
  const std::string to_client = payload(size, 2);
  connect();
  start();

  auto sender = [](Peer& peer, const std::string& data) {
    bool ok = peer.write_all(data);
    if (ok) ::shutdown(peer.fd(), SHUT_WR);
    return ok;
  };
  auto client_sent =
      std::async(std::launch::async, sender, std::ref(client()), std::cref(to_server));
  auto server_sent =
      std::async(std::launch::async, sender, std::ref(server()), std::cref(to_client));
  auto client_got = std::async(std::launch::async, [&] { return client().read_to_end(); });
  auto server_got = std::async(std::launch::async, [&] { return server().read_to_end(); });

  EXPECT_TRUE(client_sent.get());
  EXPECT_TRUE(server_sent.get());
  Peer::Received at_server = server_got.get();
  Peer::Received at_client = client_got.get();
  RelayOutcome outcome = finish();

  EXPECT_TRUE(at_server.eof) << "error " << at_server.error << " stalled " << at_server.stalled;
  EXPECT_TRUE(at_client.eof) << "error " << at_client.error << " stalled " << at_client.stalled;
  EXPECT_TRUE(at_server.data == to_server) << first_difference(at_server.data, to_server);
  EXPECT_TRUE(at_client.data == to_client) << first_difference(at_client.data, to_client);
  EXPECT_EQ(outcome.cause, TerminationCause::none);
  EXPECT_EQ(outcome.bytes_to_server, size);
  EXPECT_EQ(outcome.bytes_to_client, size);
}

INSTANTIATE_TEST_SUITE_P(Sizes, RelaySizeTest,
                         ::testing::Combine(::testing::Values(Path::tcp, Path::general),
                                            ::testing::Values(1, 511, 512, 513, 16383, 16384, 16385,
                                                              std::size_t{1} << 20,
                                                              std::size_t{64} << 20)),
                         [](const auto& param_info) {
                           return path_name(std::get<0>(param_info.param)) + "_" +
                                  std::to_string(std::get<1>(param_info.param));
                         });

INSTANTIATE_TEST_SUITE_P(Paths, RelayTest, ::testing::Values(Path::tcp, Path::general),
                         [](const auto& param_info) { return path_name(param_info.param); });

// A reader that takes small bites with pauses, behind a small receive
// buffer: the relay's writes wait, and nothing is lost or reordered.
TEST_P(RelayTest, SlowReadersReceiveEverything) {
  const std::string to_server = payload(1 << 20, 3);
  const std::string to_client = payload((1 << 20) + 17, 4);
  connect(4096);
  start(RelayTimeouts{5000ms, 5000ms, {}, {}, {}});

  auto client_sent = std::async(std::launch::async, [&] {
    return client().write_all(to_server) && ::shutdown(client().fd(), SHUT_WR) == 0;
  });
  auto server_sent = std::async(std::launch::async, [&] {
    return server().write_all(to_client) && ::shutdown(server().fd(), SHUT_WR) == 0;
  });
  auto server_got = std::async(std::launch::async, [&] { return server().read_to_end(700, 1ms); });
  auto client_got = std::async(std::launch::async, [&] { return client().read_to_end(1500, 1ms); });

  EXPECT_TRUE(client_sent.get());
  EXPECT_TRUE(server_sent.get());
  Peer::Received at_server = server_got.get();
  Peer::Received at_client = client_got.get();
  RelayOutcome outcome = finish();

  EXPECT_TRUE(at_server.eof);
  EXPECT_TRUE(at_client.eof);
  EXPECT_TRUE(at_server.data == to_server) << first_difference(at_server.data, to_server);
  EXPECT_TRUE(at_client.data == to_client) << first_difference(at_client.data, to_client);
  EXPECT_EQ(outcome.cause, TerminationCause::none);
  EXPECT_EQ(outcome.bytes_to_server, to_server.size());
  EXPECT_EQ(outcome.bytes_to_client, to_client.size());
}

// ---------------------------------------------------------------------------
// half-close

// The client sends a request and shuts its write side: the server sees the
// end of stream, and only then answers; the answer reaches the client.
TEST_P(RelayTest, ClientHalfCloseLetsTheServerStillReply) {
  connect();
  start();
  ASSERT_TRUE(client().write_all("request"));
  client().shutdown_send();

  Peer::Received at_server = server().read_to_end();
  EXPECT_TRUE(at_server.eof) << "the server did not see the client's end of stream";
  EXPECT_EQ(at_server.data, "request");
  // The relay goes on with one direction closed.
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(server().write_all("reply"));
  EXPECT_EQ(client().read_exactly(5), "reply");
  server().shutdown_send();

  RelayOutcome outcome = finish();
  Peer::Received rest = client().read_to_end();
  EXPECT_TRUE(rest.eof);
  EXPECT_EQ(rest.data, "");
  EXPECT_EQ(outcome.cause, TerminationCause::none);
  EXPECT_EQ(outcome.bytes_to_server, 7u);
  EXPECT_EQ(outcome.bytes_to_client, 5u);
}

// The reverse: the server speaks first and shuts its write side; the client
// sees the end of stream and can still send, and the server receives it.
TEST_P(RelayTest, ServerHalfCloseLetsTheClientStillSend) {
  connect();
  start();
  ASSERT_TRUE(server().write_all("greeting"));
  server().shutdown_send();

  Peer::Received at_client = client().read_to_end();
  EXPECT_TRUE(at_client.eof) << "the client did not see the server's end of stream";
  EXPECT_EQ(at_client.data, "greeting");
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(client().write_all("late words"));
  EXPECT_EQ(server().read_exactly(10), "late words");
  client().shutdown_send();

  RelayOutcome outcome = finish();
  Peer::Received rest = server().read_to_end();
  EXPECT_TRUE(rest.eof);
  EXPECT_EQ(rest.data, "");
  EXPECT_EQ(outcome.cause, TerminationCause::none);
  EXPECT_EQ(outcome.bytes_to_server, 10u);
  EXPECT_EQ(outcome.bytes_to_client, 8u);
}

// ---------------------------------------------------------------------------
// idle timeouts

constexpr auto kShortTimeout = 200ms;
constexpr auto kGenerous = 10s;

TEST_P(RelayTest, SilentClientTimesOut) {
  connect();
  start(RelayTimeouts{kShortTimeout, {}, {}, {}, {}});
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::client_timeout);
  EXPECT_GE(relay_duration(), kShortTimeout);
  EXPECT_LT(relay_duration(), kGenerous);
  // Both peers are disconnected.
  EXPECT_TRUE(client().read_to_end().eof);
  EXPECT_TRUE(server().read_to_end().eof);
  EXPECT_EQ(outcome.bytes_to_client, 0u);
  EXPECT_EQ(outcome.bytes_to_server, 0u);
}

TEST_P(RelayTest, SilentServerTimesOut) {
  connect();
  start(RelayTimeouts{{}, kShortTimeout, {}, {}, {}});
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::server_timeout);
  EXPECT_GE(relay_duration(), kShortTimeout);
  EXPECT_LT(relay_duration(), kGenerous);
}

// Traffic keeps the client side alive past its timeout; the timeout counts
// from the last byte.
TEST_P(RelayTest, ActivityPostponesTheClientTimeout) {
  connect();
  start(RelayTimeouts{kShortTimeout, {}, {}, {}, {}});
  // Read before the last write: the relay sees that byte after this, so its
  // idle time cannot end before this plus the timeout, however late this
  // thread runs after the write.
  Clock::time_point last_write;
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(60ms);
    last_write = Clock::now();
    ASSERT_TRUE(client().write_all("x"));
  }
  EXPECT_EQ(server().read_exactly(8), "xxxxxxxx");
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::client_timeout);
  EXPECT_GE(ended_ - last_write, kShortTimeout);
  EXPECT_LT(ended_ - last_write, kGenerous);
  EXPECT_EQ(outcome.bytes_to_server, 8u);
}

// Once the client has half-closed, `timeout client-fin` replaces
// `timeout client` for it.
TEST_P(RelayTest, HalfClosedClientUsesClientFinTimeout) {
  connect();
  start(RelayTimeouts{30s, {}, kShortTimeout, {}, {}});
  client().shutdown_send();
  auto shut = Clock::now();
  EXPECT_TRUE(server().read_to_end().eof);
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::client_timeout);
  // Idle time counts from the last byte carried (none here: since the
  // start), not from the half-close.
  EXPECT_GE(relay_duration(), kShortTimeout);
  EXPECT_LT(ended_ - shut, kGenerous);
}

// And `timeout server-fin` for a server that has half-closed.
TEST_P(RelayTest, HalfClosedServerUsesServerFinTimeout) {
  connect();
  start(RelayTimeouts{{}, 30s, {}, kShortTimeout, {}});
  server().shutdown_send();
  auto shut = Clock::now();
  EXPECT_TRUE(client().read_to_end().eof);
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::server_timeout);
  // Idle time counts from the last byte carried (none here: since the
  // start), not from the half-close.
  EXPECT_GE(relay_duration(), kShortTimeout);
  EXPECT_LT(ended_ - shut, kGenerous);
}

// ---------------------------------------------------------------------------
// resets

TEST_P(RelayTest, ClientResetIsAClientAbort) {
  connect();
  start();
  ASSERT_TRUE(client().write_all("hello"));
  EXPECT_EQ(server().read_exactly(5), "hello");
  client().reset();
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::client_abort);
  EXPECT_EQ(outcome.bytes_to_server, 5u);
  // The server side is closed by the relay.
  Peer::Received rest = server().read_to_end();
  EXPECT_FALSE(rest.stalled);
  EXPECT_EQ(rest.data, "");
}

TEST_P(RelayTest, ServerResetIsAServerAbort) {
  connect();
  start();
  ASSERT_TRUE(server().write_all("greeting"));
  EXPECT_EQ(client().read_exactly(8), "greeting");
  server().reset();
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::server_abort);
  EXPECT_EQ(outcome.bytes_to_client, 8u);
  Peer::Received rest = client().read_to_end();
  EXPECT_FALSE(rest.stalled);
  EXPECT_EQ(rest.data, "");
}

// A reset while the relay is writing towards that peer: whichever of the
// read or the write notices first, the abort is the resetting side's.
TEST_P(RelayTest, ServerResetDuringUploadIsAServerAbort) {
  connect(4096);
  start();
  const std::string upload = payload(8 << 20, 5);
  auto sent = std::async(std::launch::async, [&] { return client().write_all(upload); });
  EXPECT_EQ(server().read_exactly(1000).size(), 1000u);
  server().reset();
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::server_abort);
  sent.get();  // the relay closed the client's connection: the sender ends
}

TEST_P(RelayTest, ClientResetDuringDownloadIsAClientAbort) {
  connect(4096);
  start();
  const std::string download = payload(8 << 20, 6);
  auto sent = std::async(std::launch::async, [&] { return server().write_all(download); });
  EXPECT_EQ(client().read_exactly(1000).size(), 1000u);
  client().reset();
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::client_abort);
  sent.get();
}

// ---------------------------------------------------------------------------
// the relay's start and an operator's shutdown

// Bytes both peers sent before the relay started (their readiness already
// reported by epoll while nobody waited) are relayed without more arriving.
TEST_P(RelayTest, BytesSentBeforeTheStartAreRelayed) {
  connect();
  ASSERT_TRUE(client().write_all("early request"));
  ASSERT_TRUE(server().write_all("early greeting"));
  // The relay's io_context polls epoll while both sockets are readable
  // and nobody waits on them: their edges are reported and dropped.
  asio::steady_timer settle(io_, 10s);
  settle.async_wait([](const asio::error_code&) {});
  io_.run_for(100ms);
  settle.cancel();
  io_.run();
  io_.restart();
  start();
  EXPECT_EQ(server().read_exactly(13), "early request");
  EXPECT_EQ(client().read_exactly(14), "early greeting");
  client().shutdown_send();
  server().shutdown_send();
  EXPECT_TRUE(client().read_to_end().eof);
  EXPECT_TRUE(server().read_to_end().eof);
  RelayOutcome outcome = finish();
  EXPECT_EQ(outcome.cause, TerminationCause::none);
  EXPECT_EQ(outcome.bytes_to_server, 13u);
  EXPECT_EQ(outcome.bytes_to_client, 14u);
}

// `shutdown sessions`: the session closes both sockets while the relay waits
// on them. The relay ends (its waits cancelled) instead of hanging, and both
// peers see their connection end.
TEST_P(RelayTest, SocketsClosedUnderTheRelayEndIt) {
  connect();
  start(RelayTimeouts{60000ms, 60000ms, {}, {}, {}});
  ASSERT_TRUE(client().write_all("ping"));
  EXPECT_EQ(server().read_exactly(4), "ping");
  asio::post(io_, [this] {
    asio::error_code ignored;
    client_end_.close(ignored);
    server_end_.close(ignored);
  });
  RelayOutcome outcome = finish(10s);
  EXPECT_NE(outcome.cause, TerminationCause::none);
  EXPECT_NE(outcome.cause, TerminationCause::client_timeout);
  EXPECT_TRUE(client().read_to_end().eof);
  EXPECT_TRUE(server().read_to_end().eof);
}

}  // namespace

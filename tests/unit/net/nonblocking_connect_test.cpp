// net::start_connect and net::connect_result against real loopback sockets:
// a connect that succeeds, one that is refused, and the socket's flags
// (non-blocking and close-on-exec from its first system call).
#include "net/nonblocking_connect.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <optional>

namespace {

using asio::ip::tcp;
using borealis::net::connect_result;
using borealis::net::start_connect;

// Finishes a connect as the session does: waits for writability if it is
// in progress, then asks how it ended.
asio::error_code finish(asio::io_context& context, tcp::socket& socket,
                        const tcp::endpoint& target) {
  const auto start = start_connect(socket, target);
  if (!start.in_progress) return start.error;
  std::optional<asio::error_code> waited;
  socket.async_wait(tcp::socket::wait_write,
                    [&waited](const asio::error_code& error) { waited = error; });
  context.run();
  context.restart();
  EXPECT_TRUE(waited.has_value());
  return *waited ? *waited : connect_result(socket);
}

// A loopback port nothing listens on: bound, then closed.
tcp::endpoint unused_port(asio::io_context& context) {
  tcp::acceptor probe(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto endpoint = probe.local_endpoint();
  probe.close();
  return endpoint;
}

TEST(NonblockingConnect, ConnectsAndTheSocketIsNonBlockingAndCloseOnExec) {
  asio::io_context context;
  tcp::acceptor listener(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket socket(context);
  EXPECT_FALSE(finish(context, socket, listener.local_endpoint()));
  ASSERT_TRUE(socket.is_open());
  const int descriptor = socket.native_handle();
  EXPECT_TRUE(::fcntl(descriptor, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(::fcntl(descriptor, F_GETFD) & FD_CLOEXEC);
  tcp::socket accepted(context);
  listener.accept(accepted);
  EXPECT_EQ(accepted.remote_endpoint(), socket.local_endpoint());
}

TEST(NonblockingConnect, ARefusedConnectSaysSo) {
  asio::io_context context;
  tcp::socket socket(context);
  EXPECT_EQ(finish(context, socket, unused_port(context)), asio::error::connection_refused);
}

TEST(NonblockingConnect, AnOpenSocketIsClosedAndOpenedAfresh) {
  asio::io_context context;
  tcp::acceptor listener(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket socket(context);
  EXPECT_EQ(finish(context, socket, unused_port(context)), asio::error::connection_refused);
  // A retry on the same socket object, as the session's connect loop does.
  EXPECT_FALSE(finish(context, socket, listener.local_endpoint()));
  tcp::socket accepted(context);
  listener.accept(accepted);
  EXPECT_EQ(accepted.remote_endpoint(), socket.local_endpoint());
}

}  // namespace

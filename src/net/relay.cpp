#include "net/relay.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "net/buffer_pool.hpp"

namespace borealis::net {

namespace {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

struct Side {
  tcp::socket& socket;
  core::SteadyTime last_activity;
  bool finished_sending = false;  // this side half-closed towards us
};

struct RelayState {
  Side client;
  Side server;
  RelayOutcome outcome;
  bool stopped = false;
};

// Ends the relay at once: both sockets closed, so the other pump and the
// watchdog return on their next step.
void stop(RelayState& state, char cause) {
  if (state.stopped) return;
  state.stopped = true;
  if (state.outcome.cause == '-') state.outcome.cause = cause;
  asio::error_code ignored;
  state.client.socket.close(ignored);
  state.server.socket.close(ignored);
}

// One direction. Reads are tried first and only wait for readiness when the
// socket is empty, so an idle connection holds no buffer.
asio::awaitable<void> pump(RelayState& state, Side& from, Side& to, std::uint64_t& counter,
                           char abort_cause) {
  BufferPool& pool = BufferPool::for_this_thread();
  asio::error_code error;
  while (!state.stopped) {
    auto buffer = pool.lend();
    std::size_t count = from.socket.read_some(asio::buffer(buffer.data(), buffer.size()), error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      { auto drop = std::move(buffer); }
      co_await from.socket.async_wait(tcp::socket::wait_read,
                                      asio::redirect_error(asio::use_awaitable, error));
      if (error) break;
      continue;
    }
    if (error == asio::error::eof) {
      from.finished_sending = true;
      to.socket.shutdown(tcp::socket::shutdown_send, error);
      co_return;
    }
    if (error) break;
    from.last_activity = core::SteadyClock::now();
    co_await asio::async_write(to.socket, asio::buffer(buffer.data(), count),
                               asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      abort_cause = abort_cause == 'C' ? 'S' : 'C';  // the writing side failed
      break;
    }
    to.last_activity = core::SteadyClock::now();
    counter += count;
  }
  if (!state.stopped) stop(state, abort_cause);
}

std::optional<config::Duration> idle_limit(const Side& side, std::optional<config::Duration> idle,
                                           std::optional<config::Duration> fin) {
  if (side.finished_sending && fin) return fin;
  return idle;
}

// Wakes at the earliest idle deadline and ends the relay if it passed.
asio::awaitable<void> watchdog(RelayState& state, const RelayTimeouts& timeouts) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!state.stopped) {
    auto client_limit = idle_limit(state.client, timeouts.client, timeouts.client_fin);
    auto server_limit = idle_limit(state.server, timeouts.server, timeouts.server_fin);
    auto now = core::SteadyClock::now();
    if (client_limit && now - state.client.last_activity >= *client_limit) co_return stop(state, 'c');
    if (server_limit && now - state.server.last_activity >= *server_limit) co_return stop(state, 's');
    auto deadline = core::SteadyTime::max();
    if (client_limit) deadline = std::min(deadline, state.client.last_activity + *client_limit);
    if (server_limit) deadline = std::min(deadline, state.server.last_activity + *server_limit);
    timer.expires_at(deadline);
    asio::error_code error;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;  // cancelled: the pumps finished
  }
}

}  // namespace

asio::awaitable<RelayOutcome> relay(tcp::socket& client, tcp::socket& server,
                                    const RelayTimeouts& timeouts) {
  auto now = core::SteadyClock::now();
  RelayState state{Side{client, now}, Side{server, now}, {}, false};
  asio::error_code ignored;
  client.non_blocking(true, ignored);
  server.non_blocking(true, ignored);
  co_await ((pump(state, state.client, state.server, state.outcome.bytes_to_server, 'C') &&
             pump(state, state.server, state.client, state.outcome.bytes_to_client, 'S')) ||
            watchdog(state, timeouts));
  co_return state.outcome;
}

}  // namespace borealis::net

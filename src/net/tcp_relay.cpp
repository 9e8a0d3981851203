// How the `mode tcp` relay moves bytes, and why it is not asio's
// async_read_some in a loop.
//
// asio's reactor reads speculatively before every queued read, and the asio
// shipped here (1.22) counts only an end of stream as "nothing more to read":
// after every message it reads once more, gets EAGAIN, and goes back to
// epoll: more system calls per message than needed.
//
// Here each direction reads and writes with plain system calls, inside one
// callback, and waits for readability only after a read that returned less
// than it asked for (or EAGAIN): a short read of a TCP socket means its
// receive queue was empty at that moment. The wait is asio's async_wait,
// which re-arms the descriptor in epoll (EPOLL_CTL_MOD), so bytes that came
// in between are reported at once: no edge is lost. A message costs
// recv, send and that re-arm, where a queued async_read_some cost recv, send,
// a recv returning EAGAIN and an extra epoll_wait for its posted completion.
// A read buffer (16 KiB, pooled per worker) is taken for a read and given
// back when the read was short: an idle direction holds none. The calls say
// MSG_DONTWAIT themselves: they never block, whatever the descriptor's mode
// (asio sets O_NONBLOCK at a socket's first wait all the same).
#include "net/tcp_relay.hpp"

#include <sys/socket.h>

#include <asio/write.hpp>
#include <cerrno>

#include "net/idle_limit.hpp"

namespace borealis::net {

using asio::ip::tcp;
using logging::TerminationCause;

namespace {

void close_quietly(tcp::socket& socket) {
  asio::error_code ignored;
  socket.close(ignored);
}

// Full 16 KiB reads one direction makes before it lets the worker's other
// sessions run: a fast sender to a fast reader would otherwise keep the
// worker to itself until a socket buffer fills.
constexpr int kFullReadsPerTurn = 16;

TerminationCause other_side(TerminationCause abort_cause) {
  return abort_cause == TerminationCause::client_abort ? TerminationCause::server_abort
                                                       : TerminationCause::client_abort;
}

}  // namespace

TcpRelay::TcpRelay(RelayHost& host, tcp::socket& client, tcp::socket& server,
                   const RelayTimeouts& timeouts)
    : host_(host),
      client_{client, core::SteadyClock::now()},
      server_{server, client_.last_activity},
      to_server_{client_, server_,     tally_.bytes_to_server, TerminationCause::client_abort,
                 false,   std::nullopt},
      to_client_{server_, client_,     tally_.bytes_to_client, TerminationCause::server_abort,
                 false,   std::nullopt},
      timeouts_(timeouts),
      timer_(client.get_executor()) {}

void TcpRelay::start() {
  RelayHost::Hold during(host_);
  guarded([this] {
    move_bytes(to_client_);
    move_bytes(to_server_);
    watch();
  });
}

// Runs one step of the relay; what it throws (out of memory) ends the relay.
template <typename Step>
void TcpRelay::guarded(Step step) {
  try {
    step();
  } catch (...) {
    if (!failure_) failure_ = std::current_exception();
    stop(TerminationCause::proxy);
  }
  settle();
}

// After every step: the watchdog looks again if limits changed or the relay
// ended, and the host hears the end once no callback is queued.
void TcpRelay::settle() {
  const bool over = stopped_ || both_ended();
  if (timer_pending_ && (over || limits_changed_)) timer_.cancel();
  if (over && pending_ == 0 && !reported_) {
    reported_ = true;
    RelayOutcome outcome;
    outcome.cause = tally_.cause;
    outcome.bytes_to_client = tally_.bytes_to_client;
    outcome.bytes_to_server = tally_.bytes_to_server;
    host_.relay_ended(outcome, failure_);
  }
}

// Reads `way.from` and writes what came to `way.to` until a read comes back
// short (then waits for readability), a write has to wait for room, or the
// direction ends.
void TcpRelay::move_bytes(Direction& way) {
  BufferPool& pool = BufferPool::for_this_thread();
  int full_reads = 0;
  while (!stopped_ && !way.ended) {
    if (!way.lease) way.lease.emplace(pool.lend());
    const ssize_t count = ::recv(way.from.socket.native_handle(), way.lease->data(),
                                 BufferPool::Lease::size(), MSG_DONTWAIT);
    if (count > 0) {
      way.from.last_activity = core::SteadyClock::now();
      const auto length = static_cast<std::size_t>(count);
      if (!write_all(way, 0, length)) return;
      // A full read: maybe more. After a few, the worker's other sessions
      // get their turn (the wait reports the socket readable at once).
      if (length == BufferPool::Lease::size() && ++full_reads < kFullReadsPerTurn) continue;
      way.lease.reset();
      return wait_readable(way);
    }
    if (count == 0) return end_of_stream(way);
    const int error = errno;
    if (error == EINTR) continue;
    way.lease.reset();
    if (error == EAGAIN || error == EWOULDBLOCK) return wait_readable(way);
    return stop(way.abort_cause);
  }
}

// Writes the lease's bytes [offset, length) to `way.to`. False when they
// could not all go now: a write waits for room, or the writing failed.
bool TcpRelay::write_all(Direction& way, std::size_t offset, std::size_t length) {
  while (offset < length) {
    const ssize_t count = ::send(way.to.socket.native_handle(), way.lease->data() + offset,
                                 length - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (count > 0) {
      offset += static_cast<std::size_t>(count);
      continue;
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      write_later(way, offset, length);
    } else {
      stop(other_side(way.abort_cause));  // the writing side failed
    }
    return false;
  }
  way.to.last_activity = core::SteadyClock::now();
  way.counter += length;
  return true;
}

void TcpRelay::wait_readable(Direction& way) {
  ++pending_;
  way.from.socket.async_wait(tcp::socket::wait_read,
                             [this, &way, hold = RelayHost::Hold(host_)](asio::error_code error) {
                               --pending_;
                               guarded([this, &way, error] {
                                 if (stopped_) return;
                                 // Cancelled: the socket was closed under the relay (an
                                 // operator's shutdown).
                                 if (error) return stop(way.abort_cause);
                                 move_bytes(way);
                               });
                             });
}

// `way.to` is full (a slow reader): asio writes the rest when there is
// room. Meanwhile `way.from` is not read, so TCP holds its sender back.
void TcpRelay::write_later(Direction& way, std::size_t offset, std::size_t length) {
  ++pending_;
  asio::async_write(
      way.to.socket, asio::buffer(way.lease->data() + offset, length - offset),
      [this, &way, length, hold = RelayHost::Hold(host_)](asio::error_code error, std::size_t) {
        --pending_;
        guarded([this, &way, length, error] {
          if (stopped_) return;
          if (error) return stop(other_side(way.abort_cause));
          way.to.last_activity = core::SteadyClock::now();
          way.counter += length;
          way.lease.reset();
          move_bytes(way);  // epoll ran meanwhile: read, do not wait
        });
      });
}

// `way.from` finished sending: the half-close is passed on, unless the other
// way ended too (both sockets are about to be closed). Its idle limit may now
// be its `-fin` timeout.
void TcpRelay::end_of_stream(Direction& way) {
  way.ended = true;
  way.lease.reset();
  way.from.finished_sending = true;
  if (way.to.finished_sending) return;
  asio::error_code ignored;
  way.to.socket.shutdown(tcp::socket::shutdown_send, ignored);
  limits_changed_ = true;
}

// Ends the relay at once: both sockets closed, so queued waits are cancelled
// and their callbacks return.
void TcpRelay::stop(TerminationCause cause) {
  if (stopped_) return;
  stopped_ = true;
  if (tally_.cause == TerminationCause::none) tally_.cause = cause;
  close_quietly(client_.socket);
  close_quietly(server_.socket);
}

// When a side will have been idle too long; stops the relay if one has.
std::optional<core::SteadyTime> TcpRelay::idle_deadline() {
  const auto client_limit =
      idle_limit(client_.finished_sending, timeouts_.client, timeouts_.client_fin);
  const auto server_limit =
      idle_limit(server_.finished_sending, timeouts_.server, timeouts_.server_fin);
  const auto now = core::SteadyClock::now();
  if (client_limit && now - client_.last_activity >= *client_limit) {
    stop(TerminationCause::client_timeout);
    return std::nullopt;
  }
  if (server_limit && now - server_.last_activity >= *server_limit) {
    stop(TerminationCause::server_timeout);
    return std::nullopt;
  }
  auto deadline = core::SteadyTime::max();
  if (client_limit) deadline = std::min(deadline, client_.last_activity + *client_limit);
  if (server_limit) deadline = std::min(deadline, server_.last_activity + *server_limit);
  return deadline;
}

// The watchdog: sleeps until the earliest idle deadline, looks, and sleeps
// again. Activity only moves a side's last_activity: the timer is set again
// only when it fires (or limits change), not for every message.
void TcpRelay::watch() {
  limits_changed_ = false;
  if (stopped_ || both_ended()) return;
  const auto deadline = idle_deadline();
  if (!deadline) return;  // a side was idle too long: stopped
  timer_.expires_at(*deadline);
  ++pending_;
  timer_pending_ = true;
  timer_.async_wait([this, hold = RelayHost::Hold(host_)](asio::error_code) {
    --pending_;
    timer_pending_ = false;
    guarded([this] { watch(); });
  });
}

}  // namespace borealis::net

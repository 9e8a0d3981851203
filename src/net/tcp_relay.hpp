// The relay of `mode tcp`: two plain TCP sockets, no TLS, nothing that looks
// into the bytes. It is driven by readiness callbacks, not by coroutines, so
// that an idle session holds no read buffer and no coroutine frame, and a
// message costs one read and one write (see tcp_relay.cpp).
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "core/clock.hpp"
#include "net/buffer_pool.hpp"
#include "net/relay.hpp"

namespace borealis::net {

// What owns a TcpRelay: the relay's queued callbacks keep it alive, and it
// hears the relay's end. It is deleted when the last callback is gone,
// whether the callback ran or was dropped with its io_context: nothing
// outlives it or points into it after.
class RelayHost {
 public:
  RelayHost() = default;
  RelayHost(const RelayHost&) = delete;
  RelayHost& operator=(const RelayHost&) = delete;

  // Called once, when the relay has ended and no callback of it is queued.
  // `failure`: what a callback threw (the outcome then says `proxy`).
  virtual void relay_ended(const RelayOutcome& outcome, std::exception_ptr failure) = 0;

  // A counted hold on the host, carried by each queued callback.
  class Hold {
   public:
    explicit Hold(RelayHost& host) : host_(&host) { ++host.holds_; }
    Hold(Hold&& other) noexcept : host_(std::exchange(other.host_, nullptr)) {}
    Hold& operator=(Hold&&) = delete;
    Hold(const Hold&) = delete;
    ~Hold() {
      if (host_ && --host_->holds_ == 0) delete host_;
    }

   private:
    RelayHost* host_;
  };

 protected:
  virtual ~RelayHost() = default;

 private:
  int holds_ = 0;
};

// Same contract as relay() (relay.hpp) without MySQL hooks: half-close passed
// on, each side's idle and `-fin` timeouts, the bytes counted both ways, the
// cause of the end. Both sockets must be connected, outlive the relay, and
// have no other operation pending; everything runs on their executor.
class TcpRelay {
 public:
  TcpRelay(RelayHost& host, asio::ip::tcp::socket& client, asio::ip::tcp::socket& server,
           const RelayTimeouts& timeouts);
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  // Moves what each side already has; from then on, callbacks do. The host
  // may be deleted before this returns (both sockets already failed): the
  // caller must not touch it after.
  void start();

 private:
  struct Side {
    asio::ip::tcp::socket& socket;
    core::SteadyTime last_activity;
    bool finished_sending = false;  // this side half-closed towards us
  };
  // One way across the relay: what `from` sends is written to `to`.
  struct Direction {
    Side& from;
    Side& to;
    std::uint64_t& counter;
    logging::TerminationCause abort_cause;  // when reading `from` fails
    bool ended = false;
    // Held while bytes are in it: during a read, and while a write waits
    // for room.
    std::optional<BufferPool::Lease> lease;
  };

  template <typename Step>
  void guarded(Step step);
  void settle();
  bool both_ended() const { return to_server_.ended && to_client_.ended; }
  void move_bytes(Direction& way);
  bool write_all(Direction& way, std::size_t offset, std::size_t length);
  void wait_readable(Direction& way);
  void write_later(Direction& way, std::size_t offset, std::size_t length);
  void end_of_stream(Direction& way);
  void stop(logging::TerminationCause cause);
  void watch();
  std::optional<core::SteadyTime> idle_deadline();

  // What the RelayOutcome at the end reports: the outcome itself carries
  // `mode mysql`'s fields too, which an idle session need not hold.
  struct Tally {
    logging::TerminationCause cause = logging::TerminationCause::none;
    std::uint64_t bytes_to_client = 0;
    std::uint64_t bytes_to_server = 0;
  };

  RelayHost& host_;
  Side client_, server_;
  Tally tally_;
  Direction to_server_, to_client_;
  RelayTimeouts timeouts_;
  asio::steady_timer timer_;  // the idle timeouts' watchdog
  int pending_ = 0;           // callbacks queued
  bool timer_pending_ = false;
  bool stopped_ = false;
  bool limits_changed_ = false;
  bool reported_ = false;
  std::exception_ptr failure_;
};

}  // namespace borealis::net

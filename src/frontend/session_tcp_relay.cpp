// A `mode tcp` session after its coroutine: the relay (net::TcpRelay) runs on
// callbacks and owns the session, which ends with it. An idle `mode tcp`
// session is then the session's state, the relay's and asio's per-socket
// state: no coroutine frame.
#include <unistd.h>

#include <memory>

#include "frontend/session_internal.hpp"
#include "net/tcp_relay.hpp"

namespace borealis::frontend::detail {

namespace {

// The server socket's connect registered it with epoll for writability, and
// asio never takes that back: every wait for readability (which re-arms the
// socket in epoll) would then report it writable too, and wake the worker
// for nothing after each message sent to the server. Registered afresh, it
// is watched for reading only; a write that has to wait adds writability
// back. (If epoll refuses, the socket is closed and the relay ends at once.)
void watch_for_reading_only(tcp::socket& socket, tcp protocol) {
  asio::error_code error;
  const auto descriptor = socket.release(error);
  if (error) return;
  socket.assign(protocol, descriptor, error);
  if (error) ::close(descriptor);
}

}  // namespace

class DetachedTcpRelay final : public net::RelayHost {
 public:
  explicit DetachedTcpRelay(std::unique_ptr<Session> session)
      : session_(std::move(session)),
        relay_(*this, session_->client_, session_->connection_->socket,
               session_->relay_timeouts()) {}

  void start() {
    watch_for_reading_only(session_->connection_->socket, session_->connection_->protocol);
    relay_.start();
  }

  // The relay's failure (out of memory) is already its cause (`proxy`).
  // The log line may fail to be written (out of memory): the session ends
  // all the same, and the worker goes on (as a session coroutine's
  // exception ended only that session).
  void relay_ended(const net::RelayOutcome& outcome, std::exception_ptr) override {
    try {
      session_->record_.bytes_from_client += outcome.bytes_to_server;
      session_->relay_ended(outcome.cause, outcome.bytes_to_client);
    } catch (...) {
    }
  }

 private:
  std::unique_ptr<Session> session_;
  net::TcpRelay relay_;
};

void Session::relay_detached(std::unique_ptr<Session> session) {
  // Owned from here by the relay's callbacks (net::RelayHost).
  (new DetachedTcpRelay(std::move(session)))->start();
}

}  // namespace borealis::frontend::detail

// Session continuity (docs/session-continuity.md): a `mode mysql` session
// going on over a new server connection. Whether it may, when an idle one
// gives its connection back, the new connection and the login borealis makes
// again (retried while the server is full), and what the client hears of a
// command the lost connection took with it.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "core/sleep.hpp"
#include "frontend/session_internal.hpp"
#include "mysql/session_state.hpp"

namespace borealis::frontend::detail {

// Session continuity needs a login borealis can make again (it proved the
// client's password: from the accounts of a `database@` server it runs, or
// a `mysql-user` of the backend) and a server that reports session state
// (borealis asks for CLIENT_SESSION_TRACK on its logins; it starts its
// databases with the trackers on, and turns them on for its sessions on
// other servers).
bool Session::mysql_continuity_possible() const {
  return mysql_->logged_in_for_client() && mysql_->response_format().session_track &&
         !mysql_->trackers_refused();
}

// How long a session may stay idle at a safe point before its server
// connection is given back: `timeout release`, else a database's
// `auto-pause` (so that idle clients let it pause), else never.
std::optional<config::Duration> Session::release_after() const {
  if (const auto& release = backend_->config().timeouts.release) return release;
  return account_source_ ? account_source_->auto_pause() : std::nullopt;
}

// Called by the relay as it gives the server connection back: the
// server's `maxconn` slot goes, and the database no longer counts this
// session, as unused since it went idle.
void Session::give_back_server(Connection& connection, std::chrono::nanoseconds idle) {
  server_given_back_ = true;
  backend_->continuity().count_release();
  frontend_.logger().log(
      logging::Level::debug,
      fmt::format("{}:{} {}/{}: session of '{}' gives its connection to '{}' back after {} ms "
                  "idle at a safe point",
                  client_address_.to_string(), record_.client_port, record_.frontend,
                  record_.backend, mysql_->client().user, connection.server_name,
                  std::chrono::duration_cast<std::chrono::milliseconds>(idle).count()));
  connection.server_slot.reset();
  if (database_use_) {
    database_use_->idle_for(idle);
    database_use_.reset();
  }
}

// The session's continuation, at debug: where it went on, why the last
// connection ended, what was restored.
void Session::log_continued(const Connection& connection, const mysql::SessionFollower& follower) {
  std::string how = "ended";
  if (server_given_back_)
    how = "was given back while idle";
  else if (follower.goodbye())
    how = fmt::format("ended with error {}", follower.goodbye());
  const mysql::SessionState& state = follower.state();
  frontend_.logger().log(
      logging::Level::debug,
      fmt::format("{}:{} {}/{}: session of '{}' continues on a new connection to '{}' (the last "
                  "one {}; schema '{}', {} variable(s) restored)",
                  client_address_.to_string(), record_.client_port, record_.frontend,
                  record_.backend, mysql_->client().user, connection.server_name, how,
                  state.schema(), state.variables().size()));
}

// A server that says "Too many connections" to a login borealis makes has
// not yet let go of connections borealis closed (their slots are counted
// by borealis), or is briefly full: it is asked again after a short
// pause, doubling, within `timeout queue` (else `timeout connect`).
core::SteadyTime Session::busy_server_patience() const {
  const auto& timeouts = backend_->config().timeouts;
  return core::SteadyClock::now() +
         timeouts.queue.value_or(timeouts.connect.value_or(kDefaultQueueWait));
}

// The session's server connection closed and a new one made, to the
// server the backend picks now. False: failure_reason_ or the termination
// state says why.
asio::awaitable<bool> Session::connect_anew(Connection& connection) {
  asio::error_code ignored;
  connection.socket.close(ignored);
  connection.socket = tcp::socket(client_.get_executor());
  connection.server_slot.reset();
  connection.server_id = -1;
  if (!co_await connect_to_server(connection) || !co_await send_proxy_header(connection))
    co_return false;
  connection.socket.set_option(tcp::no_delay(true), ignored);
  co_return true;
}

// The session's server connection ended at a safe point and the client
// has sent its next command: a new connection (waking the database if it
// must), the client's login made again by borealis, the session's schema
// and variables restored. False: the client got an ERR for its command.
asio::awaitable<bool> Session::mysql_reconnect(Connection& connection,
                                               mysql::SessionFollower& follower,
                                               bool command_waiting) {
  const mysql::SessionState& state = follower.state();
  const std::string restore = state.restore_statement();
  std::string why;
  const auto give_up = busy_server_patience();
  for (auto pause = kFirstBusyPause;; pause = std::min(pause * 2, kLongestBusyPause)) {
    if (!co_await connect_anew(connection)) {
      why = failure_reason_ ? failure_reason_ : std::string(logging::describe(record_.termination));
      break;
    }
    auto login = co_await within(
        mysql_->log_in_again(connection.socket, connection.tls, state.schema(), restore),
        handshake_limit());
    if (login == MysqlHandshake::Login::busy && core::SteadyClock::now() + pause < give_up) {
      backend_->continuity().count_busy_retry();
      co_await core::sleep_for(pause);
      continue;
    }
    if (login == MysqlHandshake::Login::ok) {
      count_server_session(connection);
      backend_->continuity().count_restore();
      log_continued(connection, follower);
      server_given_back_ = false;
      follower.reconnected(mysql_->response_format());
      co_return true;
    }
    why = login ? mysql_->failure() : std::string("the login timed out");
    break;
  }
  backend_->continuity().count_failed_restore();
  frontend_.logger().log(
      logging::Level::warning,
      fmt::format("{}:{} {}/{}: session of '{}' could not continue on a new server connection: {}",
                  client_address_.to_string(), record_.client_port, record_.frontend,
                  record_.backend, mysql_->client().user, why));
  // (Without a command waiting, the client is not listening: it just
  // loses its connection.)
  const std::string message = fmt::format(
      "Connection was killed (borealis: the server connection ended and a new one failed: {})",
      why);
  if (command_waiting) co_await mysql_->fail_command(1927, "70100", message);
  co_return false;
}

// More of the client's bytes, through its TLS stream if it has one.
asio::awaitable<bool> Session::read_client_more(std::string& into) {
  std::array<char, 4096> buffer;
  asio::error_code error;
  std::size_t count = 0;
  if (auto* tls = mysql_->tls_stream())
    count = co_await tls->async_read_some(asio::buffer(buffer),
                                          asio::redirect_error(asio::use_awaitable, error));
  else
    count = co_await client_.async_read_some(asio::buffer(buffer),
                                             asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return false;
  into.append(buffer.data(), count);
  co_return true;
}

// The server connection ended while the session held what a new one cannot
// be given (a transaction, ...), between two commands. What it held is
// gone: the client's next command (first in `waiting`, read whole here)
// gets ERROR 1927 instead of running without it, and the session goes on
// from its last safe point on a new connection.
asio::awaitable<Session::LostCommand> Session::mysql_refuse_lost_command(
    mysql::SessionFollower& follower, std::string& waiting) {
  constexpr std::uint8_t kComQuit = 0x01;
  constexpr std::uint8_t kComStmtSendLongData = 0x18;
  constexpr std::uint8_t kComStmtClose = 0x19;
  constexpr std::size_t kMaxPayload = 0xffffff;
  const std::string held =
      mysql::describe_holds(follower.holds(), follower.state().prepared_statements());
  if (!follower.fall_back_to_last_safe_point()) co_return LostCommand::failed;
  const auto limit = frontend_.config().timeouts.client.value_or(kProxyHeaderWait);
  std::size_t length = 0;
  for (;;) {
    if (waiting.size() >= 4) {
      length = static_cast<unsigned char>(waiting[0]) |
               (static_cast<std::size_t>(static_cast<unsigned char>(waiting[1])) << 8) |
               (static_cast<std::size_t>(static_cast<unsigned char>(waiting[2])) << 16);
      // (A command of 16 MiB or more is not read whole: the session ends.)
      if (length == 0 || length >= kMaxPayload) co_return LostCommand::failed;
      if (waiting.size() >= 4 + length) break;
    }
    auto more = co_await within(read_client_more(waiting), limit);
    if (!more || !*more) co_return LostCommand::failed;
  }
  const auto command = static_cast<std::uint8_t>(waiting[4]);
  waiting.erase(0, 4 + length);
  if (command == kComQuit) co_return LostCommand::quit;
  backend_->continuity().count_refusal();
  frontend_.logger().log(
      logging::Level::info,
      fmt::format("{}:{} {}/{}: session of '{}' lost its server connection while {}: its next "
                  "command gets ERROR 1927, and it goes on from its last safe point",
                  client_address_.to_string(), record_.client_port, record_.frontend,
                  record_.backend, mysql_->client().user, held));
  if (command == kComStmtClose || command == kComStmtSendLongData) co_return LostCommand::answered;
  const std::string message = fmt::format(
      "Connection was killed (borealis: the server connection ended while {}; that is gone, and "
      "the session goes on from before it)",
      held);
  co_await mysql_->fail_command(1927, "70100", message);
  co_return LostCommand::answered;
}

// The server connection ended after the client's command reached it and
// before any of its answer came (the engine crashed while a query ran):
// whether the command took effect is unknown, so it is never run again.
// The client gets ERROR 1927 for it, and the session goes on from its last
// safe point (before the command) on a new connection. False: it cannot.
asio::awaitable<bool> Session::mysql_answer_lost_command(mysql::SessionFollower& follower) {
  if (!follower.fall_back_to_last_safe_point()) co_return false;
  backend_->continuity().count_unknown_fate();
  frontend_.logger().log(
      logging::Level::info,
      fmt::format("{}:{} {}/{}: session of '{}' lost its server connection before the answer to "
                  "its command: the command gets ERROR 1927 (its effect unknown), and the "
                  "session goes on from its last safe point",
                  client_address_.to_string(), record_.client_port, record_.frontend,
                  record_.backend, mysql_->client().user));
  co_await mysql_->fail_command(
      1927, "70100",
      "Connection was killed (borealis: the server connection ended before this command was "
      "answered; whether it took effect is unknown, and the session goes on from before it)");
  co_return true;
}

}  // namespace borealis::frontend::detail

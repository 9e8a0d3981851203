// `mode mysql`, before the relay: borealis greets the client itself (waking
// a paused database meanwhile), checks its password where it can (a
// database borealis runs, a backend's `mysql-user`), logs in for it or has
// it authenticate to the server, and answers with an ERR packet the client
// can report when the session cannot go on.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "core/sleep.hpp"
#include "frontend/mysql_handshake.hpp"
#include "frontend/session_internal.hpp"

namespace borealis::frontend::detail {

namespace {

// `mode mysql` greeting ids: from 2^30 to 2^31 - 1, far above the thread
// ids a server gives out (a `KILL <greeting id>` is translated to the
// server's thread, see command_translator.hpp) and below 2^31, where
// drivers that read the id as a signed 32-bit number (Connector/J) see it
// negative.
std::uint32_t next_mysql_connection_id() {
  static std::atomic<std::uint32_t> next{0};
  return 0x40000000u | (next.fetch_add(1, std::memory_order_relaxed) & 0x3fffffffu);
}

}  // namespace

// The handshake may take `timeout client` (10 s when unset): a client that
// says nothing is not held forever.
std::chrono::milliseconds Session::handshake_limit() const {
  return frontend_.config().timeouts.client.value_or(kProxyHeaderWait);
}

// A client that speaks MySQL to a paused database: its wake-up starts now,
// so that greeting and authentication run while the database starts.
void Session::wake_paused_databases() const {
  auto view = backend_->view();
  for (const auto& server : view->servers) {
    if (!server.database) continue;
    auto state = server.database->view()->state;
    if (state != serverless::DatabaseState::running &&
        state != serverless::DatabaseState::starting &&
        state != serverless::DatabaseState::resuming)
      server.database->request_resume();
  }
}

asio::awaitable<bool> Session::mysql_greet() {
  // borealis talks first and in small packets (greeting, TLS records, auth
  // switch): Nagle would hold each behind the client's delayed ACK.
  asio::error_code ignored;
  client_.set_option(tcp::no_delay(true), ignored);
  mysql_ = std::make_unique<MysqlHandshake>(client_, *backend_->server_identity(),
                                            next_mysql_connection_id(),
                                            MysqlTls{tls_, bind_.ssl && !bind_.allow_plaintext});
  mysql_->on_server_greeting([backend = backend_](const mysql::ServerIdentity& identity) {
    backend->remember_server_identity(identity);
  });
  wake_paused_databases();
  auto greeted = co_await within(mysql_->greet(), handshake_limit());
  record_.mysql_user = mysql_->client().user;
  if (greeted && *greeted) co_return true;
  if (mysql_->bad_handshake()) frontend_.connect_errors().failed(client_address_);
  if (!greeted) {
    co_await mysql_->refuse(1159, "08S01", "Got timeout reading communication packets");
    record_.termination = {TerminationCause::client_timeout, TerminationStep::request};
  } else {
    record_.termination = {TerminationCause::client_abort, TerminationStep::request};
  }
  failure_reason_ = "the MySQL handshake did not complete";
  record_.bytes_to_client += mysql_->bytes_to_client();
  co_return false;
}

// A backend whose one server is a database borealis runs: borealis checks
// the client's password itself against the accounts it keeps, while the
// database may still be starting. Proved: log_in() then logs in for the
// client at once. Wrong, by a table that is exact (the database paused):
// ERROR 1045 from borealis, counted as the server's would be. Anything
// else is left to the server. (With several servers the one chosen could
// hold other accounts: left to it.)
asio::awaitable<bool> Session::mysql_verify_locally() {
  auto view = backend_->view();
  if (view->servers.size() != 1 || !view->servers.front().database) {
    verify_configured_user();
    co_return true;
  }
  serverless::DatabaseGate& gate = *view->servers.front().database;
  account_source_ = &gate;
  // The server sees borealis's connections from its own loopback address.
  account_server_address_ = gate.view()->endpoint.address().to_string();
  auto accounts = gate.accounts();
  if (!accounts) co_return true;
  const auto verdict = mysql_->verify(*accounts, account_server_address_);
  if (verdict == auth::Verdict::Kind::verified &&
      gate.view()->state != serverless::DatabaseState::running)
    gate.note_login_during_start();
  if (verdict != auth::Verdict::Kind::denied) co_return true;
  frontend_.connect_errors().failed(client_address_);
  co_await mysql_->deny(client_address_.to_string());
  record_.bytes_to_client += mysql_->bytes_to_client();
  record_.termination = {};
  co_return false;
}

// Other servers: a `mysql-user` of the backend whose password the client
// proves lets borealis log in for it, now and on later connections, with
// the session trackers on (servers it does not run have them at their
// defaults). Anything else is left to the server.
void Session::verify_configured_user() {
  const auto& accounts = backend_->configured_accounts();
  if (!accounts) return;
  if (mysql_->verify(*accounts, client_address_.to_string()) == auth::Verdict::Kind::verified)
    mysql_->track_sessions_on_login();
}

// The client authenticates to the server it was given; a refusal by the
// server (wrong password, ...) has reached the client already.
asio::awaitable<bool> Session::mysql_log_in(Connection& connection) {
  std::optional<MysqlHandshake::Login> login;
  // A login borealis makes is asked again on a new connection while the
  // server says it is full (the client is not involved).
  const auto give_up = busy_server_patience();
  for (auto pause = kFirstBusyPause;; pause = std::min(pause * 2, kLongestBusyPause)) {
    login = co_await within(mysql_->log_in(connection.socket, connection.tls), handshake_limit());
    if (login != MysqlHandshake::Login::busy || core::SteadyClock::now() + pause >= give_up) break;
    backend_->continuity().count_busy_retry();
    co_await core::sleep_for(pause);
    if (!co_await connect_anew(connection)) {
      co_await mysql_refuse_after_failure();
      co_return false;
    }
  }
  auto& errors = frontend_.connect_errors();
  if (login == MysqlHandshake::Login::ok) {
    errors.succeeded(client_address_);
    co_return true;
  }
  // ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR.
  const auto refusal = mysql_->server_refusal();
  if (refusal == 1045 || refusal == 1698) errors.failed(client_address_);
  if (login == MysqlHandshake::Login::busy) {
    // Still full when `timeout queue` ran out: the client hears it as it
    // would from the server.
    co_await mysql_->refuse(1040, "08004", "Too many connections");
    record_.termination = {};
  } else if (login == MysqlHandshake::Login::refused) {
    co_await mysql_->forward_refusal();
    // The server's own ERR (access denied, ...) went to the client: the
    // session ended as the server decided.
    record_.termination = {};
  } else {
    const bool timed_out = !login;
    record_.termination = {
        timed_out ? TerminationCause::server_timeout : TerminationCause::server_abort,
        TerminationStep::connect};
    failure_reason_ = "the MySQL login with the server failed";
    const std::string message = fmt::format(
        "Aborted connection to db: '{}' user: '{}' (borealis: login with server '{}' "
        "failed: {})",
        mysql_->client().database, mysql_->client().user, connection.server_name,
        timed_out ? "timed out" : mysql_->failure());
    co_await mysql_->refuse(1152, "08S01", message);
  }
  record_.bytes_to_client += mysql_->bytes_to_client();
  co_return false;
}

// Why a MySQL client gets no session, as an ERR packet it can report: the
// termination state decides the code (docs/configuration.md has the table).
asio::awaitable<void> Session::mysql_refuse_after_failure() {
  if (!mysql_) mysql_ = std::make_unique<MysqlHandshake>(client_, mysql::ServerIdentity{}, 0);
  const auto& t = record_.termination;
  const std::string reason =
      failure_reason_ ? std::string(failure_reason_) : std::string(logging::describe(t));
  if (t.step == TerminationStep::queue) {
    co_await mysql_->refuse(1040, "08004", "Too many connections");
  } else {
    const std::string message =
        fmt::format("Aborted connection to db: '{}' user: '{}' (borealis: {} in backend '{}')",
                    mysql_->client().database, mysql_->client().user, reason, record_.backend);
    co_await mysql_->refuse(1152, "08S01", message);
  }
  record_.bytes_to_client += mysql_->bytes_to_client();
}

}  // namespace borealis::frontend::detail

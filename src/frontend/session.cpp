// The session's flow, whatever its mode: the client accepted, its PROXY
// header, `tcp-request session` rules, a server connection (see
// session_server_connection.cpp), in `mode mysql` the login (see
// session_mysql_login.cpp), the relay until the session ends (going on over
// new server connections, see session_continuity.cpp), and its log line.
#include "frontend/session.hpp"

#include <fmt/format.h>

#include "frontend/command_translator.hpp"
#include "frontend/mysql_handshake.hpp"
#include "frontend/session_directory.hpp"
#include "frontend/session_internal.hpp"
#include "logging/tcplog.hpp"
#include "mysql/protocol_codec.hpp"
#include "mysql/session_state.hpp"
#include "net/relay.hpp"
#include "proxy_protocol/header_reader.hpp"

namespace borealis::frontend {

namespace detail {

// g++ 12 with -O2 may inline asio's coroutine frame allocation
// (thread_info_base::allocate, std::aligned_alloc) into this coroutine and
// then warn that the frame's operator delete (which hands the memory back
// to the same recycling allocator, std::free) does not match it: a false
// -Wmismatched-new-delete, raised or not by how many coroutines share the
// translation unit. Silenced for this one function.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<bool> Session::run() {
  asio::error_code error;
  client_address_ = peer_.address();
  record_.client_port = peer_.port();
  record_.accepted_at = core::WallClock::now();
  record_.frontend = frontend_.name();
  if (bind_.accept_proxy && !co_await take_proxy_header()) co_return false;
  if (session_refused()) {
    if (mysql_mode()) {
      // Where MariaDB says it for a host it does not admit, instead of a greeting.
      co_await refuse_instead_of_greeting(
          1130, fmt::format("Host '{}' is not allowed to connect to this MariaDB server",
                            client_address_.to_string()));
    }
    asio::error_code ignored;
    client_.close(ignored);
    co_return false;
  }
  if (!frontend_.config().tcplog && frontend_.logger().enabled()) {
    frontend_.logger().log(
        logging::Level::info,
        logging::format_connect_line(client_address_.to_string(), record_.client_port,
                                     destination().address().to_string(), destination().port(),
                                     frontend_.name()));
  }
  if (!backend_) {
    record_.backend = frontend_.name();
    record_.termination = {TerminationCause::proxy, TerminationStep::request};
    if (mysql_mode()) co_await mysql_refuse_after_failure();
    log_end();
    co_return false;
  }
  record_.backend = backend_->name();
  backend_slot_.emplace(backend_->active_sessions());
  CountedSlot& backend_slot = *backend_slot_;
  backend_->traffic().count_session(backend_->active_sessions().load(std::memory_order_relaxed));
  if (mysql_mode() && frontend_.connect_errors().blocked(client_address_)) {
    // As MariaDB answers a blocked host: this error instead of a greeting.
    backend_slot.release();
    const auto& fe = frontend_.config();
    record_.bytes_to_client += co_await refuse_instead_of_greeting(
        1129,
        fmt::format(
            "Host '{}' is blocked because of many connection errors (borealis: {} "
            "failed logins; blocked for {} s)",
            client_address_.to_string(), fe.max_connect_errors,
            std::chrono::duration_cast<std::chrono::seconds>(fe.connect_errors_block).count()));
    record_.termination = {TerminationCause::proxy, TerminationStep::request};
    log_end();
    co_return false;
  }
  if (mysql_mode() && (!co_await mysql_greet() || !co_await mysql_verify_locally())) {
    backend_slot.release();
    frontend_.traffic().count_request_error();
    log_end();
    co_return false;
  }

  Connection& connection = connection_.emplace(tcp::socket(client_.get_executor()));
  if (!co_await connect_to_server(connection) || !co_await send_proxy_header(connection)) {
    if (mysql_mode()) co_await mysql_refuse_after_failure();
    end_backend_use(backend_slot, connection);
    log_end();
    co_return false;
  }
  // Small packets both ways from here (a handshake's, then queries'):
  // never held back by Nagle waiting for a delayed ACK.
  connection.socket.set_option(tcp::no_delay(true), error);
  if (mysql_mode() && !co_await mysql_log_in(connection)) {
    end_backend_use(backend_slot, connection);
    log_end();
    co_return false;
  }
  count_server_session(connection);
  if (!mysql_mode()) {
    client_.set_option(tcp::no_delay(true), error);
    relaying_to(connection);
    co_return true;  // the relay goes on without this coroutine: relay_detached()
  }

  net::RelayTimeouts timeouts = relay_timeouts();
  // The client was greeted by borealis: the commands that name what the
  // greeting said (COM_CHANGE_USER, KILL) are translated for the server.
  std::unique_ptr<CommandTranslator> translator;
  std::unique_ptr<mysql::SessionFollower> follower;
  std::unique_ptr<mysql::ClientStreamFilter> filter;
  DirectoryEntry directory_entry;
  if (mysql_) {
    asio::error_code ignored;
    const tcp::endpoint server = connection.socket.remote_endpoint(ignored);
    directory_entry.set(mysql_->greeting_id(), {server, mysql_->server_thread_id()});
    translator = std::make_unique<CommandTranslator>(*mysql_, account_source_,
                                                     account_server_address_, server);
    if (mysql_continuity_possible()) {
      follower = std::make_unique<mysql::SessionFollower>(mysql_->response_format(),
                                                          mysql_->client().database);
      translator->follow_changes_of_user(&*follower, backend_->configured_accounts());
    }
    filter =
        std::make_unique<mysql::ClientStreamFilter>(&*translator, follower ? &*follower : nullptr);
  }
  net::RelayOutcome outcome;
  std::uint64_t to_client = 0;
  std::string waiting;
  relaying_to(connection);
  // Session continuity: a server connection that ends while the session is
  // at a safe point is replaced when the client speaks again.
  for (;;) {
    // Each command's answer, timed for the backend and this server.
    std::optional<stats::ResponseTiming> timing;
    if (filter)
      timing.emplace(backend_->traffic(), backend_->load(connection.server_id).traffic,
                     filter->commands());
    // (A named value: g++ 12 mishandles class-type temporaries in co_await
    // operands.)
    net::MysqlHooks hooks{filter ? &*filter : nullptr, follower ? &*follower : nullptr, waiting,
                          nullptr, timing ? &*timing : nullptr};
    if (follower) {
      timeouts.release = release_after();
      hooks.released = [this, &connection](std::chrono::nanoseconds idle) {
        give_back_server(connection, idle);
      };
    }
    outcome = co_await relay_once(connection, timeouts, hooks);
    to_client += outcome.bytes_to_client;
    record_.bytes_from_client += outcome.bytes_to_server;
    if (killed_ || !outcome.server_lost) break;
    waiting = std::move(outcome.client_bytes_waiting);
    // A client that leaves while its server connection is gone just leaves.
    if (!outcome.command_lost && mysql::is_com_quit_packet(waiting)) break;
    if (outcome.command_lost) {
      if (!co_await mysql_answer_lost_command(*follower)) {
        outcome.cause = TerminationCause::server_abort;
        break;
      }
    } else if (outcome.away_from_safe_point) {
      const auto lost = co_await mysql_refuse_lost_command(*follower, waiting);
      if (lost == LostCommand::quit) break;
      if (lost == LostCommand::failed) {
        outcome.cause = TerminationCause::server_abort;
        break;
      }
    }
    if (!co_await mysql_reconnect(connection, *follower, !waiting.empty())) {
      outcome.cause = TerminationCause::server_abort;
      break;
    }
    asio::error_code ignored;
    const tcp::endpoint server = connection.socket.remote_endpoint(ignored);
    directory_entry.set(mysql_->greeting_id(), {server, mysql_->server_thread_id()});
    translator->server_changed(server);
    relaying_to(connection);
  }
  relay_ended(outcome.cause, to_client);
  co_return false;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// The idle limits of the relay: the frontend's for the client, the
// backend's for the server, `timeout tunnel` for both when set.
net::RelayTimeouts Session::relay_timeouts() const {
  const auto& fe = frontend_.config().timeouts;
  const auto& be = backend_->config().timeouts;
  net::RelayTimeouts timeouts{fe.client, be.server, fe.client_fin, be.server_fin, std::nullopt};
  if (be.tunnel) timeouts.client = timeouts.server = be.tunnel;
  return timeouts;
}

// The relay ended (for good: no other server connection follows): what it
// moved, why it ended, and the log line.
void Session::relay_ended(TerminationCause cause, std::uint64_t bytes_to_client) {
  record_.bytes_to_client = bytes_to_client + (mysql_ ? mysql_->bytes_to_client() : 0);
  record_.termination = {
      cause, cause == TerminationCause::none ? TerminationStep::none : TerminationStep::data};
  if (killed_) record_.termination = {TerminationCause::killed, TerminationStep::none};
  end_backend_use(*backend_slot_, *connection_);
  log_end();
}

// An ERR packet where a greeting would be, as MariaDB refuses a host; the
// bytes sent. Its own coroutine: the handshake it needs lives only while it
// runs, not in every session's frame.
asio::awaitable<std::uint64_t> Session::refuse_instead_of_greeting(std::uint16_t code,
                                                                   std::string message) {
  MysqlHandshake refusal(client_, mysql::ServerIdentity{}, 0);
  co_await refusal.refuse(code, "HY000", message);
  co_return refusal.bytes_to_client();
}

// One relay over the connection's streams, TLS on either side or not.
asio::awaitable<net::RelayOutcome> Session::relay_once(Connection& connection,
                                                       const net::RelayTimeouts& timeouts,
                                                       net::MysqlHooks hooks) {
  // Not a coroutine: it hands back the relay's own awaitable, so no frame of
  // its own stays allocated for the session's life. (The relay copies
  // `hooks` into its frame; `timeouts` lives in the caller's.)
  auto* tls_client = mysql_ ? mysql_->tls_stream() : nullptr;
  auto* tls_server = mysql_ ? mysql_->server_tls_stream() : nullptr;
  if (tls_client && tls_server) return net::relay(*tls_client, *tls_server, timeouts, hooks);
  if (tls_client) return net::relay(*tls_client, connection.socket, timeouts, hooks);
  if (tls_server) return net::relay(client_, *tls_server, timeouts, hooks);
  return net::relay(client_, connection.socket, timeouts, hooks);
}

// Without a whole, valid header within `timeout client` (10 s when unset:
// a header is never awaited forever) the connection is reset and one line
// says why, as HAProxy does; nothing reaches a backend.
asio::awaitable<bool> Session::take_proxy_header() {
  const auto limit = frontend_.config().timeouts.client.value_or(kProxyHeaderWait);
  auto outcome = co_await proxy_protocol::read_header(client_, limit);
  if (!outcome.header) {
    asio::error_code ignored;
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    client_.close(ignored);
    frontend_.traffic().count_request_error();
    frontend_.log_refusal(peer_.address(), peer_.port(),
                          fmt::format("connection closed: {}", outcome.error));
    co_return false;
  }
  if (outcome.header->names_client) {
    client_address_ = outcome.header->source.address();
    record_.client_port = outcome.header->source.port();
    destination_ = outcome.header->destination;
    registration_.set_client(outcome.header->source);
  }
  co_return true;
}

// `tcp-request session` rules see the client's address (from the PROXY
// header, if any). A refused session is closed without a log line of its
// own, as in HAProxy; the refusal line is rate-limited.
bool Session::session_refused() {
  const auto& rules = frontend_.rules();
  if (!rules.has_rules(access::Phase::session)) return false;
  const auto verdict = rules.judge(access::Phase::session, client_address_);
  if (verdict.accepted) return false;
  frontend_.traffic().count_denied_session();
  frontend_.log_refusal(client_address_, record_.client_port,
                        fmt::format("session refused by 'tcp-request session reject' at {}:{}",
                                    verdict.rule->file, verdict.rule->line));
  return true;
}

// As HAProxy, the log line counts the backend's and the server's sessions
// without this one (%bc, %sc): they are given back before it is written.
void Session::end_backend_use(CountedSlot& backend_slot, Connection& connection) {
  server_socket_ = nullptr;
  registration_.clear_server();
  backend_slot.release();
  connection.server_slot.reset();
  last_server_id_ = connection.server_id;
  if (connection.server_id >= 0)
    record_.active_server =
        backend_->load(connection.server_id).active.load(std::memory_order_relaxed);
}

// Listed as relaying to the connection's server: `shutdown sessions server`
// finds it there.
void Session::relaying_to(Connection& connection) {
  server_socket_ = &connection.socket;
  registration_.set_server(backend_, connection.server_id);
}

// `shutdown sessions server`, on this session's worker: both sockets are
// closed, the relay ends, and the log line says 'K'.
void Session::shut_down_by_operator() {
  killed_ = true;
  asio::error_code ignored;
  client_.close(ignored);
  if (server_socket_) server_socket_->close(ignored);
}

// A server's session: counted once it is connected (and, in `mode mysql`,
// logged in), each time the session gets a new server connection.
void Session::count_server_session(const Connection& connection) {
  auto& load = backend_->load(connection.server_id);
  load.traffic.count_session(load.active.load(std::memory_order_relaxed));
}

// What the session moved, added to its frontend's, backend's and last
// server's totals when it ends (a session that went on over several
// server connections counts for the last server).
// A session that reached a server adds its times too (HAProxy's qtime,
// ctime, ttime).
void Session::count_traffic() const {
  frontend_.traffic().count_bytes(record_.bytes_from_client, record_.bytes_to_client);
  if (!backend_) return;
  backend_->traffic().count_bytes(record_.bytes_from_client, record_.bytes_to_client);
  if (last_server_id_ < 0) return;
  auto& server = backend_->load(last_server_id_).traffic;
  server.count_bytes(record_.bytes_from_client, record_.bytes_to_client);
  count_abort(server);
  if (record_.connect_ms < 0) return;
  const auto total = core::SteadyClock::now() - registration_.started();
  backend_->traffic().count_timings(queue_time_, connect_time_, total);
  server.count_timings(queue_time_, connect_time_, total);
}

// As HAProxy's cli_abrt and srv_abrt: a relay the client or the server
// ended (closed, reset or timed out) while data was moving.
void Session::count_abort(stats::TrafficCounters& server) const {
  if (record_.termination.step != TerminationStep::data) return;
  switch (record_.termination.cause) {
    case TerminationCause::client_abort:
    case TerminationCause::client_timeout:
      backend_->traffic().count_client_abort();
      server.count_client_abort();
      break;
    case TerminationCause::server_abort:
    case TerminationCause::server_timeout:
      backend_->traffic().count_server_abort();
      server.count_server_abort();
      break;
    default:
      break;
  }
}

void Session::log_end() {
  count_traffic();
  if (!frontend_.logger().enabled()) return;
  record_.client_address = client_address_.to_string();
  if (!frontend_.config().tcplog) {
    // Without tcplog only failures get a line, so that none is silent.
    if (record_.termination.ended_normally() || record_.termination.step == TerminationStep::data)
      return;
    frontend_.logger().log(
        logging::Level::warning,
        fmt::format("{}:{} {} {}/{}: connection closed: {}", record_.client_address,
                    record_.client_port, record_.frontend, record_.backend, record_.server,
                    failure_reason_ ? std::string_view(failure_reason_)
                                    : logging::describe(record_.termination)));
    return;
  }
  record_.total_ms = core::elapsed_ms(registration_.started(), core::SteadyClock::now());
  record_.active_process = frontend_.process().active.load(std::memory_order_relaxed);
  record_.active_frontend = frontend_.active().load(std::memory_order_relaxed);
  record_.active_backend =
      backend_ ? backend_->active_sessions().load(std::memory_order_relaxed) : 0;
  frontend_.logger().log(logging::Level::info, logging::format_tcplog(record_));
}

}  // namespace detail

asio::awaitable<void> run_session(asio::ip::tcp::socket client, asio::ip::tcp::endpoint peer,
                                  Frontend& frontend, const Listener& listener,
                                  SessionRegistry& registry, std::atomic<int>& worker_sessions) {
  auto session = std::make_unique<detail::Session>(std::move(client), peer, frontend, listener,
                                                   registry, worker_sessions);
  if (co_await session->run()) detail::Session::relay_detached(std::move(session));
}

}  // namespace borealis::frontend

#include "frontend/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "backend/balancer.hpp"
#include "core/sleep.hpp"
#include "frontend/command_translator.hpp"
#include "frontend/mysql_handshake.hpp"
#include "frontend/session_directory.hpp"
#include "logging/tcplog.hpp"
#include "mysql/session_state.hpp"
#include "net/relay.hpp"
#include "proxy_protocol/header_reader.hpp"

namespace borealis::frontend {

namespace {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;
using logging::TerminationCause;
using logging::TerminationStep;

// Keeps a counter raised for as long as the session holds it.
class CountedSlot {
 public:
  explicit CountedSlot(std::atomic<int>& counter) : counter_(&counter) {
    counter_->fetch_add(1, std::memory_order_relaxed);
  }
  // Takes over a count the caller already raised.
  struct AlreadyCounted {};
  static constexpr AlreadyCounted already_counted{};
  CountedSlot(std::atomic<int>& counter, AlreadyCounted) : counter_(&counter) {}
  CountedSlot(const CountedSlot&) = delete;
  CountedSlot& operator=(const CountedSlot&) = delete;
  ~CountedSlot() { release(); }
  void release() {
    if (counter_) counter_->fetch_sub(1, std::memory_order_relaxed);
    counter_ = nullptr;
  }

 private:
  std::atomic<int>* counter_;
};

// Runs `operation` for at most `limit`; nullopt when the time ran out (the
// operation is then cancelled).
template <typename T>
asio::awaitable<std::optional<T>> within(asio::awaitable<T> operation,
                                         std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto result = co_await (std::move(operation) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1) co_return std::nullopt;
  co_return std::get<0>(result);
}

// `mode mysql` greeting ids: from 2^30 to 2^31 - 1, far above the thread
// ids a server gives out (a `KILL <greeting id>` is translated to the
// server's thread, see command_translator.hpp) and below 2^31, where
// drivers that read the id as a signed 32-bit number (Connector/J) see it
// negative.
std::uint32_t next_mysql_connection_id() {
  static std::atomic<std::uint32_t> next{0};
  return 0x40000000u | (next.fetch_add(1, std::memory_order_relaxed) & 0x3fffffffu);
}

constexpr auto kQueuePoll = std::chrono::milliseconds(10);
constexpr auto kProxyHeaderWait = std::chrono::milliseconds(10000);
constexpr auto kTurnAround = std::chrono::milliseconds(1000);
// `timeout queue` when neither it nor `timeout connect` is set.
constexpr auto kDefaultQueueWait = config::Duration(5000);
// The first and the longest pause between logins a server refused with
// "Too many connections".
constexpr auto kFirstBusyPause = std::chrono::milliseconds(5);
constexpr auto kLongestBusyPause = std::chrono::milliseconds(200);

// Takes one of a server's `maxconn` slots if one is free (0: unlimited).
// Taken before connecting, so that sessions still connecting count: a
// burst never puts more than `maxconn` connections on a server.
bool take_server_slot(std::optional<CountedSlot>& slot, std::atomic<int>& active, int maxconn) {
  if (maxconn <= 0) {
    slot.emplace(active);
    return true;
  }
  int in_use = active.load(std::memory_order_relaxed);
  do {
    if (in_use >= maxconn) return false;
  } while (!active.compare_exchange_weak(in_use, in_use + 1, std::memory_order_relaxed));
  slot.emplace(active, CountedSlot::already_counted);
  return true;
}

struct Connection {
  tcp::socket socket;
  int server_id = -1;
  std::string server_name;
  config::SendProxy send_proxy = config::SendProxy::none;
  std::optional<CountedSlot> server_slot;  // held from the choice to the end
  tls::ClientContext* tls = nullptr;       // `server ... ssl` (mode mysql)
};

class Session {
 public:
  Session(tcp::socket client, const tcp::endpoint& peer, Frontend& frontend,
          const Listener& listener)
      : client_(std::move(client)),
        peer_(peer),
        frontend_(frontend),
        bind_(*listener.bind),
        tls_(listener.tls),
        backend_(frontend.backend()) {}

  asio::awaitable<void> run();

 private:
  asio::awaitable<bool> take_proxy_header();
  bool session_refused();
  bool mysql_mode() const { return frontend_.config().mode == config::Mode::mysql; }
  std::chrono::milliseconds handshake_limit() const;
  void wake_paused_databases() const;
  asio::awaitable<bool> mysql_greet();
  asio::awaitable<bool> mysql_verify_locally();
  asio::awaitable<bool> mysql_log_in(Connection& connection);
  core::SteadyTime busy_server_patience() const;
  asio::awaitable<bool> connect_anew(Connection& connection);
  bool mysql_continuity_possible() const;
  std::optional<config::Duration> release_after() const;
  void give_back_server(Connection& connection, std::chrono::nanoseconds idle);
  asio::awaitable<net::RelayOutcome> relay_once(Connection& connection,
                                                const net::RelayTimeouts& timeouts,
                                                net::MysqlHooks hooks);
  asio::awaitable<bool> mysql_reconnect(Connection& connection, mysql::SessionFollower& follower,
                                        bool command_waiting);
  enum class LostCommand { answered, quit, failed };
  asio::awaitable<bool> mysql_answer_lost_command(mysql::SessionFollower& follower);
  void verify_configured_user();
  void log_continued(const Connection& connection, const mysql::SessionFollower& follower);
  asio::awaitable<LostCommand> mysql_refuse_lost_command(mysql::SessionFollower& follower,
                                                         std::string& waiting);
  asio::awaitable<bool> read_client_more(std::string& into);
  asio::awaitable<void> mysql_refuse_after_failure();
  asio::awaitable<bool> send_proxy_header(Connection& connection);
  asio::awaitable<bool> connect_to_server(Connection& connection);
  asio::awaitable<std::optional<tcp::endpoint>> wait_for_database(serverless::DatabaseGate& gate);
  asio::awaitable<asio::error_code> connect_once(tcp::socket& socket, const tcp::endpoint& target);
  const backend::ServerView* choose_server(const backend::BackendView& view, int exclude) const;
  void end_backend_use(CountedSlot& backend_slot, Connection& connection);
  void log_end();

  tcp::socket client_;
  tcp::endpoint peer_;
  Frontend& frontend_;
  const config::Bind& bind_;
  tls::ServerContext* tls_;  // `ssl` on the bind (mode mysql)
  backend::Backend* backend_;
  // Where the client connected to: this socket's local end, or what its
  // PROXY header says (passed on by `send-proxy`).
  std::optional<tcp::endpoint> destination_;
  // Asked of the socket only when needed (connect line, send-proxy): no
  // getsockname on every connection.
  const tcp::endpoint& destination() {
    if (!destination_) {
      asio::error_code ignored;
      destination_ = client_.local_endpoint(ignored);
    }
    return *destination_;
  }
  logging::SessionRecord record_;
  asio::ip::address client_address_;
  // Held while this session uses or waits for a serverless database: it
  // keeps the database awake, and holds one of its connection slots.
  std::optional<serverless::DatabaseGate::Use> database_use_;
  // `mode mysql`: borealis's side of the client's handshake.
  std::optional<MysqlHandshake> mysql_;
  // The database whose accounts borealis checks logins against, and the
  // address its server sees borealis's connections from.
  serverless::DatabaseGate* account_source_ = nullptr;
  std::string account_server_address_;
  const char* failure_reason_ = nullptr;
  core::SteadyTime started_ = core::SteadyClock::now();
  // `mode mysql`: the session's server connection was given back while
  // idle (the next one is made when the client speaks).
  bool server_given_back_ = false;
};

// Gives back the frontend slot the accept loop reserved for this session.
class ReservedSlot {
 public:
  explicit ReservedSlot(Frontend& frontend) : frontend_(frontend) {}
  ReservedSlot(const ReservedSlot&) = delete;
  ReservedSlot& operator=(const ReservedSlot&) = delete;
  ~ReservedSlot() { frontend_.release(); }

 private:
  Frontend& frontend_;
};

asio::awaitable<void> Session::run() {
  ReservedSlot slot(frontend_);
  asio::error_code error;
  client_address_ = peer_.address();
  record_.client_port = peer_.port();
  record_.accepted_at = core::WallClock::now();
  record_.frontend = frontend_.name();
  if (bind_.accept_proxy && !co_await take_proxy_header()) co_return;
  if (session_refused()) {
    if (mysql_mode()) {
      // Where MariaDB says it for a host it does not admit, instead of a greeting.
      MysqlHandshake refusal(client_, mysql::ServerIdentity{}, 0);
      const std::string message =
          fmt::format("Host '{}' is not allowed to connect to this MariaDB server",
                      client_address_.to_string());
      co_await refusal.refuse(1130, "HY000", message);
    }
    asio::error_code ignored;
    client_.close(ignored);
    co_return;
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
    co_return;
  }
  record_.backend = backend_->name();
  CountedSlot backend_slot(backend_->active_sessions());
  if (mysql_mode() && frontend_.connect_errors().blocked(client_address_)) {
    // As MariaDB answers a blocked host: this error instead of a greeting.
    backend_slot.release();
    MysqlHandshake refusal(client_, mysql::ServerIdentity{}, 0);
    const auto& fe = frontend_.config();
    const std::string message = fmt::format(
        "Host '{}' is blocked because of many connection errors (borealis: {} failed logins; "
        "blocked for {} s)",
        client_address_.to_string(), fe.max_connect_errors,
        std::chrono::duration_cast<std::chrono::seconds>(fe.connect_errors_block).count());
    co_await refusal.refuse(1129, "HY000", message);
    record_.termination = {TerminationCause::proxy, TerminationStep::request};
    record_.bytes_to_client += refusal.bytes_to_client();
    log_end();
    co_return;
  }
  if (mysql_mode() && (!co_await mysql_greet() || !co_await mysql_verify_locally())) {
    backend_slot.release();
    log_end();
    co_return;
  }

  Connection connection{
      tcp::socket(client_.get_executor()), -1, {}, config::SendProxy::none, std::nullopt, nullptr};
  if (!co_await connect_to_server(connection) || !co_await send_proxy_header(connection)) {
    if (mysql_mode()) co_await mysql_refuse_after_failure();
    end_backend_use(backend_slot, connection);
    log_end();
    co_return;
  }
  // Small packets both ways from here (a handshake's, then queries'):
  // never held back by Nagle waiting for a delayed ACK.
  connection.socket.set_option(tcp::no_delay(true), error);
  if (mysql_mode() && !co_await mysql_log_in(connection)) {
    end_backend_use(backend_slot, connection);
    log_end();
    co_return;
  }
  backend_->load(connection.server_id).total.fetch_add(1, std::memory_order_relaxed);
  if (!mysql_mode()) client_.set_option(tcp::no_delay(true), error);

  const auto& fe = frontend_.config().timeouts;
  const auto& be = backend_->config().timeouts;
  net::RelayTimeouts timeouts{fe.client, be.server, fe.client_fin, be.server_fin, std::nullopt};
  if (be.tunnel) timeouts.client = timeouts.server = be.tunnel;
  // The client was greeted by borealis: the commands that name what the
  // greeting said (COM_CHANGE_USER, KILL) are translated for the server.
  std::optional<CommandTranslator> translator;
  std::optional<mysql::SessionFollower> follower;
  std::optional<mysql::ClientStreamFilter> filter;
  DirectoryEntry directory_entry;
  if (mysql_) {
    asio::error_code ignored;
    const tcp::endpoint server = connection.socket.remote_endpoint(ignored);
    directory_entry.set(mysql_->greeting_id(), {server, mysql_->server_thread_id()});
    translator.emplace(*mysql_, account_source_, account_server_address_, server);
    if (mysql_continuity_possible()) {
      follower.emplace(mysql_->response_format(), mysql_->client().database);
      translator->follow_changes_of_user(&*follower, backend_->configured_accounts());
    }
    filter.emplace(&*translator, follower ? &*follower : nullptr);
  }
  net::RelayOutcome outcome;
  std::uint64_t to_client = 0;
  std::string waiting;
  // Session continuity: a server connection that ends while the session is
  // at a safe point is replaced when the client speaks again.
  for (;;) {
    // (A named value: g++ 12 mishandles class-type temporaries in co_await
    // operands.)
    net::MysqlHooks hooks{filter ? &*filter : nullptr, follower ? &*follower : nullptr, waiting,
                          nullptr};
    if (follower) {
      timeouts.release = release_after();
      hooks.released = [this, &connection](std::chrono::nanoseconds idle) {
        give_back_server(connection, idle);
      };
    }
    outcome = co_await relay_once(connection, timeouts, hooks);
    to_client += outcome.bytes_to_client;
    if (!outcome.server_lost) break;
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
  }
  outcome.bytes_to_client = to_client;
  record_.bytes_to_client = outcome.bytes_to_client + (mysql_ ? mysql_->bytes_to_client() : 0);
  record_.termination = {outcome.cause, outcome.cause == TerminationCause::none
                                            ? TerminationStep::none
                                            : TerminationStep::data};
  end_backend_use(backend_slot, connection);
  log_end();
}

// One relay over the connection's streams, TLS on either side or not.
asio::awaitable<net::RelayOutcome> Session::relay_once(Connection& connection,
                                                       const net::RelayTimeouts& timeouts,
                                                       net::MysqlHooks hooks) {
  auto* tls_client = mysql_ ? mysql_->tls_stream() : nullptr;
  auto* tls_server = mysql_ ? mysql_->server_tls_stream() : nullptr;
  // (No co_await inside ?: : g++ 12 miscompiles it.)
  net::RelayOutcome outcome;
  if (tls_client && tls_server)
    outcome = co_await net::relay(*tls_client, *tls_server, timeouts, hooks);
  else if (tls_client)
    outcome = co_await net::relay(*tls_client, connection.socket, timeouts, hooks);
  else if (tls_server)
    outcome = co_await net::relay(client_, *tls_server, timeouts, hooks);
  else
    outcome = co_await net::relay(client_, connection.socket, timeouts, hooks);
  co_return outcome;
}

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

// The session's server connection ended at a safe point and the client
// has sent its next command: a new connection (waking the database if it
// must), the client's login made again by borealis, the session's schema
// and variables restored. False: the client got an ERR for its command.
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
      backend_->load(connection.server_id).total.fetch_add(1, std::memory_order_relaxed);
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
    frontend_.log_refusal(peer_.address(), peer_.port(),
                          fmt::format("connection closed: {}", outcome.error));
    co_return false;
  }
  if (outcome.header->names_client) {
    client_address_ = outcome.header->source.address();
    record_.client_port = outcome.header->source.port();
    destination_ = outcome.header->destination;
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
  frontend_.log_refusal(client_address_, record_.client_port,
                        fmt::format("session refused by 'tcp-request session reject' at {}:{}",
                                    verdict.rule->file, verdict.rule->line));
  return true;
}

// `send-proxy` / `send-proxy-v2`: the header goes out before any byte of
// the client's, naming the client and where it connected to.
asio::awaitable<bool> Session::send_proxy_header(Connection& connection) {
  if (connection.send_proxy == config::SendProxy::none) co_return true;
  const auto header = proxy_protocol::make_header(
      connection.send_proxy, tcp::endpoint(client_address_, record_.client_port), destination());
  asio::error_code error;
  co_await asio::async_write(connection.socket, asio::buffer(header),
                             asio::redirect_error(asio::use_awaitable, error));
  if (!error) co_return true;
  record_.termination = {TerminationCause::server_abort, TerminationStep::connect};
  co_return false;
}

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
  mysql_.emplace(client_, *backend_->server_identity(), next_mysql_connection_id(),
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
  if (!mysql_) mysql_.emplace(client_, mysql::ServerIdentity{}, 0);
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

const backend::ServerView* Session::choose_server(const backend::BackendView& view,
                                                  int exclude) const {
  return backend::pick_server(*backend_, view, {client_address_, exclude});
}

asio::awaitable<asio::error_code> Session::connect_once(tcp::socket& socket,
                                                        const tcp::endpoint& target) {
  asio::error_code error;
  const auto& limit = backend_->config().timeouts.connect;
  if (!limit) {
    co_await socket.async_connect(target, asio::redirect_error(asio::use_awaitable, error));
    co_return error;
  }
  // The timer closes the socket if the connection takes too long; cheaper
  // than racing two awaitables on this per-connection path.
  // `state` outlives this frame: an expiry already queued when the connect
  // completes must find it and leave the socket alone.
  enum class Race { connecting, connected, timed_out };
  auto state = std::make_shared<Race>(Race::connecting);
  asio::steady_timer timer(socket.get_executor(), *limit);
  timer.async_wait([&socket, state](const asio::error_code& cancelled) {
    if (cancelled || *state != Race::connecting) return;
    *state = Race::timed_out;
    asio::error_code ignored;
    socket.close(ignored);
  });
  co_await socket.async_connect(target, asio::redirect_error(asio::use_awaitable, error));
  if (*state == Race::timed_out) co_return asio::error::timed_out;
  *state = Race::connected;
  timer.cancel();
  co_return error;
}

// Holds the connection while the database is paused or starting, or while
// every connection it accepts is taken: asks for a resume and waits, woken
// by each change, until it runs with a free slot, fails, or `timeout
// resume` passes. In `mode tcp` nothing is sent to the client meanwhile.
asio::awaitable<std::optional<tcp::endpoint>> Session::wait_for_database(
    serverless::DatabaseGate& gate) {
  if (!database_use_) database_use_.emplace(gate);
  auto view = gate.view();
  if (view->state == serverless::DatabaseState::running &&
      database_use_->try_take_slot(view->max_connections))
    co_return view->endpoint;
  const auto failures_before = view->failures;
  const auto deadline = core::SteadyClock::now() + gate.timeout_resume();
  for (;;) {
    view = gate.view();
    switch (view->state) {
      case serverless::DatabaseState::running:
        if (database_use_->try_take_slot(view->max_connections)) co_return view->endpoint;
        break;
      case serverless::DatabaseState::starting:
      case serverless::DatabaseState::resuming:
        break;
      default:
        gate.request_resume();
    }
    if (view->failures > failures_before) {
      failure_reason_ = "the database failed to start";
      record_.termination = {TerminationCause::server_abort, TerminationStep::connect};
      co_return std::nullopt;
    }
    if (core::SteadyClock::now() >= deadline) {
      failure_reason_ = "timed out waiting for the database to resume";
      record_.termination = {TerminationCause::server_timeout, TerminationStep::connect};
      co_return std::nullopt;
    }
    co_await database_use_->wait(deadline);
  }
}

// Picks a server and connects, as HAProxy does: `retries` more attempts on
// failure, on the same server unless `option redispatch` lets the last one
// go elsewhere; with every server full, wait in the queue up to
// `timeout queue` (default: `timeout connect`).
asio::awaitable<bool> Session::connect_to_server(Connection& connection) {
  const config::Proxy& be = backend_->config();
  auto queue_limit = be.timeouts.queue.value_or(be.timeouts.connect.value_or(kDefaultQueueWait));
  auto queue_deadline = core::SteadyClock::now() + queue_limit;
  int failed_server = -1;
  int retries_left = be.retries;
  for (;;) {
    auto view = backend_->view();
    const backend::ServerView* server = nullptr;
    bool redispatch = failed_server >= 0 && be.redispatch && retries_left == 0;
    bool may_move = failed_server < 0 || redispatch;
    if (redispatch) record_.redispatched = true;
    if (!may_move) {
      for (const auto& candidate : view->servers)
        if (candidate.id == failed_server && candidate.usable) server = &candidate;
    }
    if (!server) server = choose_server(*view, may_move && failed_server >= 0 ? failed_server : -1);
    if (!server && failed_server >= 0) server = choose_server(*view, -1);
    if (server) {
      // Another session took its last slot since the choice: choose again.
      if (!take_server_slot(connection.server_slot, backend_->load(server->id).active,
                            server->maxconn))
        continue;
    }
    if (!server) {
      if (view->usable_count() > 0 && core::SteadyClock::now() < queue_deadline) {
        co_await core::sleep_for(kQueuePoll);  // every usable server is at its maxconn
        continue;
      }
      // Every usable server stayed full past the queue timeout, or none is usable.
      if (view->usable_count() > 0)
        record_.queue_ms = core::elapsed_ms(started_, core::SteadyClock::now());
      record_.termination =
          view->usable_count() > 0
              ? logging::Termination{TerminationCause::server_timeout, TerminationStep::queue}
              : logging::Termination{TerminationCause::server_abort, TerminationStep::connect};
      co_return false;
    }
    record_.queue_ms = core::elapsed_ms(started_, core::SteadyClock::now());
    record_.server = server->name;
    tcp::endpoint target;
    if (server->database) {
      auto endpoint = co_await wait_for_database(*server->database);
      if (!endpoint) co_return false;
      target = *endpoint;
    } else {
      target = *server->address;
    }
    auto connect_started = core::SteadyClock::now();
    asio::error_code error = co_await connect_once(connection.socket, target);
    if (!error) {
      record_.connect_ms = core::elapsed_ms(connect_started, core::SteadyClock::now());
      connection.server_id = server->id;
      connection.server_name = server->name;
      connection.send_proxy = server->send_proxy;
      connection.tls = server->tls;
      co_return true;
    }
    asio::error_code ignored;
    connection.socket.close(ignored);
    connection.server_slot.reset();
    if (retries_left-- <= 0) {
      record_.termination = {error == asio::error::timed_out ? TerminationCause::server_timeout
                                                             : TerminationCause::server_abort,
                             TerminationStep::connect};
      co_return false;
    }
    ++record_.retries;
    failed_server = server->id;
    // HAProxy's turn-around: an immediate refusal is retried after a pause.
    if (error != asio::error::timed_out)
      co_await core::sleep_for(std::min<std::chrono::milliseconds>(
          kTurnAround, be.timeouts.connect.value_or(kTurnAround)));
  }
}

// As HAProxy, the log line counts the backend's and the server's sessions
// without this one (%bc, %sc): they are given back before it is written.
void Session::end_backend_use(CountedSlot& backend_slot, Connection& connection) {
  backend_slot.release();
  connection.server_slot.reset();
  if (connection.server_id >= 0)
    record_.active_server =
        backend_->load(connection.server_id).active.load(std::memory_order_relaxed);
}

void Session::log_end() {
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
  record_.total_ms = core::elapsed_ms(started_, core::SteadyClock::now());
  record_.active_process = frontend_.process().active.load(std::memory_order_relaxed);
  record_.active_frontend = frontend_.active().load(std::memory_order_relaxed);
  record_.active_backend =
      backend_ ? backend_->active_sessions().load(std::memory_order_relaxed) : 0;
  frontend_.logger().log(logging::Level::info, logging::format_tcplog(record_));
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket client, tcp::endpoint peer, Frontend& frontend,
                                  const Listener& listener) {
  Session session(std::move(client), peer, frontend, listener);
  co_await session.run();
}

}  // namespace borealis::frontend

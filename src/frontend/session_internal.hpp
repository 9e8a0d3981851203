// Internal to the frontend: the `Session` behind run_session() (session.hpp),
// shared by the files that define its members, each by purpose:
//   session.cpp                    the session's flow: accept, PROXY header,
//                                  rules, relay, the log line at the end;
//   session_server_connection.cpp  choosing and connecting to a server
//                                  (`maxconn` slots, queue, retries, a
//                                  serverless database's wait, send-proxy);
//   session_mysql_login.cpp        `mode mysql`: greeting, local verification
//                                  of the password, login, refusals;
//   session_continuity.cpp         a MySQL session going on over a new server
//                                  connection (release, reconnect, lost
//                                  commands).
// Nothing outside src/frontend/session*.cpp includes this header.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "backend/backend_view.hpp"
#include "config/model.hpp"
#include "core/clock.hpp"
#include "frontend/frontend.hpp"
#include "frontend/mysql_handshake.hpp"
#include "frontend/session_registry.hpp"
#include "logging/tcplog.hpp"
#include "mysql/session_follower.hpp"
#include "net/relay.hpp"
#include "serverless/database_gate.hpp"

namespace borealis::frontend::detail {

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

// Runs `operation` for at most `limit`; nullopt when the time ran out (the
// operation is then cancelled).
template <typename T>
asio::awaitable<std::optional<T>> within(asio::awaitable<T> operation,
                                         std::chrono::milliseconds limit) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto result = co_await (std::move(operation) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1) co_return std::nullopt;
  co_return std::get<0>(result);
}

// The client's wait for a PROXY header, and for its MySQL handshake or a
// command's remaining bytes, when `timeout client` is not set.
constexpr auto kProxyHeaderWait = std::chrono::milliseconds(10000);
// `timeout queue` when neither it nor `timeout connect` is set.
constexpr auto kDefaultQueueWait = config::Duration(5000);
// The first and the longest pause between logins a server refused with
// "Too many connections".
constexpr auto kFirstBusyPause = std::chrono::milliseconds(5);
constexpr auto kLongestBusyPause = std::chrono::milliseconds(200);

struct Connection {
  tcp::socket socket;
  tcp protocol = tcp::v4();  // the server address's family, once connected
  int server_id = -1;
  std::string server_name;
  config::SendProxy send_proxy = config::SendProxy::none;
  std::optional<CountedSlot> server_slot;  // held from the choice to the end
  tls::ClientContext* tls = nullptr;       // `server ... ssl` (mode mysql)
};

class Session {
 public:
  Session(tcp::socket client, const tcp::endpoint& peer, Frontend& frontend,
          const Listener& listener, SessionRegistry& registry, std::atomic<int>& worker_sessions)
      : worker_count_(worker_sessions, CountedSlot::already_counted),
        client_(std::move(client)),
        peer_(peer),
        frontend_(frontend),
        bind_(*listener.bind),
        tls_(listener.tls),
        backend_(frontend.backend()),
        registration_(registry, frontend.name(), peer, [this] { shut_down_by_operator(); }) {}

  // Everything up to the relay, and in `mode mysql` the relay too. True
  // when a `mode tcp` relay is to follow: relay_detached() runs it.
  asio::awaitable<bool> run();
  // A `mode tcp` session's relay, driven by callbacks once run() has
  // returned, so that an idle session holds no coroutine frame
  // (session_tcp_relay.cpp). The session ends with it.
  static void relay_detached(std::unique_ptr<Session> session);

 private:
  friend class DetachedTcpRelay;
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
  net::RelayTimeouts relay_timeouts() const;
  void relay_ended(TerminationCause cause, std::uint64_t bytes_to_client);
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
  asio::awaitable<std::uint64_t> refuse_instead_of_greeting(std::uint16_t code,
                                                            std::string message);
  asio::awaitable<bool> send_proxy_header(Connection& connection);
  asio::awaitable<bool> connect_to_server(Connection& connection);
  asio::awaitable<std::optional<tcp::endpoint>> wait_for_database(serverless::DatabaseGate& gate);
  asio::awaitable<asio::error_code> connect_once(tcp::socket& socket, const tcp::endpoint& target);
  const backend::ServerView* choose_server(const backend::BackendView& view, int exclude) const;
  void end_backend_use(CountedSlot& backend_slot, Connection& connection);
  void relaying_to(Connection& connection);
  void shut_down_by_operator();
  void count_server_session(const Connection& connection);
  void count_traffic() const;
  void count_abort(stats::TrafficCounters& server) const;
  void log_end();

  CountedSlot worker_count_;  // this worker's sessions (WorkerLoads)
  tcp::socket client_;
  tcp::endpoint peer_;
  Frontend& frontend_;
  ReservedSlot frontend_slot_{frontend_};
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
  // Held from the choice of a backend, and of a server, to the end.
  std::optional<CountedSlot> backend_slot_;
  std::optional<Connection> connection_;
  logging::SessionRecord record_;
  asio::ip::address client_address_;
  // Held while this session uses or waits for a serverless database: it
  // keeps the database awake, and holds one of its connection slots.
  std::optional<serverless::DatabaseGate::Use> database_use_;
  // `mode mysql`: borealis's side of the client's handshake (allocated
  // then only, so that a `mode tcp` session stays small).
  std::unique_ptr<MysqlHandshake> mysql_;
  // The database whose accounts borealis checks logins against, and the
  // address its server sees borealis's connections from.
  serverless::DatabaseGate* account_source_ = nullptr;
  std::string account_server_address_;
  const char* failure_reason_ = nullptr;
  // The last server connection's queueing and connecting, for the totals
  // (the log's Tw and Tc are these in whole milliseconds).
  std::chrono::nanoseconds queue_time_{0}, connect_time_{0};
  // `mode mysql`: the session's server connection was given back while
  // idle (the next one is made when the client speaks).
  bool server_given_back_ = false;
  // Whether an operator shut the session down (`shutdown sessions`).
  bool killed_ = false;
  // The server of the session's last server connection, for its totals.
  int last_server_id_ = -1;
  // `shutdown sessions server`: the server connection the session relays
  // over (null outside the relay).
  tcp::socket* server_socket_ = nullptr;
  // Last: leaves the worker's registry before any socket is destroyed.
  SessionRegistry::Entry registration_;
};

}  // namespace borealis::frontend::detail

#include "http/http_frontend.hpp"

#include <fmt/format.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "core/sleep.hpp"
#include "frontend/accept_loop.hpp"
#include "logging/stderr_notice.hpp"
#include "net/listen_socket.hpp"

namespace borealis::http {

namespace {

constexpr int kBacklog = 128;
constexpr auto kRoomPoll = std::chrono::milliseconds(10);
constexpr auto kResourcePause = std::chrono::milliseconds(100);
// When no timeout is configured at all (HAProxy warns and waits forever):
// an HTTP client that neither sends nor reads is closed after this.
constexpr std::chrono::milliseconds kDefaultTimeout{30000};
constexpr std::size_t kMaxDrainBytes = 1 << 20;

std::chrono::milliseconds first_of(std::initializer_list<std::optional<config::Duration>> choices) {
  for (const auto& choice : choices)
    if (choice) return std::chrono::duration_cast<std::chrono::milliseconds>(*choice);
  return kDefaultTimeout;
}

}  // namespace

// Shared by the serving coroutine and its timer's handler, which holds it
// weakly: a deadline that passes after the coroutine ended closes nothing.
struct HttpFrontend::Connection {
  Connection(asio::ip::tcp::socket accepted, asio::ip::tcp::endpoint from)
      : socket(std::move(accepted)), peer(from), timer(socket.get_executor()) {}
  asio::ip::tcp::socket socket;
  asio::ip::tcp::endpoint peer;
  asio::steady_timer timer;
  std::uint64_t bytes_in = 0, bytes_out = 0;
};

HttpFrontend::HttpFrontend(asio::io_context& control, frontend::Frontend& frontend,
                           Services services)
    : control_(control),
      frontend_(frontend),
      services_(std::move(services)),
      rules_(frontend.config().http_request_rules) {
  const auto& timeouts = frontend.config().timeouts;
  request_timeout_ = first_of({timeouts.http_request, timeouts.client});
  keep_alive_timeout_ =
      first_of({timeouts.http_keep_alive, timeouts.http_request, timeouts.client});
  client_timeout_ = first_of({timeouts.client});
}

HttpFrontend::~HttpFrontend() { stop(); }

std::string HttpFrontend::open(net::InheritedListeners& inherited) {
  for (const auto& bind : frontend_.config().binds) {
    std::string error;
    auto sockets = net::open_bind_sockets(bind, 1, inherited, kBacklog, error);
    if (sockets.empty()) return fmt::format("Starting frontend {}: {}", frontend_.name(), error);
    for (const auto& socket : sockets)
      acceptors_.push_back(std::make_unique<asio::ip::tcp::acceptor>(
          control_, socket.endpoint.protocol(), socket.fd));
  }
  return {};
}

std::vector<int> HttpFrontend::listening_sockets() const {
  std::vector<int> sockets;
  if (stopped_) return sockets;
  for (const auto& acceptor : acceptors_) sockets.push_back(acceptor->native_handle());
  return sockets;
}

void HttpFrontend::start() {
  for (auto& acceptor : acceptors_)
    asio::co_spawn(control_, accept_loop(*acceptor), asio::detached);
}

void HttpFrontend::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  for (auto& acceptor : acceptors_) acceptor->close(ignored);
  for (auto& weak : connections_)
    if (auto connection = weak.lock()) connection->socket.close(ignored);
  connections_.clear();
}

asio::awaitable<void> HttpFrontend::accept_loop(asio::ip::tcp::acceptor& acceptor) {
  while (!stopped_) {
    // At maxconn, connections wait in the kernel's accept queue.
    if (!frontend_.has_room()) {
      co_await core::sleep_for(kRoomPoll);
      continue;
    }
    asio::error_code error;
    asio::ip::tcp::socket client(control_);
    asio::ip::tcp::endpoint peer;
    co_await acceptor.async_accept(client, peer, asio::redirect_error(asio::use_awaitable, error));
    if (stopped_ || error == asio::error::operation_aborted) co_return;
    if (error) {
      co_await core::sleep_for(kResourcePause);  // out of descriptors: back off
      continue;
    }
    frontend_.traffic().count_connection();
    if (frontend::refused_by_rules(client, peer, frontend_)) continue;
    if (!frontend_.try_reserve()) continue;  // filled since has_room(): closed, as at the limit
    auto connection = std::make_shared<Connection>(std::move(client), peer);
    connections_.remove_if([](const std::weak_ptr<Connection>& weak) { return weak.expired(); });
    connections_.push_back(connection);
    asio::co_spawn(control_, serve(std::move(connection)), asio::detached);
  }
}

void HttpFrontend::close_at(const std::shared_ptr<Connection>& connection,
                            std::chrono::steady_clock::time_point deadline) {
  connection->timer.expires_at(deadline);
  connection->timer.async_wait(
      [weak = std::weak_ptr<Connection>(connection)](asio::error_code error) {
        if (error) return;  // moved or cancelled
        if (auto alive = weak.lock()) {
          asio::error_code ignored;
          alive->socket.close(ignored);
        }
      });
}

Response HttpFrontend::answer(const Request& request, const asio::ip::address& source) const {
  const config::HttpRequestRule* rule = rules_.judge(source, request.path);
  using Action = config::HttpRequestRule::Action;
  if (rule && rule->action == Action::deny) return error_response(rule->deny_status);
  if (rule && rule->action == Action::prometheus_exporter && services_.prometheus_exporter) {
    if (request.method != "GET" && request.method != "HEAD") {
      Response refused = error_response(405);
      refused.headers.emplace_back("Allow", "GET, HEAD");
      return refused;
    }
    return services_.prometheus_exporter(request);
  }
  // As in HAProxy, the stats page comes after the rules (a `deny` keeps it
  // from whom it names) and answers every target its `uri` begins.
  const auto& page = frontend_.config().stats_page;
  if (rule == nullptr || rule->action == Action::allow)
    if (page && services_.stats_page && request.target.starts_with(page->uri))
      return services_.stats_page(request, *page);
  // As HAProxy answers when a request reaches no service and no server.
  return error_response(503, "No server is available to handle this request.");
}

// A service that throws (out of memory building a page) answers 500: the
// control thread that serves it runs everything else too.
Response HttpFrontend::answer_safely(const Request& request,
                                     const asio::ip::address& source) const {
  try {
    return answer(request, source);
  } catch (const std::exception& error) {
    logging::notice(logging::Severity::warning, "frontend " + frontend_.name() + ": answering " +
                                                    request.target + " failed: " + error.what());
    return error_response(500);
  }
}

asio::awaitable<bool> HttpFrontend::write(Connection& connection, const std::string& bytes) {
  asio::error_code error;
  co_await asio::async_write(connection.socket, asio::buffer(bytes),
                             asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return false;
  connection.bytes_out += bytes.size();
  co_return true;
}

// Closing with unread bytes makes the kernel reset the connection, and the
// client may lose the answer: what it still sends (up to kMaxDrainBytes,
// within `timeout client`) is read and dropped until it closes its side.
asio::awaitable<void> HttpFrontend::drain_and_close(std::shared_ptr<Connection> connection) {
  asio::error_code error;
  connection->socket.shutdown(asio::ip::tcp::socket::shutdown_send, error);
  close_at(connection, std::chrono::steady_clock::now() + client_timeout_);
  std::array<char, 4096> scratch;
  std::size_t drained = 0;
  while (!error && drained < kMaxDrainBytes) {
    const std::size_t read = co_await connection->socket.async_read_some(
        asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, error));
    drained += read;
    connection->bytes_in += read;
  }
}

// g++ 12 may inline asio's frame allocation into this coroutine and then
// call the frame's operator delete a mismatch: a false
// -Wmismatched-new-delete (see Session::run), silenced for this function.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<void> HttpFrontend::serve(std::shared_ptr<Connection> connection) {
  using Clock = std::chrono::steady_clock;
  RequestParser parser;
  std::string pending;  // read and not yet parsed: the rest of a pipeline
  std::array<char, 16 * 1024> buffer;
  bool first = true, open = true;
  while (open && !stopped_) {
    // A whole request head within `timeout http-request`; after the first,
    // its first byte within `timeout http-keep-alive`.
    close_at(connection, Clock::now() + (first ? request_timeout_ : keep_alive_timeout_));
    // `received`: some of this request is here (pipelined bytes count).
    bool begun = first, received = !pending.empty();
    RequestParser::Result result{RequestParser::State::need_more, 0};
    while (true) {
      if (!pending.empty()) {
        result = parser.feed(pending);
        pending.erase(0, result.consumed);
        if (result.state != RequestParser::State::need_more) break;
      }
      asio::error_code error;
      const std::size_t read = co_await connection->socket.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
      if (error == asio::error::eof && received) {
        // The client stopped sending inside a request: say so, then close.
        result = {RequestParser::State::error, 0, 400,
                  "the request ended before its head was complete"};
        break;
      }
      if (error) {
        open = false;
        break;
      }
      received = true;
      connection->bytes_in += read;
      if (!begun) close_at(connection, Clock::now() + request_timeout_);
      begun = true;
      pending.append(buffer.data(), read);
    }
    if (!open) break;
    first = false;
    bool keep_alive = false, head_only = false;
    int minor = 1;
    Response response;
    if (result.state == RequestParser::State::error) {
      frontend_.traffic().count_request_error();
      response = error_response(result.status, result.reason);
    } else {
      const Request& request = parser.request();
      response = answer_safely(request, connection->peer.address());
      keep_alive = request.keep_alive;
      head_only = request.method == "HEAD";
      minor = request.version_minor;
    }
    close_at(connection, Clock::now() + client_timeout_);  // a client that does not read
    if (!co_await write(*connection, serialize(response, keep_alive, head_only, minor))) break;
    if (!keep_alive) {
      co_await drain_and_close(connection);
      break;
    }
    parser.reset();
  }
  connection->timer.cancel();
  asio::error_code ignored;
  connection->socket.close(ignored);
  frontend_.traffic().count_bytes(connection->bytes_in, connection->bytes_out);
  frontend_.release();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace borealis::http

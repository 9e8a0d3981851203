#include "frontend/accept_loop.hpp"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "core/sleep.hpp"
#include "frontend/session.hpp"
#include "logging/stderr_notice.hpp"

namespace borealis::frontend {

namespace {

constexpr auto kRoomPoll = std::chrono::milliseconds(10);
constexpr auto kResourcePause = std::chrono::milliseconds(100);

}  // namespace

// `tcp-request connection` rules see the connection's own source: before
// any byte is read, any slot taken or any backend touched. A refused
// connection is reset, as HAProxy does, so that a flood of them leaves no
// TIME_WAIT behind.
bool refused_by_rules(asio::ip::tcp::socket& client, const asio::ip::tcp::endpoint& peer,
                      Frontend& frontend) {
  if (!frontend.rules().has_rules(access::Phase::connection)) return false;
  const auto verdict = frontend.rules().judge(access::Phase::connection, peer.address());
  if (verdict.accepted) return false;
  asio::error_code ignored;
  client.set_option(asio::socket_base::linger(true, 0), ignored);
  client.close(ignored);
  frontend.traffic().count_denied_connection();
  frontend.log_refusal(peer.address(), peer.port(),
                       fmt::format("connection refused by 'tcp-request connection reject' at {}:{}",
                                   verdict.rule->file, verdict.rule->line));
  return true;
}

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, Frontend& frontend,
                                  const Listener& listener, SessionRegistry& sessions) {
  auto executor = co_await asio::this_coro::executor;
  bool short_of_resources = false;
  while (acceptor.is_open()) {
    // At maxconn, connections wait in the kernel's accept queue, as HAProxy's do.
    if (!frontend.has_room()) {
      co_await core::sleep_for(kRoomPoll);
      continue;
    }
    asio::error_code error;
    asio::ip::tcp::socket client(executor);
    asio::ip::tcp::endpoint peer;  // filled by accept itself: no getpeername call
    co_await acceptor.async_accept(client, peer, asio::redirect_error(asio::use_awaitable, error));
    // A connection accepted just before the listener closed (a soft stop,
    // a reload) is served all the same: its client was already told yes.
    if (error == asio::error::operation_aborted || (error && !acceptor.is_open())) co_return;
    if (error) {
      // Out of file descriptors or memory: back off rather than spin, keep
      // serving the sessions there are, and say so once per episode.
      if (!short_of_resources)
        logging::notice(logging::Severity::warning,
                        "frontend " + frontend.name() + ": accept failed: " + error.message() +
                            " (new connections wait until it recovers)");
      short_of_resources = true;
      co_await core::sleep_for(kResourcePause);
      continue;
    }
    if (short_of_resources)
      logging::notice(logging::Severity::notice,
                      "frontend " + frontend.name() + ": accepting again");
    short_of_resources = false;
    frontend.traffic().count_connection();
    if (refused_by_rules(client, peer, frontend)) continue;
    // Each worker keeps one accept pending, so a connection can arrive when
    // the frontend is already full: it is held here, unserved, until a slot
    // frees, rather than refused.
    while (!frontend.try_reserve()) co_await core::sleep_for(kRoomPoll);
    asio::co_spawn(executor, run_session(std::move(client), peer, frontend, listener, sessions),
                   asio::detached);
  }
}

}  // namespace borealis::frontend

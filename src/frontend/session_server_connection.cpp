// How a session gets its server connection: a server chosen by the backend,
// one of its `maxconn` slots (or the queue while all are taken), the connect
// with its retries and redispatch, the wait for a serverless database to run,
// and the PROXY header `send-proxy` puts before the client's bytes. Used for
// a session's first connection and for each new one of session continuity.
#include <algorithm>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <memory>
#include <random>

#include "backend/balancer.hpp"
#include "core/sleep.hpp"
#include "frontend/connect_budget.hpp"
#include "frontend/session_internal.hpp"
#include "net/nonblocking_connect.hpp"
#include "proxy_protocol/proxy_header.hpp"

namespace borealis::frontend::detail {

namespace {

constexpr auto kQueuePoll = std::chrono::milliseconds(10);

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

}  // namespace

const backend::ServerView* Session::choose_server(const backend::BackendView& view,
                                                  int exclude) const {
  return backend::pick_server(*backend_, view, {client_address_, exclude});
}

asio::awaitable<asio::error_code> Session::connect_once(tcp::socket& socket,
                                                        const tcp::endpoint& target) {
  const net::ConnectStart start = net::start_connect(socket, target);
  if (!start.in_progress) co_return start.error;
  asio::error_code error;
  const auto& limit = backend_->config().timeouts.connect;
  if (!limit) {
    co_await socket.async_wait(tcp::socket::wait_write,
                               asio::redirect_error(asio::use_awaitable, error));
    co_return error ? error : net::connect_result(socket);
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
  co_await socket.async_wait(tcp::socket::wait_write,
                             asio::redirect_error(asio::use_awaitable, error));
  if (*state == Race::timed_out) co_return asio::error::timed_out;
  *state = Race::connected;
  timer.cancel();
  co_return error ? error : net::connect_result(socket);
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

namespace {

// A different random lengthening of the retry pauses for every session
// (connect_budget.hpp); one generator per worker, seeded once.
std::uint32_t jitter_seed() {
  thread_local std::minstd_rand seeds(std::random_device{}());
  return static_cast<std::uint32_t>(seeds());
}

}  // namespace

// Picks a server and connects, as HAProxy does, with `retries` spent as
// time (frontend/connect_budget): a refused or timed-out connect is tried
// again on the same server (while it is usable), until `option redispatch`
// lets the attempts after the `retries`th go elsewhere; with every server
// full, it waits in the queue up to `timeout queue` (default: `timeout
// connect`).
asio::awaitable<bool> Session::connect_to_server(Connection& connection) {
  const config::Proxy& be = backend_->config();
  auto queue_limit = be.timeouts.queue.value_or(be.timeouts.connect.value_or(kDefaultQueueWait));
  auto queue_deadline = core::SteadyClock::now() + queue_limit;
  ConnectBudget budget(be.timeouts.connect, be.retries, jitter_seed());
  int failed_server = -1;
  // Counted in the backend's queue (qcur) while it waits for a free server.
  struct QueuePlace {
    stats::TrafficCounters* traffic = nullptr;
    void take(stats::TrafficCounters& counters) {
      if (traffic) return;
      traffic = &counters;
      traffic->enter_queue();
    }
    void release() {
      if (traffic) traffic->leave_queue();
      traffic = nullptr;
    }
    ~QueuePlace() { release(); }
  } queue_place;
  for (;;) {
    auto view = backend_->view();
    const backend::ServerView* server = nullptr;
    bool redispatch = failed_server >= 0 && be.redispatch && budget.failures() >= be.retries;
    bool may_move = failed_server < 0 || redispatch;
    if (redispatch && !record_.redispatched) {
      record_.redispatched = true;
      backend_->traffic().count_redispatch();
      backend_->load(failed_server).traffic.count_redispatch();
    }
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
      queue_place.release();
      backend_->traffic().count_selection();
      backend_->load(server->id).traffic.count_selection();
    }
    if (!server) {
      if (view->usable_count() > 0 && core::SteadyClock::now() < queue_deadline) {
        queue_place.take(backend_->traffic());
        co_await core::sleep_for(kQueuePoll);  // every usable server is at its maxconn
        continue;
      }
      // Every usable server stayed full past the queue timeout, or none is
      // usable: failed at once, as HAProxy does (a server marked down by its
      // checks is not a short outage).
      if (view->usable_count() > 0)
        record_.queue_ms = core::elapsed_ms(registration_.started(), core::SteadyClock::now());
      record_.termination =
          view->usable_count() > 0
              ? logging::Termination{TerminationCause::server_timeout, TerminationStep::queue}
              : logging::Termination{TerminationCause::server_abort, TerminationStep::connect};
      co_return false;
    }
    queue_time_ = core::SteadyClock::now() - registration_.started();
    record_.queue_ms = std::chrono::duration_cast<std::chrono::milliseconds>(queue_time_).count();
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
    budget.attempt_starts(connect_started);
    asio::error_code error = co_await connect_once(connection.socket, target);
    if (!error) {
      connect_time_ = core::SteadyClock::now() - connect_started;
      record_.connect_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(connect_time_).count();
      connection.protocol = target.protocol();
      connection.server_id = server->id;
      connection.server_name = server->name;
      connection.send_proxy = server->send_proxy;
      connection.tls = server->tls;
      co_return true;
    }
    asio::error_code ignored;
    connection.socket.close(ignored);
    connection.server_slot.reset();
    backend_->traffic().count_connect_error();
    backend_->load(server->id).traffic.count_connect_error();
    auto pause = budget.pause_after_failure(core::SteadyClock::now());
    if (!pause) {
      record_.termination = {error == asio::error::timed_out ? TerminationCause::server_timeout
                                                             : TerminationCause::server_abort,
                             TerminationStep::connect};
      co_return false;
    }
    ++record_.retries;
    backend_->traffic().count_retry();
    backend_->load(server->id).traffic.count_retry();
    failed_server = server->id;
    if (error != asio::error::timed_out) co_await core::sleep_for(*pause);
  }
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

}  // namespace borealis::frontend::detail

#include "frontend/accept_loop.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <utility>

#include "core/sleep.hpp"
#include "frontend/session.hpp"
#include "logging/stderr_notice.hpp"

namespace borealis::frontend {

namespace {

constexpr auto kRoomPoll = std::chrono::milliseconds(10);
constexpr auto kResourcePause = std::chrono::milliseconds(100);

// A connection on its way to another worker: its descriptor, the frontend
// slot reserved for it and the count taken on that worker. All three are
// given back if it never gets there (that worker stopped first). While it
// travels it also counts in the frontend's transit, which the room check
// adds to each serverless database's queue: it is held there the moment
// its session starts.
class ConnectionInTransit {
 public:
  ConnectionInTransit(int descriptor, Frontend& frontend, std::atomic<int>& count)
      : descriptor_(descriptor), frontend_(&frontend), count_(&count) {
    frontend_->begin_transit();
  }
  ConnectionInTransit(ConnectionInTransit&& other) noexcept
      : descriptor_(std::exchange(other.descriptor_, -1)),
        frontend_(std::exchange(other.frontend_, nullptr)),
        count_(std::exchange(other.count_, nullptr)) {}
  ConnectionInTransit& operator=(ConnectionInTransit&&) = delete;
  ConnectionInTransit(const ConnectionInTransit&) = delete;
  ~ConnectionInTransit() {
    if (descriptor_ >= 0) ::close(descriptor_);
    if (!frontend_) return;
    frontend_->end_transit();
    if (!count_) return;
    count_->fetch_sub(1, std::memory_order_relaxed);
    frontend_->release();
  }

  int take_descriptor() { return std::exchange(descriptor_, -1); }
  // The session holds the slot and the count from here; the transit ends
  // when this object does, after the session has started.
  void arrived() { count_ = nullptr; }

 private:
  int descriptor_;
  Frontend* frontend_;
  std::atomic<int>* count_;
};

void spawn_session(asio::ip::tcp::socket client, const asio::ip::tcp::endpoint& peer,
                   Frontend& frontend, const Listener& listener, const WorkerSeat& seat,
                   std::atomic<int>& count) {
  asio::co_spawn(seat.executor,
                 run_session(std::move(client), peer, frontend, listener, *seat.sessions, count),
                 asio::detached);
}

// Starts the session of a connection accepted (and its frontend slot
// reserved) by worker `here`, on the worker WorkerLoads chooses. A handover
// moves the descriptor from one worker's epoll to the other's.
void start_session(asio::ip::tcp::socket client, const asio::ip::tcp::endpoint& peer,
                   Frontend& frontend, const Listener& listener, Workers& workers, int here) {
  int there = workers.loads.choose(here);
  int descriptor = -1;
  if (there != here) {
    asio::error_code error;
    descriptor = client.release(error);
    if (error) there = here;  // still this worker's: served here after all
  }
  std::atomic<int>& count = workers.loads.sessions(there);
  count.fetch_add(1, std::memory_order_relaxed);
  if (there == here)
    return spawn_session(std::move(client), peer, frontend, listener,
                         workers.seats[static_cast<std::size_t>(here)], count);
  const WorkerSeat& seat = workers.seats[static_cast<std::size_t>(there)];
  asio::post(seat.executor, [transit = ConnectionInTransit(descriptor, frontend, count), peer,
                             &frontend, &listener, &seat, &count]() mutable {
    asio::ip::tcp::socket socket(seat.executor);
    const int moved = transit.take_descriptor();
    asio::error_code assign_error;
    socket.assign(peer.protocol(), moved, assign_error);
    if (assign_error) {
      ::close(moved);
      return;  // the transit gives back the slot and the count
    }
    transit.arrived();
    // co_spawn runs the session here, up to its first wait (for a paused
    // database: counted as held), before the transit ends with this handler.
    spawn_session(std::move(socket), peer, frontend, listener, seat, count);
  });
}

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
                                  const Listener& listener, Workers& workers, int here) {
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
    start_session(std::move(client), peer, frontend, listener, workers, here);
  }
}

}  // namespace borealis::frontend

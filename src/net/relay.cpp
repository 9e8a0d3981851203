#include "net/relay.hpp"

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "net/buffer_pool.hpp"
#include "net/idle_limit.hpp"

namespace borealis::net {

namespace {

using asio::ip::tcp;
using logging::TerminationCause;

template <typename Stream>
struct Side {
  Stream& socket;
  core::SteadyTime last_activity;
  bool finished_sending = false;  // this side half-closed towards us
};

// Closing and half-closing, for a TCP socket and for TLS over one. TLS has
// no half-close of its own: the TCP one is passed on (the peer reads the
// end of the stream without a close_notify).
void close_stream(tcp::socket& socket) {
  asio::error_code ignored;
  socket.close(ignored);
}
void close_stream(asio::ssl::stream<tcp::socket&>& stream) { close_stream(stream.next_layer()); }
void shutdown_send(tcp::socket& socket) {
  asio::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}
void shutdown_send(asio::ssl::stream<tcp::socket&>& stream) { shutdown_send(stream.next_layer()); }

template <typename ClientStream, typename ServerStream>
struct RelayState {
  Side<ClientStream> client;
  Side<ServerStream> server;
  RelayOutcome outcome;
  bool stopped = false;
  // The watchdog waits on this timer. A half-close cancels the wait with
  // `limits_changed` set, so that a shorter `-fin` timeout takes effect.
  asio::steady_timer watchdog_timer;
  bool limits_changed = false;
  // `mode mysql`: the server's connection ended at a safe point; the relay
  // waits for the client's next bytes (see lose_server()).
  bool server_lost = false;
  const MysqlHooks* mysql = nullptr;
};

// Ends the relay at once: both sockets closed, so the other pump and the
// watchdog return on their next step.
template <typename ClientStream, typename ServerStream>
void stop(RelayState<ClientStream, ServerStream>& state, TerminationCause cause) {
  if (state.stopped) return;
  state.stopped = true;
  if (state.outcome.cause == TerminationCause::none) state.outcome.cause = cause;
  close_stream(state.client.socket);
  close_stream(state.server.socket);
}

// `from` finished sending. Pass the half-close on, unless the other way is
// already closed too: then both sockets are about to be closed and the call
// would be wasted. Otherwise the relay goes on, and `from`'s idle limit may now
// be its `-fin` timeout: the watchdog computes its deadline again.
template <typename State, typename From, typename To>
void half_close(State& state, From& from, To& to) {
  from.finished_sending = true;
  if (to.finished_sending) return;
  shutdown_send(to.socket);
  state.limits_changed = true;
  state.watchdog_timer.cancel();
}

// Bytes a side reads while waiting, in the pump's own frame: enough for a
// MySQL command or a point select's result (about 250 bytes) in one read,
// small enough that an idle session costs little (two of them per
// session). Larger reads continue in a pooled buffer.
constexpr std::size_t kWaitingBufferSize = 512;

// What one read produced, or why the direction ended.
enum class ReadOutcome { data, eof, failed };

ReadOutcome classify(const asio::error_code& error) {
  if (!error) return ReadOutcome::data;
  // A TLS peer that ends the TCP stream without close_notify has ended it
  // all the same (MySQL clients do, after COM_QUIT).
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated)
    return ReadOutcome::eof;
  return ReadOutcome::failed;
}

// Writes `pieces` in order.
template <typename To>
asio::awaitable<void> write_pieces(To& to, const std::vector<std::string_view>& pieces,
                                   std::vector<asio::const_buffer>& buffers,
                                   asio::error_code& error) {
  if (pieces.size() == 1) {  // the usual case: one buffer, asio's simplest write
    co_await asio::async_write(to.socket, asio::buffer(pieces[0].data(), pieces[0].size()),
                               asio::redirect_error(asio::use_awaitable, error));
    co_return;
  }
  buffers.clear();
  for (auto piece : pieces) buffers.push_back(asio::buffer(piece.data(), piece.size()));
  if (buffers.empty()) co_return;
  co_await asio::async_write(to.socket, buffers, asio::redirect_error(asio::use_awaitable, error));
}

// `mode mysql`, the server's connection ended while the session was at a
// safe point: it is closed, the client's side stays open, and the relay
// waits (under `timeout client`) for the client's next bytes, which
// park() hands to the session for the next server connection.
template <typename State>
void lose_server(State& state) {
  state.server_lost = true;
  state.server.finished_sending = true;
  close_stream(state.server.socket);
  state.limits_changed = true;
  state.watchdog_timer.cancel();
}

template <typename State>
void park(State& state, const char* data, std::size_t count) {
  state.outcome.server_lost = true;
  state.outcome.client_bytes_waiting.assign(data, count);
  state.stopped = true;
  state.watchdog_timer.cancel();
}

void cancel_reads(tcp::socket& socket) {
  asio::error_code ignored;
  socket.cancel(ignored);
}
void cancel_reads(asio::ssl::stream<tcp::socket&>& stream) { cancel_reads(stream.next_layer()); }

// `mode mysql`, the server's connection ended after the client's last
// command reached it and before any answer came: the relay ends at once
// (the client waits for an answer, the session gives one), the client's
// side left open.
template <typename State>
void lose_command(State& state) {
  state.outcome.server_lost = true;
  state.outcome.command_lost = true;
  state.stopped = true;
  close_stream(state.server.socket);
  cancel_reads(state.client.socket);
  state.watchdog_timer.cancel();
}

// What one direction does beyond moving bytes (`mode mysql`).
struct PumpHooks {
  mysql::ClientStreamFilter* filter = nullptr;  // client to server: decides what is written
  mysql::SessionFollower* follower = nullptr;   // server to client: sees what is read
  bool from_client = false;                     // parks when the server is lost
  stats::ResponseTiming* timing = nullptr;      // times answers (mode mysql)
};

// What goes on to the other side of the bytes read, into `pieces` (views
// of `data` or of bytes a filter keeps): the client's through the client
// stream filter; the server's as the follower passes them (it may strip
// session state the client did not ask for). What the server says when no
// command is outstanding (MariaDB's farewell ERR before it closes a
// connection) is not for the client, whose next command may well go to
// another server: false.
bool to_pass_on(const PumpHooks& hooks, std::string_view data,
                std::vector<std::string_view>& pieces) {
  pieces.clear();
  if (hooks.filter) {
    hooks.filter->feed(data, pieces);
    return true;
  }
  if (!hooks.follower) {
    pieces.push_back(data);
    return true;
  }
  const bool unasked = hooks.follower->expects_nothing();
  hooks.follower->server_bytes(data, pieces);
  return !unasked || hooks.follower->lost();
}

template <typename State, typename From, typename To>
asio::awaitable<void> pump(State& state, From& from, To& to, std::uint64_t& counter,
                           TerminationCause abort_cause, PumpHooks hooks = {},
                           std::string_view first = {}) {
  BufferPool& pool = BufferPool::for_this_thread();
  char waiting_buffer[kWaitingBufferSize];
  std::vector<std::string_view> pieces;
  std::vector<asio::const_buffer> buffers;
  asio::error_code error;
  ReadOutcome outcome = ReadOutcome::data;
  bool write_failed = false;
  if (!first.empty()) {
    to_pass_on(hooks, first, pieces);
    co_await write_pieces(to, pieces, buffers, error);
    if (error) {
      write_failed = true;
      outcome = ReadOutcome::failed;
    } else {
      counter += first.size();
      if (hooks.timing && hooks.filter)
        hooks.timing->client_bytes_written(hooks.filter->commands(), core::SteadyClock::now());
    }
  }
  while (!state.stopped && outcome == ReadOutcome::data) {
    std::size_t count = co_await from.socket.async_read_some(
        asio::buffer(waiting_buffer), asio::redirect_error(asio::use_awaitable, error));
    outcome = classify(error);
    if (outcome != ReadOutcome::data) break;
    bool more = count == sizeof(waiting_buffer);
    const char* data = waiting_buffer;
    std::optional<BufferPool::Lease> lease;
    for (;;) {
      from.last_activity = core::SteadyClock::now();
      if (hooks.timing && !hooks.from_client) hooks.timing->server_bytes_read(from.last_activity);
      if (hooks.from_client && state.server_lost) {
        if (!state.stopped)
          park(state, data, count);
        else if (state.outcome.command_lost)  // read before the cancel took effect
          state.outcome.client_bytes_waiting.append(data, count);
        co_return;
      }
      if (to_pass_on(hooks, std::string_view(data, count), pieces)) {
        co_await write_pieces(to, pieces, buffers, error);
        if (error) {
          write_failed = true;
          outcome = ReadOutcome::failed;
          break;
        }
        to.last_activity = core::SteadyClock::now();
        counter += count;
        if (hooks.timing && hooks.filter)
          hooks.timing->client_bytes_written(hooks.filter->commands(), to.last_activity);
      }
      if (!more) break;
      if (!lease) lease.emplace(pool.lend());
      count =
          co_await from.socket.async_read_some(asio::buffer(lease->data(), lease->size()),
                                               asio::redirect_error(asio::use_awaitable, error));
      outcome = classify(error);
      if (outcome != ReadOutcome::data) break;
      data = lease->data();
      more = count == lease->size();
    }
  }
  if (state.stopped) co_return;
  if (write_failed) {
    // The writing side failed.
    co_return stop(state, abort_cause == TerminationCause::client_abort
                              ? TerminationCause::server_abort
                              : TerminationCause::client_abort);
  }
  // The server's side ended between commands: wait for the client's next
  // one instead (the session decides what it gets, see RelayOutcome).
  if (hooks.follower && hooks.follower->expects_nothing()) {
    state.outcome.away_from_safe_point = !hooks.follower->at_safe_point();
    co_return lose_server(state);
  }
  if (hooks.follower && hooks.follower->answer_not_started()) co_return lose_command(state);
  if (outcome == ReadOutcome::eof) co_return half_close(state, from, to);
  stop(state, abort_cause);
}

// `timeout release`: when the session has been idle at a safe point that
// long, its server connection is given back (and the relay waits for the
// client, as after a lost server). Returns the next time to look.
template <typename State>
std::optional<core::SteadyTime> follow_release(State& state, const RelayTimeouts& timeouts,
                                               core::SteadyTime now) {
  const MysqlHooks* mysql = state.mysql;
  if (!timeouts.release || !mysql || !mysql->follower || state.server_lost) return std::nullopt;
  const auto last = std::max(state.client.last_activity, state.server.last_activity);
  const auto due = last + *timeouts.release;
  if (now < due) return due;
  // Not at a safe point (a transaction, a long query): look again later.
  if (!mysql->follower->at_safe_point()) return now + *timeouts.release;
  if (mysql->released) mysql->released(now - last);
  lose_server(state);
  return std::nullopt;
}

// Wakes at the earliest idle deadline and ends the relay if it passed.
template <typename State>
asio::awaitable<void> watchdog(State& state, const RelayTimeouts& timeouts) {
  asio::steady_timer& timer = state.watchdog_timer;
  while (!state.stopped && !(state.client.finished_sending && state.server.finished_sending)) {
    state.limits_changed = false;
    // (First: it may give the server connection back.)
    const auto release_look = follow_release(state, timeouts, core::SteadyClock::now());
    auto client_limit =
        idle_limit(state.client.finished_sending, timeouts.client, timeouts.client_fin);
    auto server_limit =
        idle_limit(state.server.finished_sending, timeouts.server, timeouts.server_fin);
    if (state.server_lost) {
      // Only the client is waited for, as an idle client (no -fin: the
      // server's end was not the client's to see).
      client_limit = timeouts.client;
      server_limit.reset();
    }
    auto now = core::SteadyClock::now();
    if (client_limit && now - state.client.last_activity >= *client_limit)
      co_return stop(state, TerminationCause::client_timeout);
    if (server_limit && now - state.server.last_activity >= *server_limit) {
      // A session at a safe point loses only its server connection.
      const MysqlHooks* mysql = state.mysql;
      if (!mysql || !mysql->follower || !mysql->follower->at_safe_point())
        co_return stop(state, TerminationCause::server_timeout);
      lose_server(state);
      continue;
    }
    auto deadline = core::SteadyTime::max();
    if (client_limit) deadline = std::min(deadline, state.client.last_activity + *client_limit);
    if (server_limit) deadline = std::min(deadline, state.server.last_activity + *server_limit);
    if (release_look) deadline = std::min(deadline, *release_look);
    timer.expires_at(deadline);
    asio::error_code error;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
    // Cancelled: the pumps finished, or a side half-closed (limits changed).
    if (error && !state.limits_changed) co_return;
  }
}

// Coroutines a relay spawns and waits for: it resumes once every one has
// ended, and an exception of any is rethrown there.
class Companions {
 public:
  explicit Companions(const asio::any_io_executor& executor)
      : ended_(executor, core::SteadyTime::max()) {}

  // The completion handler of one more companion; `then(failed)` runs at
  // its end (failed: it threw).
  template <typename Then>
  auto on_end(Then then) {
    ++running_;
    return [this, then](std::exception_ptr failure) mutable {
      if (failure && !failure_) failure_ = failure;
      then(failure != nullptr);
      if (--running_ == 0) ended_.cancel();
    };
  }

  asio::awaitable<void> all_ended() {
    if (running_ > 0) {
      asio::error_code ignored;
      co_await ended_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  asio::steady_timer ended_;
  int running_ = 0;
  std::exception_ptr failure_;
};

template <typename ClientStream, typename ServerStream>
asio::awaitable<RelayOutcome> relay_streams(ClientStream& client, ServerStream& server,
                                            const RelayTimeouts& timeouts, MysqlHooks mysql) {
  auto now = core::SteadyClock::now();
  RelayState<ClientStream, ServerStream> state{Side<ClientStream>{client, now},
                                               Side<ServerStream>{server, now},
                                               {},
                                               false,
                                               asio::steady_timer(client.get_executor())};
  state.mysql = &mysql;
  const PumpHooks to_server{mysql.client_filter, nullptr, true, mysql.timing};
  const PumpHooks to_client{nullptr, mysql.follower, false, mysql.timing};
  // The server-to-client pump and the watchdog run beside this coroutine,
  // which pumps client to server itself; it returns once all three have
  // ended. (asio's awaitable operators, `(a && b) || c`, cost about 3 KiB
  // more per session.)
  const auto executor = client.get_executor();
  Companions companions(executor);
  // Whichever part throws (out of memory) ends the relay, as `&&` did.
  int pumps_running = 2;
  auto pump_ended = [&state, &pumps_running](bool failed) {
    if (failed) stop(state, TerminationCause::proxy);
    if (--pumps_running > 0) return;
    state.limits_changed = false;  // the watchdog returns at once
    state.watchdog_timer.cancel();
  };
  asio::co_spawn(executor,
                 pump(state, state.server, state.client, state.outcome.bytes_to_client,
                      TerminationCause::server_abort, to_client),
                 companions.on_end(pump_ended));
  asio::co_spawn(executor, watchdog(state, timeouts), companions.on_end([&state](bool failed) {
    if (failed) stop(state, TerminationCause::proxy);
  }));
  // The companions hold references into this frame: they end before it
  // does, even when this pump throws.
  std::exception_ptr failure;
  try {
    co_await pump(state, state.client, state.server, state.outcome.bytes_to_server,
                  TerminationCause::client_abort, to_server, mysql.client_bytes_first);
  } catch (...) {
    failure = std::current_exception();
  }
  pump_ended(failure != nullptr);
  co_await companions.all_ended();
  if (failure) std::rethrow_exception(failure);
  co_return state.outcome;
}

}  // namespace

asio::awaitable<RelayOutcome> relay(tcp::socket& client, tcp::socket& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql) {
  return relay_streams(client, server, timeouts, mysql);
}

asio::awaitable<RelayOutcome> relay(TlsStream& client, tcp::socket& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql) {
  return relay_streams(client, server, timeouts, mysql);
}

asio::awaitable<RelayOutcome> relay(tcp::socket& client, TlsStream& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql) {
  return relay_streams(client, server, timeouts, mysql);
}

asio::awaitable<RelayOutcome> relay(TlsStream& client, TlsStream& server,
                                    const RelayTimeouts& timeouts, MysqlHooks mysql) {
  return relay_streams(client, server, timeouts, mysql);
}

}  // namespace borealis::net

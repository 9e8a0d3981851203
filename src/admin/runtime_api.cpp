#include "admin/runtime_api.hpp"

#include <fmt/format.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "admin/database_handover.hpp"
#include "admin/socket_file.hpp"
#include "logging/stderr_notice.hpp"
#include "reload/descriptor_passing.hpp"

namespace borealis::admin {

using asio::local::stream_protocol;

namespace {
constexpr std::chrono::milliseconds kHandoverLimit{2000};
}  // namespace

struct RuntimeApi::Listener {
  Listener(asio::io_context& context, const config::StatsSocket& declared)
      : config(declared), acceptor(context) {}
  const config::StatsSocket& config;
  stream_protocol::acceptor acceptor;
  asio::steady_timer place_freed{acceptor.get_executor()};  // cancelled when a connection ends
  ino_t inode = 0;
  int connections = 0;
};

// Shared by the serving coroutine and its timeout's handler, which only
// holds it weakly: a handler that runs after the coroutine ended finds
// nothing to close.
struct RuntimeApi::Connection {
  Connection(stream_protocol::socket accepted, Listener& on)
      : socket(std::move(accepted)), timer(socket.get_executor()), listener(on) {}
  stream_protocol::socket socket;
  asio::steady_timer timer;
  Listener& listener;
  bool interactive = false;
  bool quit = false;
};

RuntimeApi::RuntimeApi(asio::io_context& control, const config::Global& global, ApiTargets targets)
    : control_(control),
      global_(global),
      workers_(targets.workers),
      listening_sockets_(targets.listening_sockets),
      databases_(targets.databases),
      commands_(std::move(targets)) {}

RuntimeApi::~RuntimeApi() { stop(); }

std::string RuntimeApi::open(bool replacing) {
  for (const auto& socket : global_.stats_sockets) {
    SocketFile bound = bind_socket_file(socket, kMaxConnections, replacing);
    if (bound.fd < 0)
      return fmt::format("{}:{}: 'stats socket': {}", socket.where.file, socket.where.line,
                         bound.error);
    auto listener = std::make_unique<Listener>(control_, socket);
    listener->acceptor.assign(stream_protocol(), bound.fd);
    listener->inode = bound.inode;
    listeners_.push_back(std::move(listener));
  }
  return {};
}

void RuntimeApi::start() {
  for (auto& listener : listeners_)
    asio::co_spawn(control_, accept_loop(*listener), asio::detached);
}

void RuntimeApi::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  for (auto& listener : listeners_) {
    listener->acceptor.close(ignored);
    listener->place_freed.cancel();
    remove_socket_file(listener->config.path, listener->inode);
  }
  for (auto& weak : connections_)
    if (auto connection = weak.lock()) connection->socket.close(ignored);
  connections_.clear();
}

asio::awaitable<void> RuntimeApi::accept_loop(Listener& listener) {
  while (!stopped_) {
    asio::error_code error;
    // At the limit, the next clients wait in the listen queue (and then
    // are refused by the kernel) until a connection ends.
    while (listener.connections >= kMaxConnections && !stopped_) {
      listener.place_freed.expires_at(asio::steady_timer::time_point::max());
      co_await listener.place_freed.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
    if (stopped_) co_return;
    stream_protocol::socket socket =
        co_await listener.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (stopped_ || error == asio::error::operation_aborted) co_return;
      continue;  // EMFILE and the like: the next accept may do
    }
    auto connection = std::make_shared<Connection>(std::move(socket), listener);
    connections_.remove_if([](const std::weak_ptr<Connection>& weak) { return weak.expired(); });
    connections_.push_back(connection);
    asio::co_spawn(control_, serve(std::move(connection)), asio::detached);
  }
}

void RuntimeApi::arm_timeout(const std::shared_ptr<Connection>& connection) {
  connection->timer.expires_after(global_.stats_timeout);
  connection->timer.async_wait(
      [weak = std::weak_ptr<Connection>(connection)](asio::error_code error) {
        if (error) return;
        if (auto alive = weak.lock()) {
          asio::error_code ignored;
          alive->socket.close(ignored);
        }
      });
}

asio::awaitable<void> RuntimeApi::serve(std::shared_ptr<Connection> connection) {
  ++connection->listener.connections;
  asio::streambuf input(kMaxLineBytes + 2);
  while (!connection->quit && !stopped_) {
    arm_timeout(connection);
    asio::error_code error;
    std::size_t length = co_await asio::async_read_until(
        connection->socket, input, '\n', asio::redirect_error(asio::use_awaitable, error));
    connection->timer.cancel();
    std::string line;
    if (!error) {
      line.assign(asio::buffers_begin(input.data()),
                  asio::buffers_begin(input.data()) + static_cast<std::ptrdiff_t>(length) - 1);
      input.consume(length);
    } else if (error == asio::error::not_found) {
      // Longer than a line may be: the parser's bound answers it.
      line.assign(kMaxLineBytes + 1, ' ');
    } else if (error == asio::error::eof && input.size() > 0) {
      line.assign(asio::buffers_begin(input.data()), asio::buffers_end(input.data()));
      input.consume(input.size());
      connection->quit = true;  // a last line without its end, then nothing more
    } else {
      break;  // closed, timed out, or borealis stopping
    }
    const bool overlong = error == asio::error::not_found;
    arm_timeout(connection);  // a client that does not read is closed too
    const bool written = co_await answer(*connection, line);
    connection->timer.cancel();
    if (!written) break;
    if (overlong || !connection->interactive) {
      co_await close_gracefully(connection);
      break;
    }
  }
  asio::error_code ignored;
  connection->socket.close(ignored);
  --connection->listener.connections;
  connection->listener.place_freed.cancel();
}

// Closing with unread bytes makes the kernel reset the connection, and the
// client may lose the answer: what it still sends (up to kMaxDrainBytes,
// within `stats timeout`) is read and dropped until it closes its side.
asio::awaitable<void> RuntimeApi::close_gracefully(std::shared_ptr<Connection> connection) {
  asio::error_code error;
  connection->socket.shutdown(stream_protocol::socket::shutdown_send, error);
  arm_timeout(connection);
  std::array<char, 4096> scratch;
  std::size_t drained = 0;
  while (!error && drained < kMaxDrainBytes) {
    drained += co_await connection->socket.async_read_some(
        asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, error));
  }
  connection->timer.cancel();
}

// Runs a line's commands in order and writes their answers; false when the
// client is gone.
asio::awaitable<bool> RuntimeApi::answer(Connection& connection, std::string_view line) {
  CliRequest request = parse_cli_request(line);
  std::string output;
  if (!request.error.empty()) output = request.error + "\n\n";
  for (const Words& words : request.commands) {
    if (words[0] == "prompt" && words.size() == 1) {
      connection.interactive = !connection.interactive;
      continue;
    }
    if (words[0] == "quit" && words.size() == 1) {
      connection.quit = true;
      break;
    }
    if (words[0] == "_getdatabases") {
      // The connection stays with the handover until the new process
      // commits or goes: no `stats timeout` on it.
      connection.timer.cancel();
      if (may_hand_over(connection))
        co_await hand_over_databases(connection.socket, databases_,
                                     Words(words.begin() + 1, words.end()));
      else
        output += "Permission denied\n";
      connection.quit = true;
      break;
    }
    if (words[0] == "_getsocks" && words.size() == 1) {
      // Descriptors, not text: the connection ends after them.
      output += hand_over_listeners(connection);
      connection.quit = true;
      break;
    }
    Answer result = commands_.run(words, connection.listener.config.level);
    if (auto* for_workers = std::get_if<SessionRequest>(&result))
      output += co_await answer_on_workers(workers_, *for_workers);
    else
      output += std::get<std::string>(result);
    output += '\n';
  }
  if (connection.interactive && !connection.quit) output += "> ";
  if (output.empty()) co_return true;
  asio::error_code error;
  co_await asio::async_write(connection.socket, asio::buffer(output),
                             asio::redirect_error(asio::use_awaitable, error));
  co_return !error;
}

// `_getsocks`, asked by a reloading borealis (admin level, or a socket
// with `expose-fd listeners`, as HAProxy: the sockets let their holder
// accept this gateway's clients). The descriptors
// are sent at once, on the control thread, where the listeners are closed
// too: none can be closed while they are sent.
bool RuntimeApi::may_hand_over(const Connection& connection) {
  const auto& socket = connection.listener.config;
  return socket.level == config::ApiLevel::admin || socket.expose_listeners;
}

std::string RuntimeApi::hand_over_listeners(Connection& connection) {
  if (!may_hand_over(connection)) return "Permission denied\n";
  std::vector<int> sockets = listening_sockets_ ? listening_sockets_() : std::vector<int>{};
  if (sockets.empty()) return "No listening sockets to hand over (stopping)\n";
  std::string error;
  if (!reload::send_descriptors(connection.socket.native_handle(), sockets, kHandoverLimit, error))
    logging::notice(logging::Severity::warning,
                    "runtime API: handing the listening sockets over failed: " + error);
  else
    logging::notice(logging::Severity::notice,
                    fmt::format("runtime API: {} listening sockets handed over", sockets.size()));
  return {};
}

}  // namespace borealis::admin

#include "mysql/admin_client.hpp"

#include <fmt/format.h>
#include <sys/un.h>

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstddef>
#include <cstring>
#include <optional>

#include "mysql/native_password.hpp"
#include "mysql/packet.hpp"
#include "mysql/packet_reader.hpp"
#include "mysql/protocol_codec.hpp"
#include "mysql/query_response_decoder.hpp"

namespace borealis::mysql {

struct AdminClient::Packet {
  std::string error;  // empty when the payload was read
  std::vector<std::uint8_t> payload;
};

namespace {

using namespace asio::experimental::awaitable_operators;

// Runs `operation` unless `timeout` passes first; nullopt then, and the
// operation has been cancelled.
template <class Result>
asio::awaitable<std::optional<Result>> race_timeout(asio::awaitable<Result> operation,
                                                    std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto outcome = co_await (std::move(operation) || timer.async_wait(asio::use_awaitable));
  if (outcome.index() == 1) co_return std::nullopt;
  co_return std::move(std::get<0>(outcome));
}

// Marks the client busy for the length of one public operation, so that a
// second concurrent call fails instead of interleaving packets.
class BusyGuard {
 public:
  explicit BusyGuard(bool& busy) : busy_(busy) { busy_ = true; }
  ~BusyGuard() { busy_ = false; }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  bool& busy_;
};

constexpr std::string_view kBusy = "another operation is in progress on this connection";
constexpr std::string_view kNotConnected = "not connected";

AdminResult failure(std::string message, std::uint16_t code = 0) {
  return AdminResult{false, std::move(message), code};
}

QueryResult query_failure(std::string message) {
  QueryResult result;
  result.error = std::move(message);
  return result;
}

std::string describe(const AdminClient::Endpoint& endpoint) {
  const sockaddr* address = endpoint.data();
  if (address->sa_family == AF_UNIX) {
    const auto* local = reinterpret_cast<const sockaddr_un*>(address);
    return std::string(local->sun_path,
                       strnlen(local->sun_path, endpoint.size() - offsetof(sockaddr_un, sun_path)));
  }
  asio::ip::tcp::endpoint tcp;
  std::memcpy(tcp.data(), address, std::min<std::size_t>(endpoint.size(), tcp.capacity()));
  tcp.resize(endpoint.size());
  return fmt::format("{}:{}", tcp.address().to_string(), tcp.port());
}

std::string network_error(const asio::error_code& error) {
  if (error == asio::error::eof) return "server closed the connection";
  return "connection lost: " + error.message();
}

}  // namespace

AdminClient::AdminClient(asio::any_io_executor executor) : socket_(std::move(executor)) {}

AdminClient::~AdminClient() { close(); }

asio::awaitable<AdminResult> AdminClient::connect(Endpoint endpoint, std::string user,
                                                  std::string password,
                                                  std::chrono::milliseconds timeout,
                                                  std::string database) {
  if (busy_) co_return failure(std::string(kBusy));
  BusyGuard guard(busy_);
  close();
  auto outcome = co_await race_timeout(
      login(endpoint, std::move(user), std::move(password), std::move(database)), timeout);
  if (!outcome)
    outcome = failure(
        fmt::format("connecting to {} timed out after {} ms", describe(endpoint), timeout.count()));
  if (!outcome->ok) drop();
  co_return std::move(*outcome);
}

asio::awaitable<QueryResult> AdminClient::query(std::string sql,
                                                std::chrono::milliseconds timeout) {
  if (busy_) co_return query_failure(std::string(kBusy));
  if (!is_open()) co_return query_failure(std::string(kNotConnected));
  // One packet carries the whole statement; control-plane SQL is far smaller.
  if (sql.size() + 1 >= kMaxPayload) co_return query_failure("statement too long");
  BusyGuard guard(busy_);
  auto outcome = co_await race_timeout(run_query(std::move(sql)), timeout);
  if (!outcome) {
    drop();
    co_return query_failure(fmt::format("query timed out after {} ms", timeout.count()));
  }
  co_return std::move(*outcome);
}

asio::awaitable<AdminResult> AdminClient::ping(std::chrono::milliseconds timeout) {
  if (busy_) co_return failure(std::string(kBusy));
  if (!is_open()) co_return failure(std::string(kNotConnected));
  BusyGuard guard(busy_);
  auto outcome = co_await race_timeout(run_ping(), timeout);
  if (!outcome) {
    drop();
    co_return failure(fmt::format("ping timed out after {} ms", timeout.count()));
  }
  co_return std::move(*outcome);
}

void AdminClient::close() {
  if (socket_.is_open() && logged_in_) {
    // Best effort and without waiting: five bytes fit any empty send buffer.
    std::string quit = frame_packet(0, encode_com_quit());
    asio::error_code ignored;
    socket_.non_blocking(true, ignored);
    socket_.write_some(asio::buffer(quit), ignored);
  }
  drop();
}

void AdminClient::drop() {
  asio::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  logged_in_ = false;
  sequence_ = 0;
}

asio::awaitable<AdminResult> AdminClient::login(Endpoint endpoint, std::string user,
                                                std::string password, std::string database) {
  asio::error_code error;
  co_await socket_.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, error));
  if (error)
    co_return failure(fmt::format("cannot connect to {}: {}", describe(endpoint), error.message()));
  if (endpoint.data()->sa_family != AF_UNIX)
    socket_.set_option(asio::ip::tcp::no_delay(true), error);

  sequence_ = 0;
  Packet packet = co_await read_packet();
  if (!packet.error.empty()) co_return failure(packet.error);
  // A server refusing the connection (too many, host blocked) sends ERR.
  if (is_err_packet(packet.payload)) {
    auto err = decode_err(packet.payload);
    if (!err) co_return failure("malformed greeting: " + err.error().message);
    co_return failure(format_error(*err), err->code);
  }
  auto greeting = decode_greeting(packet.payload);
  if (!greeting) co_return failure("malformed greeting: " + greeting.error().message);
  if (!(greeting->capabilities & capability::kProtocol41))
    co_return failure("server does not speak protocol 4.1");
  if (!database.empty() && !(greeting->capabilities & capability::kConnectWithDb))
    co_return failure("server does not accept a database at login");

  // Whatever the server's default plugin, answer with mysql_native_password;
  // a server whose user needs another plugin then asks to switch.
  HandshakeResponse response;
  response.capabilities = kAdminClientCapabilities & greeting->capabilities;
  response.user = user;
  response.database = database;
  response.auth_response = native_password_scramble(password, greeting->scramble);
  if (std::string failed = co_await write_packet(encode_handshake_response(response));
      !failed.empty())
    co_return failure(failed);

  packet = co_await read_packet();
  if (!packet.error.empty()) co_return failure(packet.error);
  if (!packet.payload.empty() && packet.payload[0] == kEofHeader) {
    auto request = decode_auth_switch(packet.payload);
    if (!request) co_return failure(request.error().message);
    if (request->plugin_name != kNativePasswordPlugin)
      co_return failure(
          fmt::format("authentication plugin '{}' is not supported (only mysql_native_password)",
                      request->plugin_name));
    if (request->plugin_data.size() != kScrambleLength)
      co_return failure("auth switch: scramble is not 20 bytes");
    if (std::string failed =
            co_await write_packet(native_password_scramble(password, request->plugin_data));
        !failed.empty())
      co_return failure(failed);
    packet = co_await read_packet();
    if (!packet.error.empty()) co_return failure(packet.error);
  }
  if (is_err_packet(packet.payload)) {
    auto err = decode_err(packet.payload);
    if (!err) co_return failure("malformed login reply: " + err.error().message);
    co_return failure(format_error(*err), err->code);
  }
  auto ok = decode_ok(packet.payload);
  if (!ok) co_return failure("unexpected login reply: " + ok.error().message);
  server_version_ = greeting->server_version;
  connection_id_ = greeting->connection_id;
  logged_in_ = true;
  co_return AdminResult{true, {}, 0};
}

asio::awaitable<QueryResult> AdminClient::run_query(std::string sql) {
  sequence_ = 0;  // every command starts a new exchange
  if (std::string failed = co_await write_packet(encode_com_query(sql)); !failed.empty()) {
    drop();
    co_return query_failure(failed);
  }
  QueryResponseDecoder decoder;
  for (;;) {
    Packet packet = co_await read_packet();
    if (!packet.error.empty()) {
      drop();
      co_return query_failure(packet.error);
    }
    auto progress = decoder.feed(packet.payload);
    if (!progress) {
      drop();
      co_return query_failure("malformed reply: " + progress.error().message);
    }
    if (*progress == QueryResponseDecoder::Progress::complete) co_return decoder.take_result();
  }
}

asio::awaitable<AdminResult> AdminClient::run_ping() {
  sequence_ = 0;
  if (std::string failed = co_await write_packet(encode_com_ping()); !failed.empty()) {
    drop();
    co_return failure(failed);
  }
  Packet packet = co_await read_packet();
  if (!packet.error.empty()) {
    drop();
    co_return failure(packet.error);
  }
  if (is_err_packet(packet.payload)) {
    if (auto err = decode_err(packet.payload)) co_return failure(format_error(*err), err->code);
  } else if (decode_ok(packet.payload)) {
    co_return AdminResult{true, {}, 0};
  }
  drop();
  co_return failure("malformed reply to COM_PING");
}

asio::awaitable<AdminClient::Packet> AdminClient::read_packet() {
  Packet packet;
  // A full-length payload announces a continuation: 16 MiB or more, which no
  // control-plane reply needs; the reader refuses it as oversized.
  PacketRead received =
      co_await mysql::read_packet(socket_, PacketLimits{kMaxPayload - 1, sequence_});
  if (!received) {
    const PacketFailure& failure = received.error();
    if (failure.error)
      packet.error = network_error(failure.error);
    else if (failure.kind == PacketError::oversized)
      packet.error = "packet of 16 MiB or more is not supported";
    else
      packet.error = fmt::format("packet out of order (sequence {}, expected {})",
                                 failure.header->sequence, sequence_);
    co_return packet;
  }
  ++sequence_;
  packet.payload = std::move(received->payload);
  co_return packet;
}

asio::awaitable<std::string> AdminClient::write_packet(std::string payload) {
  std::string packet = frame_packet(sequence_++, payload);
  asio::error_code error;
  co_await asio::async_write(socket_, asio::buffer(packet),
                             asio::redirect_error(asio::use_awaitable, error));
  co_return error ? network_error(error) : std::string();
}

}  // namespace borealis::mysql

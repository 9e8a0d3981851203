#include "backend/health_checker.hpp"
#include "core/sleep.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <vector>

#include "core/clock.hpp"
#include "mysql/health_check_protocol.hpp"
#include "mysql/packet.hpp"

namespace borealis::backend {

namespace {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

constexpr std::uint32_t kLargestCheckPacket = 64 * 1024;

struct Packet {
  asio::error_code error;
  std::vector<std::uint8_t> payload;
  bool too_large = false;
};

asio::awaitable<Packet> read_packet(tcp::socket& socket) {
  Packet packet;
  std::uint8_t header_bytes[mysql::kHeaderSize];
  co_await asio::async_read(socket, asio::buffer(header_bytes),
                            asio::redirect_error(asio::use_awaitable, packet.error));
  if (packet.error) co_return packet;
  auto header = mysql::decode_header(header_bytes);
  if (header->payload_length > kLargestCheckPacket) {
    packet.too_large = true;
    co_return packet;
  }
  packet.payload.resize(header->payload_length);
  co_await asio::async_read(socket, asio::buffer(packet.payload),
                            asio::redirect_error(asio::use_awaitable, packet.error));
  co_return packet;
}

CheckOutcome layer4_failure(const asio::error_code& error) {
  return {false, "Layer4 connection problem", error.message(), 0};
}

CheckOutcome layer7_failure(const mysql::CheckReply& reply) {
  if (reply.kind == mysql::CheckReply::Kind::error)
    return {false, "Layer7 wrong status", fmt::format("{}: {}", reply.error_code, reply.info), 0};
  return {false, "Layer7 invalid response", "not a MySQL server reply", 0};
}

}  // namespace

HealthChecker::HealthChecker(asio::io_context& context, BackendControl& control)
    : context_(context), control_(control) {}

void HealthChecker::start() {
  for (std::size_t id = 0; id < control_.servers().size(); ++id) {
    if (!control_.servers()[id].checked()) continue;
    asio::co_spawn(context_, check_loop(static_cast<int>(id)), asio::detached);
  }
}

asio::awaitable<void> HealthChecker::check_loop(int server_id) {
  for (;;) {
    ServerState& server = control_.server(server_id);
    co_await core::sleep_for(server.health.next_interval(server.config));
    if (!server.address || server.config.disabled) continue;
    tcp::endpoint target = *server.address;
    if (server.config.check_port) target.port(*server.config.check_port);
    auto started = core::SteadyClock::now();
    CheckOutcome outcome = co_await run_check(target, server.config.inter);
    outcome.duration_ms = core::elapsed_ms(started, core::SteadyClock::now());
    control_.apply_check(server_id, outcome);
  }
}

asio::awaitable<CheckOutcome> HealthChecker::run_check(tcp::endpoint target,
                                                       config::Duration inter) {
  const config::Timeouts& timeouts = control_.backend().config().timeouts;
  // As HAProxy: with `timeout check`, connecting may take min(connect, inter)
  // and reading `timeout check`; without it, the whole check gets `inter`.
  config::Duration connect_limit =
      timeouts.check ? std::min(timeouts.connect.value_or(inter), inter) : inter;
  config::Duration read_limit = timeouts.check.value_or(inter);

  tcp::socket socket(context_);
  asio::steady_timer timer(context_, connect_limit);
  asio::error_code error;
  auto connected = co_await (
      socket.async_connect(target, asio::redirect_error(asio::use_awaitable, error)) ||
      timer.async_wait(asio::use_awaitable));
  if (connected.index() == 1) co_return CheckOutcome{false, "Layer4 timeout", "", 0};
  if (error) co_return layer4_failure(error);

  const auto& mysql_check = control_.backend().config().mysql_check;
  if (!mysql_check) co_return CheckOutcome{true, "Layer4 check passed", "", 0};

  timer.expires_after(read_limit);
  auto exchanged = co_await (mysql_exchange(socket, *mysql_check) ||
                             timer.async_wait(asio::use_awaitable));
  if (exchanged.index() == 1) co_return CheckOutcome{false, "Layer7 timeout", "", 0};
  co_return std::get<0>(exchanged);
}

asio::awaitable<CheckOutcome> HealthChecker::mysql_exchange(tcp::socket& socket,
                                                            const config::MysqlCheck& check) {
  Packet greeting = co_await read_packet(socket);
  if (greeting.error) co_return layer4_failure(greeting.error);
  auto hello = mysql::parse_greeting(greeting.payload);
  if (greeting.too_large || hello.kind != mysql::CheckReply::Kind::ok)
    co_return layer7_failure(hello);
  // Without a user, HAProxy only reads the greeting; the server then counts
  // an aborted connection. The user form below logs in and quits cleanly.
  if (check.user.empty()) co_return CheckOutcome{true, "Layer7 check passed", hello.info, 0};

  asio::error_code error;
  co_await asio::async_write(socket, asio::buffer(mysql::build_check_login(check.user, check.post41)),
                             asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return layer4_failure(error);
  Packet answer = co_await read_packet(socket);
  if (answer.error) co_return layer4_failure(answer.error);
  auto login = mysql::parse_login_reply(answer.payload);
  if (answer.too_large || login.kind != mysql::CheckReply::Kind::ok)
    co_return layer7_failure(login);
  co_await asio::async_write(socket, asio::buffer(mysql::build_quit()),
                             asio::redirect_error(asio::use_awaitable, error));
  // Wait for the server to close first, so it records a clean COM_QUIT.
  std::uint8_t drain[64];
  co_await socket.async_read_some(asio::buffer(drain),
                                  asio::redirect_error(asio::use_awaitable, error));
  co_return CheckOutcome{true, "Layer7 check passed", hello.info, 0};
}

}  // namespace borealis::backend

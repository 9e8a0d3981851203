#include "backend/health_checker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "backend/check_status.hpp"
#include "core/clock.hpp"
#include "core/sleep.hpp"
#include "mysql/health_check_protocol.hpp"
#include "mysql/packet_reader.hpp"
#include "proxy_protocol/proxy_header.hpp"

namespace borealis::backend {

namespace {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

constexpr std::uint32_t kLargestCheckPacket = 64 * 1024;

// The outcome the control plane applies, in the table's words.
CheckOutcome outcome(CheckStatus status, std::string info = {}) {
  const CheckStatusRow& row = describe(status);
  return {row.passed, std::string(row.description), std::move(info), 0, status};
}

CheckOutcome layer4_failure(const asio::error_code& error) {
  return outcome(CheckStatus::l4_connection, error.message());
}

CheckOutcome layer7_failure(const mysql::CheckReply& reply) {
  if (reply.kind == mysql::CheckReply::Kind::error)
    return outcome(CheckStatus::l7_wrong_status,
                   fmt::format("{}: {}", reply.error_code, reply.info));
  return outcome(CheckStatus::l7_invalid_answer, "not a MySQL server reply");
}

// A packet that could not be read: the connection failed (or closed), or
// the server sent more than any greeting or login reply needs.
CheckOutcome read_failure(const mysql::PacketFailure& failure) {
  if (failure.error) return layer4_failure(failure.error);
  return layer7_failure(mysql::CheckReply{});
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
    // As HAProxy: checks send the PROXY header the traffic does, unless
    // they go to another port.
    auto send_proxy = server.config.check_port ? config::SendProxy::none : server.config.send_proxy;
    CheckOutcome outcome = co_await run_check(target, server.config.inter, send_proxy);
    outcome.duration_ms = core::elapsed_ms(started, core::SteadyClock::now());
    control_.apply_check(server_id, outcome);
  }
}

asio::awaitable<CheckOutcome> HealthChecker::run_check(tcp::endpoint target, config::Duration inter,
                                                       config::SendProxy send_proxy) {
  const config::Timeouts& timeouts = control_.backend().config().timeouts;
  // As HAProxy: with `timeout check`, connecting may take min(connect, inter)
  // and reading `timeout check`; without it, the whole check gets `inter`.
  config::Duration connect_limit =
      timeouts.check ? std::min(timeouts.connect.value_or(inter), inter) : inter;
  config::Duration read_limit = timeouts.check.value_or(inter);

  tcp::socket socket(context_);
  asio::steady_timer timer(context_, connect_limit);
  asio::error_code error;
  auto connected =
      co_await (socket.async_connect(target, asio::redirect_error(asio::use_awaitable, error)) ||
                timer.async_wait(asio::use_awaitable));
  if (connected.index() == 1) co_return outcome(CheckStatus::l4_timeout);
  if (error) co_return layer4_failure(error);
  if (send_proxy != config::SendProxy::none) {
    // The check connection's own addresses, as HAProxy's checks send them.
    auto header = proxy_protocol::make_header(send_proxy, socket.local_endpoint(error), target);
    co_await asio::async_write(socket, asio::buffer(header),
                               asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return layer4_failure(error);
  }

  const auto& mysql_check = control_.backend().config().mysql_check;
  if (!mysql_check) co_return outcome(CheckStatus::l4_ok);

  timer.expires_after(read_limit);
  auto exchanged =
      co_await (mysql_exchange(socket, *mysql_check) || timer.async_wait(asio::use_awaitable));
  if (exchanged.index() == 1) co_return outcome(CheckStatus::l7_timeout);
  co_return std::get<0>(exchanged);
}

asio::awaitable<CheckOutcome> HealthChecker::mysql_exchange(tcp::socket& socket,
                                                            const config::MysqlCheck& check) {
  mysql::PacketRead greeting = co_await mysql::read_packet(socket, kLargestCheckPacket);
  if (!greeting) co_return read_failure(greeting.error());
  auto hello = mysql::parse_greeting(greeting->payload);
  if (hello.kind != mysql::CheckReply::Kind::ok) co_return layer7_failure(hello);
  // Without a user, HAProxy only reads the greeting; the server then counts
  // an aborted connection. The user form below logs in and quits cleanly.
  if (check.user.empty()) co_return outcome(CheckStatus::l7_ok, hello.info);

  asio::error_code error;
  co_await asio::async_write(socket,
                             asio::buffer(mysql::build_check_login(check.user, check.post41)),
                             asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return layer4_failure(error);
  mysql::PacketRead answer = co_await mysql::read_packet(socket, kLargestCheckPacket);
  if (!answer) co_return read_failure(answer.error());
  auto login = mysql::parse_login_reply(answer->payload);
  if (login.kind != mysql::CheckReply::Kind::ok) co_return layer7_failure(login);
  co_await asio::async_write(socket, asio::buffer(mysql::build_quit()),
                             asio::redirect_error(asio::use_awaitable, error));
  // Wait for the server to close first, so it records a clean COM_QUIT.
  std::uint8_t drain[64];
  co_await socket.async_read_some(asio::buffer(drain),
                                  asio::redirect_error(asio::use_awaitable, error));
  co_return outcome(CheckStatus::l7_ok, hello.info);
}

}  // namespace borealis::backend

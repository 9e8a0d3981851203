// Periodic health checks of a backend's servers, run on the control thread:
// a TCP connect, or with `option mysql-check` a full MySQL login and COM_QUIT.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "backend/backend_control.hpp"

namespace borealis::backend {

class HealthChecker {
 public:
  HealthChecker(asio::io_context& context, BackendControl& control);
  void start();

 private:
  asio::awaitable<void> check_loop(int server_id);
  asio::awaitable<CheckOutcome> run_check(asio::ip::tcp::endpoint target, config::Duration inter,
                                          config::SendProxy send_proxy);
  asio::awaitable<CheckOutcome> mysql_exchange(asio::ip::tcp::socket& socket,
                                               const config::MysqlCheck& check);

  asio::io_context& context_;
  BackendControl& control_;
};

}  // namespace borealis::backend

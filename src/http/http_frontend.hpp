// A `mode http` frontend: borealis's own HTTP services (the Prometheus
// exporter), served on the control thread, where what they report lives.
// Each connection reads requests (HTTP/1.x, kept alive, pipelined ones in
// order), judges the frontend's `http-request` rules and answers; nothing
// is relayed to a server. Bounded: the frontend's maxconn, request heads
// of 16 KiB, `timeout http-request` for a whole head, `timeout
// http-keep-alive` between requests, `timeout client` for a client that
// does not read its answer.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "frontend/frontend.hpp"
#include "http/request_parser.hpp"
#include "http/request_rules.hpp"
#include "http/response.hpp"
#include "net/inherited_listeners.hpp"

namespace borealis::http {

// What the frontend's rules can send a request to (the gateway's).
struct Services {
  std::function<Response(const Request&)> prometheus_exporter;
  // `stats uri`: the dashboard (its page and the JSON it polls).
  std::function<Response(const Request&, const config::StatsPage&)> stats_page;
};

class HttpFrontend {
 public:
  HttpFrontend(asio::io_context& control, frontend::Frontend& frontend, Services services);
  ~HttpFrontend();
  HttpFrontend(const HttpFrontend&) = delete;
  HttpFrontend& operator=(const HttpFrontend&) = delete;

  // Binds every `bind` (before privileges are dropped), first with the
  // sockets a reload was handed for its address. Returns an empty string,
  // or what went wrong.
  std::string open(net::InheritedListeners& inherited);
  void start();
  // Closes the listening sockets and every connection (a stop, or a soft
  // stop: an idle kept-alive connection must not hold the process).
  void stop();
  // The listening sockets' descriptors, for a reload to take over.
  std::vector<int> listening_sockets() const;

  // The answer to one request from `source`.
  Response answer(const Request& request, const asio::ip::address& source) const;

 private:
  struct Connection;

  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  Response answer_safely(const Request& request, const asio::ip::address& source) const;
  asio::awaitable<bool> write(Connection& connection, const std::string& bytes);
  asio::awaitable<void> drain_and_close(std::shared_ptr<Connection> connection);
  void close_at(const std::shared_ptr<Connection>& connection,
                std::chrono::steady_clock::time_point deadline);

  asio::io_context& control_;
  frontend::Frontend& frontend_;
  Services services_;
  RequestRules rules_;
  std::chrono::milliseconds request_timeout_, keep_alive_timeout_, client_timeout_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::list<std::weak_ptr<Connection>> connections_;
  bool stopped_ = false;
};

}  // namespace borealis::http

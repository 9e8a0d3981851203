// The runtime API: every `stats socket` of `global`, served on the control
// thread. A client sends a line of commands (`show info; show databases`)
// and gets their answers, each followed by an empty line; the connection
// then closes, unless the client asked for `prompt` (interactive mode, as
// HAProxy's: a "> " prompt after each answer, open until `quit` or
// `stats timeout` of silence). Bounded: at most kMaxConnections at once
// per socket (the next ones wait in the listen queue), lines of at most
// 16 KiB.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "admin/commands.hpp"
#include "config/model.hpp"

namespace borealis::admin {

class RuntimeApi {
 public:
  static constexpr int kMaxConnections = 10;  // per socket, as HAProxy's `stats maxconn`
  static constexpr std::size_t kMaxDrainBytes = 1 << 20;  // read and dropped before a close

  RuntimeApi(asio::io_context& control, const config::Global& global, ApiTargets targets);
  ~RuntimeApi();
  RuntimeApi(const RuntimeApi&) = delete;
  RuntimeApi& operator=(const RuntimeApi&) = delete;

  // Binds every socket, with its mode and owner, before privileges are
  // dropped. Returns an empty string, or what went wrong (naming the line).
  // `replacing`: a reload, whose old process still listens at the paths.
  std::string open(bool replacing = false);
  void start();
  // Closes the sockets and every connection; removes the socket files.
  void stop();

 private:
  struct Listener;
  struct Connection;

  asio::awaitable<void> accept_loop(Listener& listener);
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  asio::awaitable<bool> answer(Connection& connection, std::string_view line);
  static bool may_hand_over(const Connection& connection);
  std::string hand_over_listeners(Connection& connection);
  asio::awaitable<void> close_gracefully(std::shared_ptr<Connection> connection);
  void arm_timeout(const std::shared_ptr<Connection>& connection);

  asio::io_context& control_;
  const config::Global& global_;
  std::vector<WorkerSessions> workers_;
  std::function<std::vector<int>()> listening_sockets_;
  std::vector<serverless::DatabaseRuntime*> databases_;  // `_getdatabases` hands them over
  Commands commands_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::list<std::weak_ptr<Connection>> connections_;
  bool stopped_ = false;
};

}  // namespace borealis::admin

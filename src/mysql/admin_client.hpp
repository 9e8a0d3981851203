// A small MySQL/MariaDB client for the control plane: log in to the mariadbd
// that borealis runs, send statements (SET GLOBAL, SHOW GLOBAL STATUS,
// CREATE USER) and ping it for readiness. One operation at a time, each with
// its own timeout; on a timeout, a network error or a malformed reply the
// connection is closed, since its state is then unknown.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mysql/query_result.hpp"

namespace borealis::mysql {

struct AdminResult {
  bool ok = false;
  // Empty on success; otherwise "ERROR 1045 (28000): ..." from the server or
  // a local description (timeout, connection refused, malformed reply).
  std::string error;
  std::uint16_t error_code = 0;  // the server's code, 0 for local failures

  explicit operator bool() const { return ok; }
};

class AdminClient {
 public:
  // TCP, or a unix socket (where the server may authenticate the account by
  // the socket's peer credentials: then `password` is empty).
  using Endpoint = asio::generic::stream_protocol::endpoint;

  explicit AdminClient(asio::any_io_executor executor);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // Connects and logs in with mysql_native_password (the server's default
  // plugin, or the one it switches to); any other plugin is an error.
  // `database` is optional (CONNECT_WITH_DB).
  asio::awaitable<AdminResult> connect(Endpoint endpoint, std::string user, std::string password,
                                       std::chrono::milliseconds timeout,
                                       std::string database = {});

  // One statement (no multi-statements); OK, a text result set, or an error.
  asio::awaitable<QueryResult> query(std::string sql, std::chrono::milliseconds timeout);

  // COM_PING: the server is up and this session still works.
  asio::awaitable<AdminResult> ping(std::chrono::milliseconds timeout);

  // Sends COM_QUIT best effort (so the server does not count an aborted
  // connection) and closes. Safe to call at any time, also twice.
  void close();

  bool is_open() const { return socket_.is_open() && logged_in_; }
  const std::string& server_version() const { return server_version_; }
  std::uint32_t connection_id() const { return connection_id_; }

 private:
  struct Packet;

  asio::awaitable<AdminResult> login(Endpoint endpoint, std::string user, std::string password,
                                     std::string database);
  asio::awaitable<QueryResult> run_query(std::string sql);
  asio::awaitable<AdminResult> run_ping();
  asio::awaitable<Packet> read_packet();
  asio::awaitable<std::string> write_packet(std::string payload);
  void drop();

  asio::generic::stream_protocol::socket socket_;
  std::uint8_t sequence_ = 0;  // the sequence number the next packet must carry
  bool logged_in_ = false;
  bool busy_ = false;
  std::string server_version_;
  std::uint32_t connection_id_ = 0;
};

}  // namespace borealis::mysql

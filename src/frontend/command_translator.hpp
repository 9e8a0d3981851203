// The client commands a `mode mysql` session rewrites on their way to the
// server, because the client was greeted by borealis, not by the server:
// - COM_CHANGE_USER (see mysql/change_user.hpp): the client answers
//   borealis's scramble. Where borealis proved the new account's password,
//   it puts in answers to the server's scramble (for the command and for
//   the client's answer to the auth switch that follows it); otherwise the
//   server is made to ask the client again.
// - KILL of another session (mysql/kill_statement.hpp): the client names
//   the greeting id borealis gave that session; borealis puts in the
//   server's thread id, when that session is on the same server.
#pragma once

#include <asio/ip/tcp.hpp>
#include <string>

#include "frontend/mysql_handshake.hpp"
#include "mysql/client_stream_filter.hpp"
#include "mysql/session_follower.hpp"
#include "serverless/database_gate.hpp"

namespace borealis::frontend {

class CommandTranslator : public mysql::PacketRewriter {
 public:
  // `accounts` (may be null): the database whose accounts prove passwords,
  // seen by its server from `server_address`. `server`: where this
  // session's server connection goes.
  CommandTranslator(MysqlHandshake& handshake, serverless::DatabaseGate* accounts,
                    std::string server_address, asio::ip::tcp::endpoint server)
      : handshake_(handshake),
        accounts_(accounts),
        server_address_(std::move(server_address)),
        server_(server) {}

  // The session moved to a new server connection (session continuity).
  void server_changed(asio::ip::tcp::endpoint server) { server_ = server; }
  // Session continuity: `follower` hears of each COM_CHANGE_USER whether
  // borealis can log in as the new account again (it must outlive this).
  // `configured`: the backend's `mysql-user` accounts, where `accounts`
  // is null.
  void follow_changes_of_user(mysql::SessionFollower* follower,
                              std::shared_ptr<const auth::AccountTable> configured) {
    follower_ = follower;
    configured_ = std::move(configured);
  }

  bool wants(std::uint8_t sequence, bool command, int first_byte, std::uint32_t length) override;
  std::optional<std::string> rewrite(std::uint8_t sequence, std::string_view payload) override;

 private:
  std::optional<std::string> change_user(std::string_view payload);
  std::optional<std::string> kill(std::string_view payload) const;

  MysqlHandshake& handshake_;
  serverless::DatabaseGate* accounts_;
  std::string server_address_;
  asio::ip::tcp::endpoint server_;
  // A proved COM_CHANGE_USER went on: the client's next answer (sequence
  // 2, after the server's auth switch) is rewritten too.
  bool awaiting_answer_ = false;
  mysql::SessionFollower* follower_ = nullptr;
  std::shared_ptr<const auth::AccountTable> configured_;
};

}  // namespace borealis::frontend

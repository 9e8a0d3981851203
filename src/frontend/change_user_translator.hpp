// COM_CHANGE_USER through a `mode mysql` session (see mysql/change_user.hpp
// for why it must be rewritten). The translator holds back the command and,
// where borealis proved the new account's password, the client's answer to
// the server's auth switch that follows it (libmariadb computes that answer
// from the scramble of borealis's greeting too), and puts in answers to the
// server's own scramble.
#pragma once

#include <string>

#include "frontend/mysql_handshake.hpp"
#include "mysql/client_stream_filter.hpp"
#include "serverless/database_gate.hpp"

namespace borealis::frontend {

class ChangeUserTranslator : public mysql::PacketRewriter {
 public:
  // `accounts` (may be null): the database whose accounts prove passwords,
  // seen by its server from `server_address`.
  ChangeUserTranslator(MysqlHandshake& handshake, serverless::DatabaseGate* accounts,
                       std::string server_address)
      : handshake_(handshake), accounts_(accounts), server_address_(std::move(server_address)) {}

  bool wants(std::uint8_t sequence, bool command, int first_byte, std::uint32_t length) override;
  std::optional<std::string> rewrite(std::uint8_t sequence, std::string_view payload) override;

 private:
  MysqlHandshake& handshake_;
  serverless::DatabaseGate* accounts_;
  std::string server_address_;
  // A proved COM_CHANGE_USER went on: the client's next answer (sequence
  // 2, after the server's auth switch) is rewritten too.
  bool awaiting_answer_ = false;
};

}  // namespace borealis::frontend

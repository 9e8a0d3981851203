// The MySQL side of `option mysql-check`: read the server's greeting, log in
// as the check user (no password), read OK or ERR, then say COM_QUIT so the
// server counts a clean disconnect rather than an aborted connection.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace borealis::mysql {

struct CheckReply {
  enum class Kind { ok, error, malformed };
  Kind kind = Kind::malformed;
  std::uint16_t error_code = 0;
  std::string info;  // server version for a greeting, message for an error
};

// Classifies a greeting payload (protocol 10 handshake, or an ERR packet the
// server sends instead, e.g. "Host is blocked").
CheckReply parse_greeting(std::span<const std::uint8_t> payload);

// Classifies the reply to the login packet: OK, ERR, or anything else.
CheckReply parse_login_reply(std::span<const std::uint8_t> payload);

// The login packet (with header, sequence 1) for HAProxy's two variants:
// post-41 sends a HandshakeResponse41, otherwise the 3.20 form.
std::string build_check_login(const std::string& user, bool post41);

// COM_QUIT, with header.
std::string build_quit();

}  // namespace borealis::mysql

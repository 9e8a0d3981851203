// The server's side of the MySQL handshake, for `mode mysql`: the greeting
// borealis sends, the client's answer it reads (an SSLRequest or a
// HandshakeResponse41), and the packets it answers with (OK, ERR, auth
// switch). Pure encode and decode over payloads, no I/O: every decoder
// bounds what it accepts, because a client sends these before anyone knows
// who it is.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mysql/decoded.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {

using Scramble = std::array<std::uint8_t, kScrambleLength>;

// Bounds on what a client may send before it is authenticated.
inline constexpr std::size_t kMaxUserLength = 384;           // 128 characters of utf8mb3
inline constexpr std::size_t kMaxDatabaseLength = 256;       // 64 characters of utf8mb4
inline constexpr std::size_t kMaxAuthResponseLength = 4096;  // PAM, GSSAPI tokens
inline constexpr std::size_t kMaxPluginNameLength = 64;
inline constexpr std::size_t kMaxAttributesLength = 65536;
inline constexpr std::size_t kMaxAttributes = 256;

// What borealis greets clients with for a backend: what the server it last
// logged in to announced in its greeting.
struct ServerIdentity {
  std::string version;
  std::uint32_t capabilities = 0;  // 0: no server seen yet
  std::uint32_t mariadb_capabilities = 0;
  bool operator==(const ServerIdentity&) const = default;
};

struct ServerGreeting {
  std::string server_version;
  std::uint32_t connection_id = 0;
  Scramble scramble{};
  std::uint32_t capabilities = 0;
  // MariaDB's extensions: when not 0, bit 0 of `capabilities` is cleared
  // (what a MariaDB server does) and these fill the last 4 reserved bytes.
  std::uint32_t mariadb_capabilities = 0;
  std::uint8_t character_set = kUtf8mb4GeneralCi;
  std::uint16_t status_flags = server_status::kAutocommit;
  std::string auth_plugin_name{kNativePasswordPlugin};
};
// The protocol-10 greeting payload, as MySQL 5.7+/MariaDB 10 write it.
std::string encode_server_greeting(const ServerGreeting& greeting);

// What the client sent in answer to the greeting.
struct ClientHandshake {
  // An SSLRequest: the first 32 bytes of a response with CLIENT_SSL set,
  // after which the client starts TLS and sends the full response again.
  bool ssl_request = false;
  std::uint32_t capabilities = 0;
  std::uint32_t max_packet_size = 0;
  std::uint8_t character_set = 0;
  // MariaDB's extended capabilities (filler bytes 28..31) when the client
  // cleared bit 0 to say it is a MariaDB client; else 0.
  std::uint32_t mariadb_capabilities = 0;
  std::string user;
  std::string auth_response;
  std::string database;                                         // with CLIENT_CONNECT_WITH_DB
  std::string auth_plugin_name;                                 // with CLIENT_PLUGIN_AUTH
  std::vector<std::pair<std::string, std::string>> attributes;  // CLIENT_CONNECT_ATTRS
};

// Decodes the client's answer. The client's capabilities count only as far
// as the server offered them (`offered`, `offered_mariadb`): a flag the
// server did not offer is taken as unset, as MySQL and MariaDB do.
Decoded<ClientHandshake> decode_client_handshake(std::span<const std::uint8_t> payload,
                                                 std::uint32_t offered,
                                                 std::uint32_t offered_mariadb);

// OK packet payload for a client that speaks protocol 4.1.
std::string encode_ok(std::uint64_t affected_rows, std::uint64_t last_insert_id,
                      std::uint16_t status_flags, std::uint16_t warnings);

// ERR packet payload. With `sql_state` empty, or before the client said it
// speaks 4.1, no state is sent (as MariaDB does for errors it sends before
// the handshake). `sql_state` must be 5 characters when given.
std::string encode_err(std::uint16_t code, std::string_view sql_state, std::string_view message,
                       bool protocol41 = true);

// AuthSwitchRequest payload: switch to `plugin` with `data` (for
// mysql_native_password, a new 20-byte scramble; a NUL follows it, as MySQL
// sends it).
std::string encode_auth_switch(std::string_view plugin, std::span<const std::uint8_t> data);

}  // namespace borealis::mysql

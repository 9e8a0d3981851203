// The classic MySQL/MariaDB client protocol messages the control plane needs
// to log in and run statements, as plain value types with pure encode and
// decode functions (no I/O). Decoders take one packet payload (no header),
// check every bound, and return a value or a DecodeError; they never throw.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mysql/decoded.hpp"

namespace borealis::mysql {

// Capability flags (the ones borealis reads or sends).
namespace capability {
// Bit 0: CLIENT_LONG_PASSWORD to MySQL; MariaDB calls it CLIENT_MYSQL and a
// MariaDB peer clears it to say the 4 filler bytes carry its extensions.
constexpr std::uint32_t kLongPassword = 0x00000001;
constexpr std::uint32_t kFoundRows = 0x00000002;
constexpr std::uint32_t kLongFlag = 0x00000004;
constexpr std::uint32_t kConnectWithDb = 0x00000008;
constexpr std::uint32_t kNoSchema = 0x00000010;
constexpr std::uint32_t kCompress = 0x00000020;
constexpr std::uint32_t kOdbc = 0x00000040;
constexpr std::uint32_t kLocalFiles = 0x00000080;
constexpr std::uint32_t kIgnoreSpace = 0x00000100;
constexpr std::uint32_t kProtocol41 = 0x00000200;
constexpr std::uint32_t kInteractive = 0x00000400;
constexpr std::uint32_t kSsl = 0x00000800;
constexpr std::uint32_t kIgnoreSigpipe = 0x00001000;
constexpr std::uint32_t kTransactions = 0x00002000;
constexpr std::uint32_t kSecureConnection = 0x00008000;
constexpr std::uint32_t kMultiStatements = 0x00010000;
constexpr std::uint32_t kMultiResults = 0x00020000;
constexpr std::uint32_t kPsMultiResults = 0x00040000;
constexpr std::uint32_t kPluginAuth = 0x00080000;
constexpr std::uint32_t kConnectAttrs = 0x00100000;
constexpr std::uint32_t kPluginAuthLenencData = 0x00200000;
constexpr std::uint32_t kCanHandleExpiredPasswords = 0x00400000;
constexpr std::uint32_t kSessionTrack = 0x00800000;
constexpr std::uint32_t kDeprecateEof = 0x01000000;
}  // namespace capability

// MariaDB's extended capabilities (bits 32..63 of its capability word, sent
// in the 4 filler bytes when bit 0 is clear).
namespace mariadb_capability {
constexpr std::uint32_t kProgress = 0x01;            // progress reports during long statements
constexpr std::uint32_t kComMulti = 0x02;            // (never used by released servers)
constexpr std::uint32_t kStmtBulkOperations = 0x04;  // COM_STMT_BULK_EXECUTE
constexpr std::uint32_t kExtendedMetadata = 0x08;    // data type names in column definitions
constexpr std::uint32_t kCacheMetadata = 0x10;       // prepared statements skip known metadata
}  // namespace mariadb_capability

// Server status flags.
namespace server_status {
constexpr std::uint16_t kInTransaction = 0x0001;
constexpr std::uint16_t kAutocommit = 0x0002;
constexpr std::uint16_t kMoreResultsExist = 0x0008;
}  // namespace server_status

constexpr std::uint8_t kOkHeader = 0x00;
constexpr std::uint8_t kEofHeader = 0xfe;
constexpr std::uint8_t kErrHeader = 0xff;
constexpr std::uint8_t kNullValue = 0xfb;  // a NULL column in a text row
constexpr std::uint8_t kUtf8mb4GeneralCi = 45;
constexpr std::string_view kNativePasswordPlugin = "mysql_native_password";
constexpr std::size_t kScrambleLength = 20;

// --- length-encoded integers and strings -----------------------------------

struct LenencInt {
  std::uint64_t value = 0;
  std::size_t size = 0;  // bytes consumed
};

struct LenencString {
  std::string value;
  std::size_t size = 0;  // bytes consumed, prefix included
};

// 0xfb (NULL) and 0xff are not integers; a truncated prefix is an error.
Decoded<LenencInt> decode_lenenc_int(std::span<const std::uint8_t> bytes);
Decoded<LenencString> decode_lenenc_string(std::span<const std::uint8_t> bytes);
void append_lenenc_int(std::string& out, std::uint64_t value);
void append_lenenc_string(std::string& out, std::string_view value);

// --- packet kinds ----------------------------------------------------------

bool is_ok_packet(std::span<const std::uint8_t> payload);
bool is_err_packet(std::span<const std::uint8_t> payload);
// Classic EOF: 0xfe and shorter than 9 bytes (a row starting with a 0xfe
// length prefix is always longer).
bool is_eof_packet(std::span<const std::uint8_t> payload);

// --- server messages -------------------------------------------------------

// Initial handshake, protocol version 10.
struct Greeting {
  std::uint8_t protocol_version = 0;
  std::string server_version;
  std::uint32_t connection_id = 0;
  std::uint32_t capabilities = 0;
  std::uint8_t character_set = 0;
  std::uint16_t status_flags = 0;
  // The filler MariaDB reuses for its extensions; 0 when the server set
  // bit 0 (a MySQL server, or a MariaDB server older than 10.2).
  std::uint32_t mariadb_capabilities = 0;
  std::string scramble;  // part 1 + part 2, without the NUL
  std::string auth_plugin_name;
};
Decoded<Greeting> decode_greeting(std::span<const std::uint8_t> payload);

struct OkPacket {
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t status_flags = 0;
  std::uint16_t warnings = 0;
  std::string info;
};
Decoded<OkPacket> decode_ok(std::span<const std::uint8_t> payload);

struct ErrPacket {
  std::uint16_t code = 0;
  std::string sql_state;  // empty when the server sent none (pre-handshake errors)
  std::string message;
};
Decoded<ErrPacket> decode_err(std::span<const std::uint8_t> payload);
// "ERROR 1045 (28000): Access denied ...", as the mariadb client prints it.
std::string format_error(const ErrPacket& error);

struct EofPacket {
  std::uint16_t warnings = 0;
  std::uint16_t status_flags = 0;
};
Decoded<EofPacket> decode_eof(std::span<const std::uint8_t> payload);

struct AuthSwitchRequest {
  std::string plugin_name;
  std::string plugin_data;  // for mysql_native_password: the new 20-byte scramble
};
Decoded<AuthSwitchRequest> decode_auth_switch(std::span<const std::uint8_t> payload);

// --- client messages (payloads, without the packet header) -----------------

// What borealis asks for: 4.1 protocol, 20-byte scrambles, plugin names,
// classic EOFs (never DEPRECATE_EOF) and a single result set per statement.
constexpr std::uint32_t kAdminClientCapabilities =
    capability::kLongPassword | capability::kProtocol41 | capability::kTransactions |
    capability::kSecureConnection | capability::kPluginAuth;

struct HandshakeResponse {
  std::uint32_t capabilities = kAdminClientCapabilities;
  std::uint32_t max_packet_size = 0xffffff;
  std::uint8_t character_set = kUtf8mb4GeneralCi;
  // MariaDB's extensions, sent (bit 0 cleared) when not 0.
  std::uint32_t mariadb_capabilities = 0;
  std::string user;
  std::string auth_response;  // at most 255 bytes
  std::string database;       // sent, with CONNECT_WITH_DB, when not empty
  std::string auth_plugin_name{kNativePasswordPlugin};
  // Sent, with CLIENT_CONNECT_ATTRS, when the capabilities ask for them.
  std::vector<std::pair<std::string, std::string>> attributes;
};
std::string encode_handshake_response(const HandshakeResponse& response);
// The SSLRequest: the first 32 bytes of a response, CLIENT_SSL set; TLS
// starts after it and the full response follows over TLS.
std::string encode_ssl_request(std::uint32_t capabilities, std::uint32_t max_packet_size,
                               std::uint8_t character_set);

std::string encode_com_query(std::string_view sql);
std::string encode_com_ping();
std::string encode_com_quit();
// Whether `bytes` are exactly one COM_QUIT packet, as a client sends it
// when it closes.
bool is_com_quit_packet(std::string_view bytes);

}  // namespace borealis::mysql

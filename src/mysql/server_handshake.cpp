#include "mysql/server_handshake.hpp"

#include <fmt/format.h>

#include "mysql/payload_reader.hpp"

namespace borealis::mysql {
namespace {

constexpr std::uint8_t kProtocolVersion10 = 10;
constexpr std::size_t kScramblePart1Length = 8;
constexpr std::size_t kSslRequestLength = 32;

DecodeError error(std::string message) { return DecodeError{std::move(message)}; }

void append_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A NUL-terminated string of at most `limit` bytes; a missing final NUL is
// tolerated at the very end of the packet (some clients omit it).
bool read_bounded_string(PayloadReader& reader, std::size_t limit, std::string& out) {
  if (reader.read_null_terminated(out)) return out.size() <= limit;
  if (reader.remaining() > limit) return false;
  reader.read_rest(out);
  return true;
}

bool read_lenenc(PayloadReader& reader, std::uint64_t& out) {
  auto decoded = decode_lenenc_int(reader.rest());
  if (!decoded) return false;
  out = decoded->value;
  return reader.skip(decoded->size);
}

// The auth response in whichever of its three forms the capabilities say.
bool read_auth_response(PayloadReader& reader, std::uint32_t capabilities, std::string& out) {
  if (capabilities & capability::kPluginAuthLenencData) {
    std::uint64_t length = 0;
    return read_lenenc(reader, length) && length <= kMaxAuthResponseLength &&
           reader.read_bytes(static_cast<std::size_t>(length), out);
  }
  if (capabilities & capability::kSecureConnection) {
    std::uint8_t length = 0;
    return reader.read_u8(length) && reader.read_bytes(length, out);
  }
  return read_bounded_string(reader, kMaxAuthResponseLength, out);
}

bool read_lenenc_bytes(PayloadReader& reader, std::string& out) {
  std::uint64_t length = 0;
  return read_lenenc(reader, length) && length <= reader.remaining() &&
         reader.read_bytes(static_cast<std::size_t>(length), out);
}

bool read_attributes(PayloadReader& reader, ClientHandshake& out) {
  std::uint64_t total = 0;
  if (!read_lenenc(reader, total) || total > kMaxAttributesLength || total > reader.remaining())
    return false;
  PayloadReader attributes(reader.rest().first(static_cast<std::size_t>(total)));
  reader.skip(static_cast<std::size_t>(total));
  while (!attributes.at_end()) {
    std::string key, value;
    if (out.attributes.size() >= kMaxAttributes || !read_lenenc_bytes(attributes, key) ||
        !read_lenenc_bytes(attributes, value))
      return false;
    out.attributes.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace

std::string encode_server_greeting(const ServerGreeting& greeting) {
  std::string payload;
  std::uint32_t capabilities = greeting.capabilities;
  if (greeting.mariadb_capabilities) capabilities &= ~capability::kLongPassword;
  payload.push_back(static_cast<char>(kProtocolVersion10));
  payload.append(greeting.server_version);
  payload.push_back('\0');
  append_le(payload, greeting.connection_id, 4);
  payload.append(reinterpret_cast<const char*>(greeting.scramble.data()), kScramblePart1Length);
  payload.push_back('\0');
  append_le(payload, capabilities & 0xffff, 2);
  payload.push_back(static_cast<char>(greeting.character_set));
  append_le(payload, greeting.status_flags, 2);
  append_le(payload, capabilities >> 16, 2);
  const bool plugin_auth = capabilities & capability::kPluginAuth;
  payload.push_back(static_cast<char>(plugin_auth ? kScrambleLength + 1 : 0));
  payload.append(6, '\0');  // reserved
  append_le(payload, greeting.mariadb_capabilities, 4);
  payload.append(reinterpret_cast<const char*>(greeting.scramble.data()) + kScramblePart1Length,
                 kScrambleLength - kScramblePart1Length);
  payload.push_back('\0');
  if (plugin_auth) {
    payload.append(greeting.auth_plugin_name);
    payload.push_back('\0');
  }
  return payload;
}

Decoded<ClientHandshake> decode_client_handshake(std::span<const std::uint8_t> payload,
                                                 std::uint32_t offered,
                                                 std::uint32_t offered_mariadb) {
  PayloadReader reader(payload);
  ClientHandshake out;
  std::uint32_t sent = 0;
  if (!reader.read_u32(sent)) return error("handshake response: truncated");
  if (!(sent & capability::kProtocol41))
    return error("handshake response: a client older than MySQL 4.1 (no CLIENT_PROTOCOL_41)");
  if (!reader.read_u32(out.max_packet_size) || !reader.read_u8(out.character_set) ||
      !reader.skip(19) || !reader.read_u32(out.mariadb_capabilities))
    return error("handshake response: truncated");
  if (sent & capability::kLongPassword) out.mariadb_capabilities = 0;  // filler, not extensions
  out.mariadb_capabilities &= offered_mariadb;
  // Bit 0 says who the client is, not what it wants: keep it as sent.
  out.capabilities = sent & (offered | capability::kLongPassword);
  if (payload.size() == kSslRequestLength && (sent & capability::kSsl)) {
    out.ssl_request = true;
    return out;
  }
  if (!read_bounded_string(reader, kMaxUserLength, out.user))
    return error("handshake response: user name missing or too long");
  if (!read_auth_response(reader, out.capabilities, out.auth_response))
    return error("handshake response: authentication data truncated or too long");
  if ((out.capabilities & capability::kConnectWithDb) && !reader.at_end() &&
      !read_bounded_string(reader, kMaxDatabaseLength, out.database))
    return error("handshake response: database name too long");
  if ((out.capabilities & capability::kPluginAuth) && !reader.at_end() &&
      !read_bounded_string(reader, kMaxPluginNameLength, out.auth_plugin_name))
    return error("handshake response: authentication plugin name too long");
  if ((out.capabilities & capability::kConnectAttrs) && !reader.at_end() &&
      !read_attributes(reader, out))
    return error("handshake response: connection attributes malformed or too long");
  return out;
}

std::string encode_ok(std::uint64_t affected_rows, std::uint64_t last_insert_id,
                      std::uint16_t status_flags, std::uint16_t warnings) {
  std::string payload(1, static_cast<char>(kOkHeader));
  append_lenenc_int(payload, affected_rows);
  append_lenenc_int(payload, last_insert_id);
  append_le(payload, status_flags, 2);
  append_le(payload, warnings, 2);
  return payload;
}

std::string encode_err(std::uint16_t code, std::string_view sql_state, std::string_view message,
                       bool protocol41) {
  std::string payload(1, static_cast<char>(kErrHeader));
  append_le(payload, code, 2);
  if (protocol41 && sql_state.size() == 5) {
    payload.push_back('#');
    payload.append(sql_state);
  }
  payload.append(message);
  return payload;
}

std::string encode_auth_switch(std::string_view plugin, std::span<const std::uint8_t> data) {
  std::string payload(1, static_cast<char>(kEofHeader));
  payload.append(plugin);
  payload.push_back('\0');
  payload.append(reinterpret_cast<const char*>(data.data()), data.size());
  // MySQL and MariaDB end a scramble-based switch with a NUL.
  if (plugin == kNativePasswordPlugin || plugin == "caching_sha2_password") payload.push_back('\0');
  return payload;
}

}  // namespace borealis::mysql

#include "mysql/protocol_codec.hpp"

#include <algorithm>

#include "mysql/packet.hpp"
#include "mysql/payload_reader.hpp"

namespace borealis::mysql {

namespace {

constexpr std::uint8_t kProtocolVersion10 = 10;
constexpr std::uint8_t kComQuit = 0x01;
constexpr std::uint8_t kComQuery = 0x03;
constexpr std::uint8_t kComPing = 0x0e;
constexpr std::size_t kScramblePart1Length = 8;
constexpr std::size_t kSqlStateLength = 5;

DecodeError error(std::string message) { return DecodeError{std::move(message)}; }

void append_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Reads a length-encoded integer at the reader's position.
bool read_lenenc_int(PayloadReader& reader, std::uint64_t& out) {
  auto decoded = decode_lenenc_int(reader.rest());
  if (!decoded) return false;
  out = decoded->value;
  return reader.skip(decoded->size);
}

std::string single_byte(std::uint8_t value) { return std::string(1, static_cast<char>(value)); }

}  // namespace

Decoded<LenencInt> decode_lenenc_int(std::span<const std::uint8_t> bytes) {
  PayloadReader reader(bytes);
  std::uint8_t first = 0;
  if (!reader.read_u8(first)) return error("length-encoded integer: no bytes");
  if (first < 0xfb) return LenencInt{first, 1};
  std::size_t width = 0;
  switch (first) {
    case 0xfc:
      width = 2;
      break;
    case 0xfd:
      width = 3;
      break;
    case 0xfe:
      width = 8;
      break;
    case kNullValue:
      return error("length-encoded integer: NULL marker 0xfb");
    default:
      return error("length-encoded integer: invalid prefix 0xff");
  }
  std::uint64_t value = 0;
  if (!reader.read_int(width, value)) return error("length-encoded integer: truncated");
  return LenencInt{value, 1 + width};
}

Decoded<LenencString> decode_lenenc_string(std::span<const std::uint8_t> bytes) {
  auto length = decode_lenenc_int(bytes);
  if (!length) return length.error();
  PayloadReader reader(bytes.subspan(length->size));
  if (length->value > reader.remaining()) return error("length-encoded string: truncated");
  LenencString result;
  reader.read_bytes(static_cast<std::size_t>(length->value), result.value);
  result.size = length->size + result.value.size();
  return result;
}

void append_lenenc_int(std::string& out, std::uint64_t value) {
  if (value < 0xfb) {
    out.push_back(static_cast<char>(value));
  } else if (value <= 0xffff) {
    out.push_back(static_cast<char>(0xfc));
    append_le(out, value, 2);
  } else if (value <= 0xffffff) {
    out.push_back(static_cast<char>(0xfd));
    append_le(out, value, 3);
  } else {
    out.push_back(static_cast<char>(0xfe));
    append_le(out, value, 8);
  }
}

void append_lenenc_string(std::string& out, std::string_view value) {
  append_lenenc_int(out, value.size());
  out.append(value);
}

bool is_ok_packet(std::span<const std::uint8_t> payload) {
  return !payload.empty() && payload[0] == kOkHeader;
}

bool is_err_packet(std::span<const std::uint8_t> payload) {
  return !payload.empty() && payload[0] == kErrHeader;
}

bool is_eof_packet(std::span<const std::uint8_t> payload) {
  return !payload.empty() && payload[0] == kEofHeader && payload.size() < 9;
}

Decoded<Greeting> decode_greeting(std::span<const std::uint8_t> payload) {
  PayloadReader reader(payload);
  Greeting greeting;
  if (!reader.read_u8(greeting.protocol_version)) return error("greeting: empty");
  if (greeting.protocol_version != kProtocolVersion10)
    return error("greeting: unsupported protocol version " +
                 std::to_string(greeting.protocol_version));
  if (!reader.read_null_terminated(greeting.server_version))
    return error("greeting: server version not terminated");
  std::uint16_t capabilities_low = 0;
  if (!reader.read_u32(greeting.connection_id) ||
      !reader.read_bytes(kScramblePart1Length, greeting.scramble) || !reader.skip(1) ||
      !reader.read_u16(capabilities_low))
    return error("greeting: truncated");
  greeting.capabilities = capabilities_low;
  // Servers older than 4.1 stop here; borealis needs what follows.
  std::uint16_t capabilities_high = 0;
  std::uint8_t auth_data_length = 0;
  if (!reader.read_u8(greeting.character_set) || !reader.read_u16(greeting.status_flags) ||
      !reader.read_u16(capabilities_high) || !reader.read_u8(auth_data_length) || !reader.skip(6) ||
      !reader.read_u32(greeting.mariadb_capabilities))
    return error("greeting: truncated (pre-4.1 server?)");
  greeting.capabilities |= static_cast<std::uint32_t>(capabilities_high) << 16;
  if (greeting.capabilities & capability::kLongPassword) greeting.mariadb_capabilities = 0;
  if (!(greeting.capabilities & capability::kSecureConnection))
    return error("greeting: server does not support 4.1 authentication");
  // Part 2 is at least 13 bytes: the rest of the 20-byte scramble and a NUL.
  std::size_t part2_length = std::max<std::size_t>(
      13, auth_data_length > kScramblePart1Length ? auth_data_length - kScramblePart1Length : 0);
  std::string part2;
  if (!reader.read_bytes(part2_length, part2)) return error("greeting: scramble truncated");
  // The scramble itself never contains NUL; the part ends at the first one.
  part2 = part2.substr(0, part2.find('\0'));
  greeting.scramble += part2;
  if (greeting.capabilities & capability::kPluginAuth) {
    // Some servers omit the final NUL; the name then runs to the end.
    if (!reader.read_null_terminated(greeting.auth_plugin_name))
      reader.read_rest(greeting.auth_plugin_name);
  }
  return greeting;
}

Decoded<OkPacket> decode_ok(std::span<const std::uint8_t> payload) {
  PayloadReader reader(payload);
  std::uint8_t header = 0;
  if (!reader.read_u8(header) || header != kOkHeader) return error("OK packet: wrong header");
  OkPacket ok;
  if (!read_lenenc_int(reader, ok.affected_rows) || !read_lenenc_int(reader, ok.last_insert_id) ||
      !reader.read_u16(ok.status_flags) || !reader.read_u16(ok.warnings))
    return error("OK packet: truncated");
  // Without CLIENT_SESSION_TRACK the human-readable info runs to the end.
  reader.read_rest(ok.info);
  return ok;
}

Decoded<ErrPacket> decode_err(std::span<const std::uint8_t> payload) {
  PayloadReader reader(payload);
  std::uint8_t header = 0;
  if (!reader.read_u8(header) || header != kErrHeader) return error("ERR packet: wrong header");
  ErrPacket err;
  if (!reader.read_u16(err.code)) return error("ERR packet: truncated");
  // Errors sent before the client announced PROTOCOL_41 have no SQL state.
  if (!reader.at_end() && reader.peek() == '#') {
    reader.skip(1);
    if (!reader.read_bytes(kSqlStateLength, err.sql_state))
      return error("ERR packet: SQL state truncated");
  }
  reader.read_rest(err.message);
  return err;
}

std::string format_error(const ErrPacket& err) {
  return "ERROR " + std::to_string(err.code) + " (" +
         (err.sql_state.empty() ? std::string("HY000") : err.sql_state) + "): " + err.message;
}

Decoded<EofPacket> decode_eof(std::span<const std::uint8_t> payload) {
  if (!is_eof_packet(payload)) return error("EOF packet: wrong header or length");
  PayloadReader reader(payload.subspan(1));
  EofPacket eof;
  // 4.1 EOFs carry warnings and status; a bare 0xfe is the pre-4.1 form.
  if (reader.at_end()) return eof;
  if (!reader.read_u16(eof.warnings) || !reader.read_u16(eof.status_flags))
    return error("EOF packet: truncated");
  return eof;
}

Decoded<AuthSwitchRequest> decode_auth_switch(std::span<const std::uint8_t> payload) {
  PayloadReader reader(payload);
  std::uint8_t header = 0;
  if (!reader.read_u8(header) || header != kEofHeader) return error("auth switch: wrong header");
  if (reader.at_end())
    return error("auth switch: old-password switch (mysql_old_password) is not supported");
  AuthSwitchRequest request;
  if (!reader.read_null_terminated(request.plugin_name))
    return error("auth switch: plugin name not terminated");
  reader.read_rest(request.plugin_data);
  // mysql_native_password data is the scramble followed by a NUL.
  if (!request.plugin_data.empty() && request.plugin_data.back() == '\0')
    request.plugin_data.pop_back();
  return request;
}

std::string encode_ssl_request(std::uint32_t capabilities, std::uint32_t max_packet_size,
                               std::uint8_t character_set) {
  std::string out(32, '\0');
  capabilities |= capability::kSsl;
  for (int i = 0; i < 4; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>((capabilities >> (8 * i)) & 0xff);
    out[static_cast<std::size_t>(4 + i)] = static_cast<char>((max_packet_size >> (8 * i)) & 0xff);
  }
  out[8] = static_cast<char>(character_set);
  return out;
}

std::string encode_handshake_response(const HandshakeResponse& response) {
  std::uint32_t capabilities = response.capabilities;
  capabilities &= ~capability::kPluginAuthLenencData;  // the 1-byte length form below
  if (response.database.empty())
    capabilities &= ~capability::kConnectWithDb;
  else
    capabilities |= capability::kConnectWithDb;
  // Bit 0 clear: the filler carries MariaDB's extensions.
  if (response.mariadb_capabilities) capabilities &= ~capability::kLongPassword;
  std::string payload;
  append_le(payload, capabilities, 4);
  append_le(payload, response.max_packet_size, 4);
  payload.push_back(static_cast<char>(response.character_set));
  payload.append(19, '\0');
  append_le(payload, response.mariadb_capabilities, 4);
  payload.append(response.user);
  payload.push_back('\0');
  std::size_t auth_length = std::min<std::size_t>(response.auth_response.size(), 255);
  payload.push_back(static_cast<char>(auth_length));
  payload.append(response.auth_response, 0, auth_length);
  if (capabilities & capability::kConnectWithDb) {
    payload.append(response.database);
    payload.push_back('\0');
  }
  if (capabilities & capability::kPluginAuth) {
    payload.append(response.auth_plugin_name);
    payload.push_back('\0');
  }
  if (capabilities & capability::kConnectAttrs) {
    std::string attributes;
    for (const auto& [key, value] : response.attributes) {
      append_lenenc_string(attributes, key);
      append_lenenc_string(attributes, value);
    }
    append_lenenc_string(payload, attributes);
  }
  return payload;
}

std::string encode_com_query(std::string_view sql) {
  std::string payload = single_byte(kComQuery);
  payload.append(sql);
  return payload;
}

std::string encode_com_ping() { return single_byte(kComPing); }

std::string encode_com_quit() { return single_byte(kComQuit); }

bool is_com_quit_packet(std::string_view bytes) {
  return bytes.size() == kHeaderSize + 1 && static_cast<std::uint8_t>(bytes[0]) == 1 &&
         bytes[1] == 0 && bytes[2] == 0 && static_cast<std::uint8_t>(bytes[4]) == kComQuit;
}

}  // namespace borealis::mysql

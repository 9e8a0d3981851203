#include "mysql/health_check_protocol.hpp"

#include "mysql/packet.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {

namespace {

constexpr std::uint8_t kProtocolVersion10 = 10;

// Capability flags the check announces.
constexpr std::uint32_t kClientLongPassword = 0x00000001;
constexpr std::uint32_t kClientProtocol41 = 0x00000200;
constexpr std::uint32_t kClientSecureConnection = 0x00008000;

CheckReply parse_error(std::span<const std::uint8_t> payload) {
  auto err = decode_err(payload);
  if (!err) return {};
  return {CheckReply::Kind::error, err->code, err->message};
}

void append_le(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

CheckReply parse_greeting(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return {};
  if (is_err_packet(payload)) return parse_error(payload);
  if (payload[0] != kProtocolVersion10) return {};
  CheckReply reply{CheckReply::Kind::ok, 0, {}};
  for (std::size_t i = 1; i < payload.size(); ++i) {
    if (payload[i] == 0) return reply;
    reply.info.push_back(static_cast<char>(payload[i]));
  }
  return {};  // version string not terminated
}

CheckReply parse_login_reply(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return {};
  if (is_ok_packet(payload)) return {CheckReply::Kind::ok, 0, {}};
  if (is_err_packet(payload)) return parse_error(payload);
  return {};
}

std::string build_check_login(const std::string& user, bool post41) {
  std::string payload;
  if (post41) {
    append_le(payload, kClientLongPassword | kClientProtocol41 | kClientSecureConnection, 4);
    append_le(payload, kMaxPayload, 4);  // max packet size
    payload.push_back(8);                // latin1
    payload.append(23, '\0');            // reserved
    payload.append(user);
    payload.push_back('\0');
    payload.push_back('\0');  // empty auth response
  } else {
    append_le(payload, kClientLongPassword, 2);
    append_le(payload, kMaxPayload, 3);
    payload.append(user);
    payload.push_back('\0');
  }
  return frame_packet(1, payload);
}

std::string build_quit() { return frame_packet(0, std::string_view("\x01", 1)); }

}  // namespace borealis::mysql

#include "mysql/change_user.hpp"

#include <span>

#include "mysql/payload_reader.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {

std::optional<ChangeUser> decode_change_user(std::string_view payload, std::uint32_t capabilities) {
  if (!(capabilities & capability::kPluginAuth) ||
      !(capabilities & capability::kSecureConnection) || !(capabilities & capability::kProtocol41))
    return std::nullopt;
  PayloadReader reader(
      std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  std::uint8_t command = 0, auth_length = 0;
  ChangeUser decoded;
  if (!reader.read_u8(command) || command != kComChangeUser ||
      !reader.read_null_terminated(decoded.user) || !reader.read_u8(auth_length) ||
      !reader.read_bytes(auth_length, decoded.auth_response) ||
      !reader.read_null_terminated(decoded.database) || !reader.read_u16(decoded.character_set) ||
      !reader.read_null_terminated(decoded.plugin))
    return std::nullopt;
  reader.read_rest(decoded.attributes);
  return decoded;
}

std::string encode_change_user(const ChangeUser& command) {
  std::string out;
  out.reserve(command.user.size() + command.auth_response.size() + command.database.size() +
              command.plugin.size() + command.attributes.size() + 8);
  out += static_cast<char>(kComChangeUser);
  out += command.user;
  out += '\0';
  out += static_cast<char>(command.auth_response.size());
  out += command.auth_response;
  out += command.database;
  out += '\0';
  out += static_cast<char>(command.character_set & 0xff);
  out += static_cast<char>(command.character_set >> 8);
  out += command.plugin;
  out += '\0';
  out += command.attributes;
  return out;
}

std::optional<std::string> rescramble_change_user(std::string_view payload,
                                                  std::uint32_t capabilities) {
  auto command = decode_change_user(payload, capabilities);
  if (!command) return std::nullopt;
  command->auth_response.clear();
  command->plugin = kRescramblePlugin;
  return encode_change_user(*command);
}

}  // namespace borealis::mysql

// COM_CHANGE_USER through borealis. The client answers the scramble it
// knows, and where borealis greeted it and logged in for it, that is
// borealis's scramble, which the server never sent. So borealis rewrites
// the command: with the new account's password proved against the hashes
// it keeps, it puts in the answer to the server's own scramble; otherwise
// it sends no answer and names a plugin no account uses, so that the
// server asks the client again (an auth switch with the server's scramble
// and the account's plugin).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace borealis::mysql {

inline constexpr std::uint8_t kComChangeUser = 0x11;
// What a command that must be asked again names as its plugin: none by
// that name exists.
inline constexpr std::string_view kRescramblePlugin = "borealis_ask_again";

struct ChangeUser {
  std::string user;
  std::string auth_response;
  std::string database;
  std::uint16_t character_set = 0;
  std::string plugin;
  std::string attributes;  // the rest, passed on as it is
};

// For a client with CLIENT_PROTOCOL_41, SECURE_CONNECTION and PLUGIN_AUTH
// (nullopt otherwise, or when malformed: the command then goes on as it is).
std::optional<ChangeUser> decode_change_user(std::string_view payload, std::uint32_t capabilities);
std::string encode_change_user(const ChangeUser& command);

// No answer, and a plugin that makes the server ask the client again.
std::optional<std::string> rescramble_change_user(std::string_view payload,
                                                  std::uint32_t capabilities);

}  // namespace borealis::mysql

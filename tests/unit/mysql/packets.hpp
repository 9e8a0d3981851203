// Building MySQL packets for tests: a header (3-byte length, sequence) and
// the payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql/protocol_codec.hpp"

namespace borealis::mysql::test {

inline std::string packet(std::uint8_t sequence, std::string_view payload) {
  std::string out(4, '\0');
  out[0] = static_cast<char>(payload.size() & 0xff);
  out[1] = static_cast<char>((payload.size() >> 8) & 0xff);
  out[2] = static_cast<char>((payload.size() >> 16) & 0xff);
  out[3] = static_cast<char>(sequence);
  return out + std::string(payload);
}

// Two bytes, little-endian (status flags, warnings).
inline std::string u16(std::uint16_t value) {
  return {static_cast<char>(value & 0xff), static_cast<char>(value >> 8)};
}

// A length-encoded string.
inline std::string lenenc(std::string_view text) {
  std::string out;
  append_lenenc_string(out, text);
  return out;
}

}  // namespace borealis::mysql::test

// Building MySQL packets for tests: a header (3-byte length, sequence) and
// the payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace borealis::mysql::test {

inline std::string packet(std::uint8_t sequence, std::string_view payload) {
  std::string out(4, '\0');
  out[0] = static_cast<char>(payload.size() & 0xff);
  out[1] = static_cast<char>((payload.size() >> 8) & 0xff);
  out[2] = static_cast<char>((payload.size() >> 16) & 0xff);
  out[3] = static_cast<char>(sequence);
  return out + std::string(payload);
}

}  // namespace borealis::mysql::test

// The first packets a `mode mysql` client sends, before it is authenticated:
// an SSLRequest or a HandshakeResponse41, under any capabilities the server
// may have offered. The decoder may not crash, read out of bounds or accept
// a field over its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "mysql/server_handshake.hpp"

namespace mysql = borealis::mysql;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  // Everything offered, and an offer taken from the input itself.
  std::uint32_t offers[2] = {0xffffffffu, 0};
  for (std::size_t i = 0; i < 4 && i < size; ++i) offers[1] |= std::uint32_t{data[i]} << (8 * i);
  for (std::uint32_t offered : offers) {
    auto decoded = mysql::decode_client_handshake(bytes, offered, offered);
    if (!decoded) {
      if (decoded.error().message.empty()) std::abort();
      continue;
    }
    const auto& hello = *decoded;
    if (hello.user.size() > mysql::kMaxUserLength ||
        hello.database.size() > mysql::kMaxDatabaseLength ||
        hello.auth_response.size() > mysql::kMaxAuthResponseLength ||
        hello.auth_plugin_name.size() > mysql::kMaxPluginNameLength ||
        hello.attributes.size() > mysql::kMaxAttributes)
      std::abort();
    // Capabilities the server did not offer never count (bit 0 names the client).
    if (hello.capabilities & ~(offered | mysql::capability::kLongPassword)) std::abort();
    if (hello.ssl_request && size != 32) std::abort();
  }
  return 0;
}

// Bytes a server sends to a health check: the greeting, then the reply to
// the login. Neither parser may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "mysql/health_check_protocol.hpp"
#include "mysql/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  if (auto header = borealis::mysql::decode_header(bytes)) {
    auto payload = bytes.subspan(borealis::mysql::kHeaderSize);
    if (payload.size() > header->payload_length) payload = payload.first(header->payload_length);
    borealis::mysql::parse_greeting(payload);
    borealis::mysql::parse_login_reply(payload);
  }
  borealis::mysql::parse_greeting(bytes);
  borealis::mysql::parse_login_reply(bytes);
  return 0;
}

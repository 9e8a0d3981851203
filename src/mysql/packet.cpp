#include "mysql/packet.hpp"

namespace borealis::mysql {

std::optional<PacketHeader> decode_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  PacketHeader header;
  header.payload_length = static_cast<std::uint32_t>(bytes[0]) |
                          static_cast<std::uint32_t>(bytes[1]) << 8 |
                          static_cast<std::uint32_t>(bytes[2]) << 16;
  header.sequence = bytes[3];
  return header;
}

std::string frame_packet(std::uint8_t sequence, std::string_view payload) {
  std::string packet;
  auto length = static_cast<std::uint32_t>(payload.size());
  packet.reserve(kHeaderSize + payload.size());
  packet.push_back(static_cast<char>(length & 0xff));
  packet.push_back(static_cast<char>((length >> 8) & 0xff));
  packet.push_back(static_cast<char>((length >> 16) & 0xff));
  packet.push_back(static_cast<char>(sequence));
  packet.append(payload);
  return packet;
}

}  // namespace borealis::mysql

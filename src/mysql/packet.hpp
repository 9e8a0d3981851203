// MySQL client/server protocol framing: every packet is a 3-byte little-endian
// payload length and a 1-byte sequence number followed by the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace borealis::mysql {

constexpr std::size_t kHeaderSize = 4;
constexpr std::uint32_t kMaxPayload = 0xffffff;

struct PacketHeader {
  std::uint32_t payload_length = 0;
  std::uint8_t sequence = 0;
};

// Reads a header from the first four bytes; nullopt if fewer are given.
std::optional<PacketHeader> decode_header(std::span<const std::uint8_t> bytes);

// Frames a payload (at most kMaxPayload bytes) with its header.
std::string frame_packet(std::uint8_t sequence, std::string_view payload);

}  // namespace borealis::mysql

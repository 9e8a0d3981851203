#include "mysql/packet_reader.hpp"

namespace borealis::mysql {

std::string_view to_string(PacketError error) {
  switch (error) {
    case PacketError::eof:
      return "end of stream";
    case PacketError::network:
      return "network error";
    case PacketError::oversized:
      return "packet too large";
    case PacketError::malformed:
      return "malformed packet";
  }
  return "unknown packet error";
}

namespace detail {

PacketFailure read_failed(const asio::error_code& error, bool inside_packet,
                          std::optional<PacketHeader> header) {
  PacketError kind = PacketError::network;
  if (error == asio::error::eof) kind = inside_packet ? PacketError::malformed : PacketError::eof;
  return PacketFailure{kind, error, header};
}

}  // namespace detail

}  // namespace borealis::mysql

// Reads one MySQL packet from a stream socket: the 4-byte header, then the
// payload, refused when the header announces more than the caller allows.
// The one place where the control plane (admin client, health checks,
// readiness probes) turns bytes from a socket into packets.
#pragma once

#include <array>
#include <asio/awaitable.hpp>
#include <asio/error.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mysql/packet.hpp"

namespace borealis::mysql {

// Why no packet was read.
enum class PacketError : std::uint8_t {
  eof,        // the peer closed the stream where a packet would have started
  network,    // a read failed (reset, cancelled, ...)
  oversized,  // the header announces a payload above the caller's limit
  malformed,  // the stream ended inside the packet, or its sequence number is
              // not the one expected
};

[[nodiscard]] std::string_view to_string(PacketError error);

struct PacketFailure {
  PacketError kind = PacketError::network;
  // The read's own error: set for eof, network and a packet cut short (then
  // asio::error::eof), empty for oversized and an unexpected sequence.
  asio::error_code error;
  // The header, once read: the announced length and sequence number.
  std::optional<PacketHeader> header;
};

struct Packet {
  std::uint8_t sequence = 0;
  std::vector<std::uint8_t> payload;
};

struct PacketLimits {
  // The largest payload accepted. kMaxPayload itself announces a packet
  // continued in the next one, which this reader does not join.
  std::uint32_t max_payload = kMaxPayload - 1;
  // When set, a packet with another sequence number is malformed; its
  // payload is then left unread.
  std::optional<std::uint8_t> expected_sequence;
};

// A packet, or why none was read.
class [[nodiscard]] PacketRead {
 public:
  PacketRead(Packet packet) : state_(std::in_place_index<0>, std::move(packet)) {}
  PacketRead(PacketFailure failure) : state_(std::in_place_index<1>, std::move(failure)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // Precondition: has_value() (std::bad_variant_access otherwise).
  Packet& value() & { return std::get<0>(state_); }
  const Packet& value() const& { return std::get<0>(state_); }
  Packet& operator*() & { return value(); }
  const Packet& operator*() const& { return value(); }
  Packet* operator->() { return &value(); }
  const Packet* operator->() const { return &value(); }

  // Precondition: !has_value().
  const PacketFailure& error() const { return std::get<1>(state_); }

 private:
  std::variant<Packet, PacketFailure> state_;
};

namespace detail {

// A read that ended with `error` after `inside_packet` bytes of the packet.
PacketFailure read_failed(const asio::error_code& error, bool inside_packet,
                          std::optional<PacketHeader> header);

}  // namespace detail

// Reads one packet from `stream` (any asio stream socket: TCP, unix, generic).
// Cancelling the coroutine (a timeout racing it) leaves the stream mid-packet:
// the caller must close it then.
template <class Stream>
[[nodiscard]] asio::awaitable<PacketRead> read_packet(Stream& stream, PacketLimits limits) {
  std::array<std::uint8_t, kHeaderSize> header_bytes{};
  asio::error_code error;
  std::size_t received = co_await asio::async_read(
      stream, asio::buffer(header_bytes), asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return detail::read_failed(error, received > 0, std::nullopt);
  const PacketHeader header = *decode_header(header_bytes);
  if (limits.expected_sequence && header.sequence != *limits.expected_sequence)
    co_return PacketFailure{PacketError::malformed, {}, header};
  if (header.payload_length > limits.max_payload)
    co_return PacketFailure{PacketError::oversized, {}, header};
  Packet packet{header.sequence, std::vector<std::uint8_t>(header.payload_length)};
  if (!packet.payload.empty()) {
    co_await asio::async_read(stream, asio::buffer(packet.payload),
                              asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return detail::read_failed(error, true, header);
  }
  co_return packet;
}

// The same with only a limit on the payload.
template <class Stream>
[[nodiscard]] asio::awaitable<PacketRead> read_packet(Stream& stream, std::uint32_t max_payload) {
  return read_packet(stream, PacketLimits{max_payload, std::nullopt});
}

}  // namespace borealis::mysql

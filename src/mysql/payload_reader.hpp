// A bounds-checked cursor over one packet payload. Every read either succeeds
// entirely or fails without moving, so decoders only check a bool and never
// index past the end of what the peer sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace borealis::mysql {

class PayloadReader {
 public:
  explicit PayloadReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() - position_; }
  bool at_end() const { return remaining() == 0; }
  std::size_t position() const { return position_; }
  // The next byte without consuming it; precondition: !at_end().
  std::uint8_t peek() const { return bytes_[position_]; }

  // Little-endian fixed-width integer of `width` bytes (1..8).
  bool read_int(std::size_t width, std::uint64_t& out) {
    if (width == 0 || width > 8 || remaining() < width) return false;
    out = 0;
    for (std::size_t i = 0; i < width; ++i)
      out |= static_cast<std::uint64_t>(bytes_[position_ + i]) << (8 * i);
    position_ += width;
    return true;
  }

  bool read_u8(std::uint8_t& out) {
    std::uint64_t value = 0;
    if (!read_int(1, value)) return false;
    out = static_cast<std::uint8_t>(value);
    return true;
  }

  bool read_u16(std::uint16_t& out) {
    std::uint64_t value = 0;
    if (!read_int(2, value)) return false;
    out = static_cast<std::uint16_t>(value);
    return true;
  }

  bool read_u32(std::uint32_t& out) {
    std::uint64_t value = 0;
    if (!read_int(4, value)) return false;
    out = static_cast<std::uint32_t>(value);
    return true;
  }

  bool read_bytes(std::size_t count, std::string& out) {
    if (remaining() < count) return false;
    out.assign(reinterpret_cast<const char*>(bytes_.data() + position_), count);
    position_ += count;
    return true;
  }

  bool skip(std::size_t count) {
    if (remaining() < count) return false;
    position_ += count;
    return true;
  }

  // Bytes up to a NUL, which is consumed; fails if there is no NUL.
  bool read_null_terminated(std::string& out) {
    for (std::size_t i = position_; i < bytes_.size(); ++i) {
      if (bytes_[i] != 0) continue;
      out.assign(reinterpret_cast<const char*>(bytes_.data() + position_), i - position_);
      position_ = i + 1;
      return true;
    }
    return false;
  }

  void read_rest(std::string& out) {
    out.assign(reinterpret_cast<const char*>(bytes_.data() + position_), remaining());
    position_ = bytes_.size();
  }

  std::span<const std::uint8_t> rest() const { return bytes_.subspan(position_); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace borealis::mysql

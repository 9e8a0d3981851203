// The client-to-server byte stream of a relayed `mode mysql` session, seen
// as packets without being copied: the filter finds where each packet
// starts (headers may be split across reads), tells commands (sequence 0)
// from the rest, and holds back only the packets its rewriter asks for
// (COM_CHANGE_USER, see frontend/change_user_translator.hpp), up to 64 KiB.
// Everything else goes on as views of the bytes read.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borealis::mysql {

// Chooses the client packets to hold back, and what goes to the server
// instead.
class PacketRewriter {
 public:
  virtual ~PacketRewriter() = default;
  // A packet starts: hold it back? `command`: sequence 0, not the rest of
  // a longer packet; `first_byte` is -1 for an empty payload.
  virtual bool wants(std::uint8_t sequence, bool command, int first_byte, std::uint32_t length) = 0;
  // The payload to send instead of a held one, or nullopt for the same.
  virtual std::optional<std::string> rewrite(std::uint8_t sequence, std::string_view payload) = 0;
};

// Sees each command the client sends as it passes: its first byte, then
// the rest of its payload in pieces (continuation packets included, the
// payload as the client sent it, before any rewriting), then its end.
class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  virtual void command_started(std::uint8_t command) = 0;
  virtual void command_bytes(std::string_view bytes) = 0;
  virtual void command_ended() = 0;
};

class ClientStreamFilter {
 public:
  // Without a rewriter nothing is held back. Both must outlive the filter.
  explicit ClientStreamFilter(PacketRewriter* rewriter = nullptr,
                              CommandObserver* observer = nullptr)
      : rewriter_(rewriter), observer_(observer) {}

  // Splits `chunk` into what goes to the server, in order, appended to
  // `out`: views of `chunk` or of bytes the filter keeps, valid until the
  // next call.
  void feed(std::string_view chunk, std::vector<std::string_view>& out);

  // Commands the client has sent so far (packets with sequence 0).
  std::uint64_t commands() const { return commands_; }
  std::uint64_t change_users() const { return change_users_; }

 private:
  static constexpr std::size_t kHeaderSize = 4;
  static constexpr std::uint32_t kMaxPayload = 0xffffff;
  static constexpr std::size_t kMaxHeld = 64 * 1024;

  void start_packet(std::string_view header, int first_byte);
  void observe_payload(std::string_view bytes);
  bool wants_to_hold(std::string_view header, int first_byte) const;
  std::string_view keep(std::string_view bytes);
  void finish_held(std::vector<std::string_view>& out);

  PacketRewriter* rewriter_;
  CommandObserver* observer_;
  bool observing_ = false;          // the current packet belongs to a command
  bool skip_command_byte_ = false;  // its first byte was told apart
  std::uint64_t payload_left_ = 0;  // of the current packet, after its header
  bool continued_ = false;          // the last packet was 16 MiB - 1: more of it follows
  std::string pending_;             // a header (and maybe its first byte) split across reads
  bool holding_ = false;
  std::string held_;  // the packet being held, header included
  std::deque<std::string> kept_;
  std::size_t kept_used_ = 0;
  std::uint64_t commands_ = 0;
  std::uint64_t change_users_ = 0;
};

}  // namespace borealis::mysql

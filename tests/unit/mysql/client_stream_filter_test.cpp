#include "mysql/client_stream_filter.hpp"

#include <gtest/gtest.h>

#include <random>

#include "mysql/change_user.hpp"
#include "mysql/packets.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

using namespace std::string_literals;

constexpr std::uint32_t kCapabilities = capability::kProtocol41 | capability::kSecureConnection |
                                        capability::kPluginAuth | capability::kConnectAttrs;

using test::packet;

std::string change_user_payload(std::string_view user, std::string_view auth) {
  std::string p(1, static_cast<char>(kComChangeUser));
  p += user;
  p += '\0';
  p += static_cast<char>(auth.size());
  p += auth;
  p += "appdb";
  p += '\0';
  p += "\x2d\x00"s;
  p += "mysql_native_password";
  p += '\0';
  p += "\x05\x03"s
       "a=b";  // attributes (opaque here)
  return p;
}

// Rewrites every COM_CHANGE_USER to be asked again.
class Rescramble : public PacketRewriter {
 public:
  bool wants(std::uint8_t, bool command, int first_byte, std::uint32_t) override {
    return command && first_byte == kComChangeUser;
  }
  std::optional<std::string> rewrite(std::uint8_t sequence, std::string_view payload) override {
    EXPECT_EQ(sequence, 0);
    return rescramble_change_user(payload, kCapabilities);
  }
};

// Everything the filter passes on for `stream` cut at `cuts`.
std::string run(ClientStreamFilter& filter, const std::string& stream,
                const std::vector<std::size_t>& cuts) {
  std::string sent;
  std::size_t from = 0;
  std::vector<std::string_view> pieces;
  auto feed = [&](std::size_t to) {
    pieces.clear();
    filter.feed(std::string_view(stream).substr(from, to - from), pieces);
    for (auto piece : pieces) sent += piece;
    from = to;
  };
  for (std::size_t cut : cuts) feed(cut);
  feed(stream.size());
  return sent;
}

struct Stream {
  std::string bytes;
  std::string expected;  // with COM_CHANGE_USER rewritten
};

Stream sample_stream() {
  const std::string change = change_user_payload("other", std::string(20, 'x'));
  const std::string rewritten = *rescramble_change_user(change, kCapabilities);
  Stream s;
  auto both = [&](const std::string& p) {
    s.bytes += p;
    s.expected += p;
  };
  both(packet(0, "\x03SELECT 1"));
  both(packet(0, ""));                                        // empty payload
  both(packet(0, "\x16" + std::string(300, 'q')));            // COM_STMT_PREPARE
  both(packet(1, "\x11 not a command: LOAD DATA contents"));  // sequence 1
  s.bytes += packet(0, change);
  s.expected += packet(0, rewritten);
  both(packet(2, std::string(20, 'y')));  // the client's answer to the auth switch
  both(packet(0, "\x0e"));                // COM_PING
  return s;
}

TEST(ChangeUser, RewriteDropsTheAnswerAndNamesNoRealPlugin) {
  const std::string change = change_user_payload("other", std::string(20, 'x'));
  auto rewritten = rescramble_change_user(change, kCapabilities);
  ASSERT_TRUE(rewritten);
  std::string expected =
      "\x11other\0\0appdb\0\x2d\x00"s + std::string(kRescramblePlugin) + "\0\x05\x03"s + "a=b";
  EXPECT_EQ(*rewritten, expected);
  EXPECT_FALSE(rescramble_change_user(change, kCapabilities & ~capability::kPluginAuth));
  EXPECT_FALSE(rescramble_change_user(change.substr(0, 10), kCapabilities));
  EXPECT_FALSE(rescramble_change_user("\x03SELECT", kCapabilities));
}

TEST(ClientStreamFilter, WholeReadsPassAsViewsAndChangeUserIsRewritten) {
  Stream s = sample_stream();
  ClientStreamFilter off;
  EXPECT_EQ(run(off, s.bytes, {}), s.bytes);
  EXPECT_EQ(off.commands(), 4u);  // neither the empty packet nor sequence 1
  EXPECT_EQ(off.change_users(), 1u);
  Rescramble rescramble;
  ClientStreamFilter on(&rescramble);
  EXPECT_EQ(run(on, s.bytes, {}), s.expected);
}

TEST(ClientStreamFilter, EverySplitOfTheStreamGivesTheSameBytes) {
  Stream s = sample_stream();
  for (std::size_t cut = 1; cut < s.bytes.size(); ++cut) {
    Rescramble rescramble;
    ClientStreamFilter on(&rescramble);
    ASSERT_EQ(run(on, s.bytes, {cut}), s.expected) << "cut at " << cut;
  }
  std::mt19937 random(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (true) {
      at += 1 + random() % 9;
      if (at >= s.bytes.size()) break;
      cuts.push_back(at);
    }
    Rescramble rescramble;
    ClientStreamFilter on(&rescramble);
    ASSERT_EQ(run(on, s.bytes, cuts), s.expected) << "round " << round;
    EXPECT_EQ(on.commands(), 4u);
  }
}

TEST(ClientStreamFilter, ContinuationOfA16MiBPacketIsNoCommand) {
  // A 16 MiB - 1 payload, then its continuation; the 256th packet of a
  // long payload has sequence 0 again and must not count as a command.
  std::string big(4, '\0');
  big[0] = big[1] = big[2] = '\xff';
  big[3] = 0;
  std::string stream = big + "\x03" + std::string(0xfffffe, '\x11') + packet(0, "\x11tail");
  Rescramble rescramble;
  ClientStreamFilter on(&rescramble);
  EXPECT_EQ(run(on, stream, {3, 4, 5, 70000}), stream);
  EXPECT_EQ(on.commands(), 1u);
  EXPECT_EQ(on.change_users(), 0u);
}

TEST(ClientStreamFilter, WithoutRewriterEveryByteGoesOnAtOnce) {
  // A header split across reads (found by the fuzzer): nothing waits.
  std::string stream = packet(0, "\x03SELECT") + "\x00\x00\x00-" + "\x00)\x00"s;
  ClientStreamFilter plain;
  std::vector<std::string_view> pieces;
  std::string sent;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    pieces.clear();
    plain.feed(std::string_view(stream).substr(i, 1), pieces);
    for (auto piece : pieces) sent += piece;
    ASSERT_EQ(sent, stream.substr(0, i + 1));
  }
  EXPECT_EQ(sent, stream);
}

TEST(ClientStreamFilter, OversizedChangeUserPassesUnchanged) {
  std::string change = change_user_payload(std::string(70000, 'u'), "");
  std::string stream = packet(0, change);
  Rescramble rescramble;
  ClientStreamFilter on(&rescramble);
  EXPECT_EQ(run(on, stream, {2, 100}), stream);
}

}  // namespace
}  // namespace borealis::mysql

// What the response tracker passes on to the client: the server's bytes
// as they are, or, when borealis asked for session tracking that the
// client did not (hide_session_track), the same bytes with the session
// state taken out of every OK and the state-changed flag out of every EOF.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mysql/ok_packet.hpp"
#include "mysql/packets.hpp"
#include "mysql/protocol_codec.hpp"
#include "mysql/response_tracker.hpp"

namespace borealis::mysql {
namespace {

using namespace std::string_literals;
using test::packet;

constexpr std::uint16_t kAutocommit = 0x0002;
constexpr std::uint16_t kChanged = server_status::kSessionStateChanged;

using test::lenenc;
using test::u16;

std::string schema_change(std::string_view schema) {
  return "\x01"s + lenenc(lenenc(schema));  // SESSION_TRACK_SCHEMA
}

// An OK as a server writes it under CLIENT_SESSION_TRACK.
std::string tracked_ok(std::uint16_t status, std::string_view info, std::string_view state,
                       char header = '\0') {
  std::string p(1, header);
  p += "\x01\x00"s;  // one row affected, no insert id
  if (!state.empty()) status |= kChanged;
  p += u16(status) + u16(0);
  if (!info.empty() || !state.empty()) p += lenenc(info);
  if (!state.empty()) p += lenenc(state);
  return p;
}

// The same OK as the server writes it for a client without.
std::string plain_ok(std::uint16_t status, std::string_view info, char header = '\0') {
  std::string p(1, header);
  p += "\x01\x00"s + u16(status) + u16(0);
  if (!info.empty()) p += lenenc(info);
  return p;
}

std::string eof(std::uint16_t status) { return "\xfe"s + u16(0) + u16(status); }
std::string column() {
  return "\x03"
         "def\x04test\x01t\x01t\x01"
         "a\x01"
         "a\x0c\x3f\x00\x0b\x00\x00\x00\x03\x00\x00\x00\x00\x00"s;
}

ResponseTracker hiding(bool deprecate_eof) {
  return ResponseTracker(ResponseFormat{deprecate_eof, true, false, true});
}

// Feeds `stream` in three pieces, cut at every pair of points; returns
// what went on each time, with the cuts, for `check`.
template <typename Setup, typename Check>
void every_two_cuts(const std::string& stream, Setup setup, Check check) {
  for (std::size_t a = 0; a <= stream.size(); ++a) {
    for (std::size_t b = a; b <= stream.size(); b += 7) {
      ResponseTracker tracker = setup();
      std::string passed;
      std::vector<std::string_view> out;
      for (auto piece :
           {std::string_view(stream).substr(0, a), std::string_view(stream).substr(a, b - a),
            std::string_view(stream).substr(b)}) {
        out.clear();
        tracker.feed(piece, out);
        for (auto view : out) passed += view;
      }
      check(tracker, passed, a, b);
    }
  }
}

TEST(ResponseTrackerOutput, WithoutHidingTheBytesGoOnAsTheyAre) {
  const std::string stream = packet(1, tracked_ok(kAutocommit, "", schema_change("shop")));
  every_two_cuts(
      stream,
      [] {
        ResponseTracker t(ResponseFormat{true, true, false, false});
        t.command_sent(0x02);
        return t;
      },
      [&](ResponseTracker& t, const std::string& passed, std::size_t a, std::size_t b) {
        EXPECT_EQ(passed, stream) << a << "," << b;
        EXPECT_TRUE(t.idle());
      });
}

TEST(ResponseTrackerOutput, OksLoseTheirSessionStateAndRowsStayAsTheyAre) {
  // USE shop (an OK with state); a classic result set whose EOFs carry the
  // state-changed flag, with a row that starts with 0x00 (and one with
  // 0xfe) that must not be taken for an OK; an UPDATE's OK with info and
  // state.
  const std::string info = "Rows matched: 1  Changed: 1  Warnings: 0";
  const std::string row_like_ok = "\x00\x00\x00\x02\x40\x00\x00"s;
  const std::string stream =
      packet(1, tracked_ok(kAutocommit, "", schema_change("shop"))) + packet(1, "\x01") +
      packet(2, column()) + packet(3, eof(kAutocommit | kChanged)) + packet(4, row_like_ok) +
      packet(5, "\xfe" + std::string(20, 'y')) + packet(6, eof(kAutocommit | kChanged)) +
      packet(1, tracked_ok(kAutocommit, info, schema_change("shop2")));
  const std::string expected = packet(1, plain_ok(kAutocommit, "")) + packet(1, "\x01") +
                               packet(2, column()) + packet(3, eof(kAutocommit)) +
                               packet(4, row_like_ok) + packet(5, "\xfe" + std::string(20, 'y')) +
                               packet(6, eof(kAutocommit)) + packet(1, plain_ok(kAutocommit, info));
  every_two_cuts(
      stream,
      [] {
        ResponseTracker t = hiding(false);
        t.command_sent(0x02);  // COM_INIT_DB
        t.command_sent(0x03);
        t.command_sent(0x03);
        return t;
      },
      [&](ResponseTracker& t, const std::string& passed, std::size_t a, std::size_t b) {
        ASSERT_EQ(passed, expected) << a << "," << b;
        EXPECT_TRUE(t.idle());
        EXPECT_EQ(t.responses(), 3u);
        EXPECT_EQ(t.take_changes().schema, "shop2");  // still read
      });
}

TEST(ResponseTrackerOutput, TheOkThatEndsAResultSetLosesItsStateToo) {
  const std::string stream = packet(1, "\x01") + packet(2, column()) + packet(3, "\x01x") +
                             packet(4, tracked_ok(kAutocommit, "", schema_change("s"), '\xfe'));
  const std::string expected = packet(1, "\x01") + packet(2, column()) + packet(3, "\x01x") +
                               packet(4, plain_ok(kAutocommit, "", '\xfe'));
  every_two_cuts(
      stream,
      [] {
        ResponseTracker t = hiding(true);
        t.command_sent(0x03);
        return t;
      },
      [&](ResponseTracker& t, const std::string& passed, std::size_t a, std::size_t b) {
        ASSERT_EQ(passed, expected) << a << "," << b;
        EXPECT_TRUE(t.idle());
      });
}

TEST(ResponseTrackerOutput, OnceLostEverythingPassesAsItIs) {
  // An OK with state the tracker cannot decode (its state block is cut
  // short) makes it lost: that OK and all after go on untouched.
  std::string broken = tracked_ok(kAutocommit, "", schema_change("shop"));
  broken.resize(broken.size() - 2);
  const std::string stream =
      packet(1, broken) + packet(1, tracked_ok(kAutocommit, "", "\x01\x01x"));
  every_two_cuts(
      stream,
      [] {
        ResponseTracker t = hiding(true);
        t.command_sent(0x0e);
        t.command_sent(0x0e);
        return t;
      },
      [&](ResponseTracker& t, const std::string& passed, std::size_t a, std::size_t b) {
        EXPECT_EQ(passed, stream) << a << "," << b;
        EXPECT_TRUE(t.lost());
      });
}

TEST(OkPacket, WithoutSessionStateKeepsTheRest) {
  const std::string tracked = tracked_ok(kAutocommit, "Records: 2", schema_change("x"));
  auto plain = without_session_state(
      std::span(reinterpret_cast<const std::uint8_t*>(tracked.data()), tracked.size()));
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, plain_ok(kAutocommit, "Records: 2"));
  const std::string bare = "\x00\x00\x00\x02\x00\x00\x00"s;  // no info, no state
  plain = without_session_state(
      std::span(reinterpret_cast<const std::uint8_t*>(bare.data()), bare.size()));
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, bare);
  const std::string truncated = "\x00\x00"s;
  EXPECT_FALSE(without_session_state(
      std::span(reinterpret_cast<const std::uint8_t*>(truncated.data()), truncated.size())));
}

}  // namespace
}  // namespace borealis::mysql

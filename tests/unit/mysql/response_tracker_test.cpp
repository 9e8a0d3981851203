#include "mysql/response_tracker.hpp"

#include <gtest/gtest.h>

#include "mysql/packets.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

using namespace std::string_literals;

using test::packet;

std::string u16(std::uint16_t v) {
  return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}

std::string lenenc(std::string_view text) {
  std::string out;
  append_lenenc_string(out, text);
  return out;
}

// An OK with status flags, and (with session tracking) the changes given.
std::string ok(std::uint16_t status, std::string session_state = {}, char header = '\0') {
  std::string p(1, header);
  p += "\x00\x00"s;  // affected rows, last insert id
  if (!session_state.empty()) status |= server_status::kSessionStateChanged;
  p += u16(status) + u16(0);
  p += lenenc("");  // info
  if (!session_state.empty()) p += lenenc(session_state);
  return p;
}

std::string entry(SessionTrack type, std::string data) {
  return std::string(1, static_cast<char>(type)) + lenenc(data);
}

std::string eof(std::uint16_t status) { return "\xfe"s + u16(0) + u16(status); }
std::string err() { return "\xff\x28\x04#42000boom"s; }
std::string column() {
  return "\x03"
         "def\x04test\x01t\x01t\x01"
         "a\x01"
         "a\x0c\x3f\x00\x0b\x00\x00\x00\x03\x00\x00\x00\x00\x00"s;
}
std::string row(std::string_view value) { return lenenc(value); }

constexpr std::uint16_t kAutocommit = 0x0002;
constexpr std::uint16_t kInTransaction = 0x0001;
constexpr std::uint16_t kMore = 0x0008;

// Feeds `stream` cut at every point (and whole); checks `check` each time.
template <typename Setup, typename Check>
void every_split(const std::string& stream, Setup setup, Check check) {
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    ResponseTracker tracker = setup();
    tracker.feed(std::string_view(stream).substr(0, cut));
    tracker.feed(std::string_view(stream).substr(cut));
    check(tracker, cut);
  }
}

TEST(ResponseTracker, ClassicResultSetThenOk) {
  std::string stream = packet(1, "\x01") + packet(2, column()) + packet(3, eof(kAutocommit)) +
                       packet(4, row("x")) + packet(5, "\xfe" + std::string(20, 'y')) +  // a row
                       packet(6, eof(kAutocommit)) + packet(1, ok(kInTransaction));
  every_split(
      stream,
      [] {
        ResponseTracker t(false, false);
        t.command_sent(0x03);
        t.command_sent(0x03);  // pipelined
        return t;
      },
      [](ResponseTracker& t, std::size_t cut) {
        EXPECT_TRUE(t.idle()) << cut;
        EXPECT_EQ(t.responses(), 2u) << cut;
        EXPECT_EQ(t.status_flags(), kInTransaction) << cut;
      });
}

TEST(ResponseTracker, NotIdleUntilTheResponseEnds) {
  ResponseTracker t(true, true);
  t.command_sent(0x03);
  EXPECT_FALSE(t.idle());
  t.feed(packet(1, "\x01") + packet(2, column()) + packet(3, row("a")));
  EXPECT_FALSE(t.idle());
  t.feed(packet(4, ok(kAutocommit, {}, '\xfe')));
  EXPECT_TRUE(t.idle());
}

TEST(ResponseTracker, MultiStatementResultsAndSessionTracking) {
  const std::string changes =
      entry(SessionTrack::schema, lenenc("shop")) +
      entry(SessionTrack::system_variables, lenenc("time_zone") + lenenc("+02:00")) +
      entry(SessionTrack::state_change, lenenc("1")) +
      entry(SessionTrack::transaction_state, lenenc("T_______"));
  std::string stream = packet(1, ok(kAutocommit | kMore, changes)) + packet(2, "\x01") +
                       packet(3, column()) + packet(4, row("1")) +
                       packet(5, ok(kAutocommit | kMore, {}, '\xfe')) +  // more after rows
                       packet(6, ok(kAutocommit));
  every_split(
      stream,
      [] {
        ResponseTracker t(true, true);
        t.command_sent(0x03);
        return t;
      },
      [](ResponseTracker& t, std::size_t cut) {
        ASSERT_TRUE(t.idle()) << cut;
        EXPECT_EQ(t.responses(), 1u);
        SessionChanges c = t.take_changes();
        EXPECT_EQ(c.schema, "shop");
        ASSERT_EQ(c.system_variables.size(), 1u);
        EXPECT_EQ(c.system_variables[0].first, "time_zone");
        EXPECT_EQ(c.system_variables[0].second, "+02:00");
        EXPECT_TRUE(c.state_changed);
        EXPECT_EQ(c.transaction_state, "T_______");
        EXPECT_FALSE(t.take_changes().schema);  // taken
      });
}

TEST(ResponseTracker, PreparedStatementsAndCommandsWithoutAnswer) {
  // PREPARE with 1 parameter and 1 column (classic), CLOSE (no answer),
  // EXECUTE with an error, PING.
  std::string prepare_ok = "\x00\x01\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00"s;
  std::string stream = packet(1, prepare_ok) + packet(2, column()) + packet(3, eof(kAutocommit)) +
                       packet(4, column()) + packet(5, eof(kAutocommit)) + packet(1, err()) +
                       packet(1, ok(kAutocommit));
  every_split(
      stream,
      [] {
        ResponseTracker t(false, false);
        t.command_sent(0x16);
        t.command_sent(0x19);  // COM_STMT_CLOSE
        t.command_sent(0x17);
        t.command_sent(0x0e);
        return t;
      },
      [](ResponseTracker& t, std::size_t cut) {
        EXPECT_TRUE(t.idle()) << cut;
        EXPECT_EQ(t.responses(), 3u) << cut;
      });
}

TEST(ResponseTracker, LoadDataLocalAndChangeUser) {
  std::string stream = packet(1,
                              "\xfb"
                              "data.csv") +
                       packet(3, ok(kAutocommit)) +
                       packet(1, "\xfemysql_native_password\x00" + std::string(20, 's') + "\x00"s) +
                       packet(3, ok(kAutocommit));
  every_split(
      stream,
      [] {
        ResponseTracker t(false, false);
        t.command_sent(0x03);
        t.command_sent(0x11);
        return t;
      },
      [](ResponseTracker& t, std::size_t cut) { EXPECT_TRUE(t.idle()) << cut; });
}

TEST(ResponseTracker, RowsOver16MiBAreNoTerminators) {
  // A row of 16 MiB - 1 starting with 0xfe (a long first column), then its
  // continuation, then the real end.
  std::string big(4, '\xff');
  big[3] = 3;
  std::string stream = packet(1, "\x01") + packet(2, column()) + big + "\xfe" +
                       std::string(0xfffffe, 'r') + packet(4, "tail") +
                       packet(5, ok(kAutocommit, {}, '\xfe'));
  ResponseTracker t(true, false);
  t.command_sent(0x03);
  t.feed(stream.substr(0, 100));
  t.feed(stream.substr(100, 70000));
  EXPECT_FALSE(t.idle());
  t.feed(stream.substr(70100));
  EXPECT_TRUE(t.idle());
  EXPECT_FALSE(t.lost());
}

TEST(ResponseTracker, CursorOpenedEndsTheExecute) {
  std::string stream = packet(1, "\x01") + packet(2, column()) +
                       packet(3, eof(kAutocommit | server_status::kCursorExists)) +
                       packet(1, "\x00\x00\x01x"s) + packet(2, eof(kAutocommit | 0x0080));
  ResponseTracker t(false, false);
  t.command_sent(0x17);
  t.feed(stream.substr(0, stream.size() - 18));
  t.command_sent(0x1c);  // COM_STMT_FETCH
  t.feed(stream.substr(stream.size() - 18));
  EXPECT_TRUE(t.idle());
}

TEST(ResponseTracker, WhatItCannotFollowMakesItLost) {
  ResponseTracker unasked(false, false);
  unasked.feed(packet(0, ok(kAutocommit)));
  EXPECT_TRUE(unasked.lost());
  EXPECT_FALSE(unasked.idle());
  ResponseTracker unknown(false, false);
  unknown.command_sent(0x12);  // COM_BINLOG_DUMP
  EXPECT_TRUE(unknown.lost());
  ResponseTracker garbage(false, false);
  garbage.command_sent(0x0e);
  garbage.feed(packet(1, "\x42junk"));
  EXPECT_TRUE(garbage.lost());
}

}  // namespace
}  // namespace borealis::mysql

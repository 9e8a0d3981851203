#include "mysql/response_tracker.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "mysql/packets.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

using namespace std::string_literals;

using test::packet;

using test::lenenc;
using test::u16;

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

// The OK MariaDB 10.11 sent for `SET autocommit=0` with every tracker on,
// byte for byte: its state-change entry is a bare "1".
TEST(ResponseTracker, MariadbsOwnOkWithTrackers) {
  const std::string mariadb_ok =
      "\x00\x00\x00\x00\x40\x00\x00\x00\x14\x00\x0f\x0a"
      "autocommit\x03OFF\x02\x01\x31"s;
  ResponseTracker t(true, true);
  t.command_sent(0x03);
  t.feed(packet(1, mariadb_ok));
  ASSERT_TRUE(t.idle());
  SessionChanges c = t.take_changes();
  ASSERT_EQ(c.system_variables.size(), 1u);
  EXPECT_EQ(c.system_variables[0].first, "autocommit");
  EXPECT_EQ(c.system_variables[0].second, "OFF");
  EXPECT_TRUE(c.state_changed);
}

// Collects what the tracker reports at each response's end.
struct Ends : ResponseObserver {
  std::vector<ResponseEnd> seen;
  void response_ended(ResponseEnd&& end) override { seen.push_back(std::move(end)); }
};

TEST(ResponseTracker, EachResponseEndIsReported) {
  const std::string prepare_ok = "\x00\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"s;
  const std::string changes =
      entry(SessionTrack::schema, lenenc("shop")) + entry(SessionTrack::state_change, lenenc("1"));
  const std::string stream = packet(1, prepare_ok) + packet(1, err()) +
                             packet(1, ok(kAutocommit | kMore, changes)) +
                             packet(2, ok(kAutocommit | kInTransaction));
  Ends ends;
  ResponseTracker t(ResponseFormat{true, true, false, false}, &ends);
  t.command_sent(0x16);
  t.command_sent(0x17);
  t.command_sent(0x03);
  t.feed(stream);
  ASSERT_TRUE(t.idle());
  ASSERT_EQ(ends.seen.size(), 3u);
  EXPECT_EQ(ends.seen[0].command, 0x16);
  EXPECT_EQ(ends.seen[0].statement_id, 7u);
  EXPECT_FALSE(ends.seen[0].failed);
  EXPECT_EQ(ends.seen[1].command, 0x17);
  EXPECT_TRUE(ends.seen[1].failed);
  EXPECT_FALSE(ends.seen[1].statement_id);
  EXPECT_EQ(ends.seen[2].command, 0x03);
  EXPECT_EQ(ends.seen[2].results, 2);
  EXPECT_EQ(ends.seen[2].changes.schema, "shop");
  EXPECT_TRUE(ends.seen[2].changes.state_changed);
  EXPECT_EQ(ends.seen[2].status_flags, kAutocommit | kInTransaction);
}

TEST(ResponseTracker, ProgressReportsAreSkipped) {
  // MariaDB's progress report: ERR with code 0xffff, then progress data.
  const std::string progress = "\xff\xff\xff\x01\x01\x02\x10\x27\x00\x05stage"s;
  const std::string stream = packet(1, progress) + packet(2, progress) + packet(3, ok(kAutocommit));
  every_split(
      stream,
      [] {
        ResponseTracker t(false, false);
        t.command_sent(0x03);
        return t;
      },
      [](ResponseTracker& t, std::size_t cut) {
        EXPECT_TRUE(t.idle()) << cut;
        EXPECT_FALSE(t.lost()) << cut;
        EXPECT_EQ(t.responses(), 1u) << cut;
      });
}

TEST(ResponseTracker, AnAnswerNotStartedIsOneCommandWithNothingBack) {
  ResponseTracker t(true, false);
  EXPECT_FALSE(t.answer_not_started());  // nothing asked
  t.command_sent(0x03);
  EXPECT_TRUE(t.answer_not_started());
  t.feed(packet(1, ok(kAutocommit)).substr(0, 1));  // one byte of the answer
  EXPECT_FALSE(t.answer_not_started());
  t.feed(packet(1, ok(kAutocommit)).substr(1));
  ASSERT_TRUE(t.idle());
  t.command_sent(0x03);
  EXPECT_TRUE(t.answer_not_started());  // the next command's, afresh
  t.command_sent(0x0e);                 // pipelined: two would need answers
  EXPECT_FALSE(t.answer_not_started());

  ResponseTracker progress(true, false);
  progress.command_sent(0x03);
  progress.feed(packet(1, "\xff\xff\xff\x01\x01\x00\x00\x00\x00\x00"s));  // a progress report
  EXPECT_FALSE(progress.idle());
  EXPECT_FALSE(progress.answer_not_started());  // the client has seen a packet
}

TEST(ResponseTracker, CachedMetadataMaySkipTheColumnDefinitions) {
  // MARIADB_CLIENT_CACHE_METADATA: the column count carries "metadata
  // follows"; 0: no definitions (classic: the EOF after them still comes).
  const std::string skipped_classic = packet(1, "\x01\x00"s) + packet(2, eof(kAutocommit)) +
                                      packet(3, row("a")) + packet(4, eof(kAutocommit));
  const std::string skipped_modern =
      packet(1, "\x02\x00"s) + packet(2, row("a")) + packet(3, ok(kAutocommit, {}, '\xfe'));
  const std::string sent_modern = packet(1, "\x01\x01"s) + packet(2, column()) +
                                  packet(3, row("a")) + packet(4, ok(kAutocommit, {}, '\xfe'));
  for (const auto& [stream, deprecate_eof] :
       {std::pair{skipped_classic, false}, {skipped_modern, true}, {sent_modern, true}}) {
    every_split(
        stream,
        [deprecate_eof = deprecate_eof] {
          ResponseTracker t(ResponseFormat{deprecate_eof, false, true, false});
          t.command_sent(0x17);
          return t;
        },
        [](ResponseTracker& t, std::size_t cut) {
          EXPECT_TRUE(t.idle()) << cut;
          EXPECT_FALSE(t.lost()) << cut;
        });
  }
  // Without the capability the extra byte is no column count.
  ResponseTracker plain(true, false);
  plain.command_sent(0x17);
  plain.feed(packet(1, "\x01\x00"s));
  EXPECT_TRUE(plain.lost());
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

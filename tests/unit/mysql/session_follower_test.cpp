#include "mysql/session_follower.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mysql/packets.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

using namespace std::string_literals;
using test::packet;

std::string lenenc(std::string_view text) {
  std::string out;
  append_lenenc_string(out, text);
  return out;
}

// An OK (session tracking on) reporting `state` when not empty.
std::string ok(std::uint16_t status, const std::string& state = {}) {
  std::string p = "\x00\x00\x00"s;
  if (!state.empty()) status |= server_status::kSessionStateChanged;
  p += static_cast<char>(status & 0xff);
  p += static_cast<char>(status >> 8);
  p += "\x00\x00"s + lenenc("");
  if (!state.empty()) p += lenenc(state);
  return p;
}

std::string variable(std::string_view name, std::string_view value) {
  return "\x00"s + lenenc(lenenc(name) + lenenc(value));
}
// As MariaDB 10.11 sends it: the flag bare, not a length-encoded string.
const std::string kStateChanged = "\x02"s + lenenc("1");

struct Session {
  SessionFollower follower{ResponseFormat{true, true, false, false}, "shop"};
  ClientStreamFilter filter{nullptr, &follower};
  std::vector<std::string_view> out;
  std::size_t passed = 0;

  // The client's bytes, in pieces of `piece` bytes.
  void client(const std::string& bytes, std::size_t piece = 1 << 20) {
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      out.clear();
      filter.feed(std::string_view(bytes).substr(at, piece), out);
      for (auto view : out) passed += view.size();
    }
  }
  void server(const std::string& bytes) { follower.server_bytes(bytes); }
};

TEST(SessionFollower, FollowsASetAndItsRestore) {
  for (std::size_t piece : {1u, 3u, 1000u}) {
    Session s;
    const std::string command = packet(0, "\x03SET NAMES latin1");
    s.client(command, piece);
    EXPECT_EQ(s.passed, command.size());
    EXPECT_EQ(s.follower.holds(), hold::kResponse);
    s.server(packet(1, ok(2, variable("character_set_client", "latin1") + kStateChanged)));
    EXPECT_TRUE(s.follower.at_safe_point()) << piece;
    EXPECT_EQ(s.follower.state().restore_statement(),
              "SET SESSION `character_set_client` = 'latin1'");
  }
}

TEST(SessionFollower, ACommandStillArrivingIsUnderWay) {
  Session s;
  const std::string command = packet(0, "\x03SELECT 1");
  s.client(command.substr(0, 7));
  EXPECT_EQ(s.follower.holds(), hold::kResponse);
  s.client(command.substr(7));
  s.server(packet(1, "\x01") +
           packet(2,
                  "\x03"
                  "def\x00\x00\x00\x01"
                  "1\x00\x0c\x3f\x00\x01\x00\x00\x00\x08\x81\x00\x00\x00\x00"s) +
           packet(3, lenenc("1")) + packet(4, "\xfe\x00\x00\x02\x00\x00\x00"s));
  EXPECT_TRUE(s.follower.at_safe_point());
}

TEST(SessionFollower, UserVariablesAndNamedLocksFromTheText) {
  Session s;
  s.client(packet(0, "\x03SELECT GET_LOCK('job', 10)"), 5);
  s.server(packet(1, ok(2)));  // (a stand-in for its result)
  EXPECT_EQ(s.follower.holds(), hold::kNamedLocks);
  Session t;
  t.client(packet(0, "\x03SET @a = 1, NAMES utf8"));
  t.server(packet(1, ok(2, variable("character_set_client", "utf8mb3") + kStateChanged)));
  EXPECT_EQ(t.follower.holds(), hold::kSessionObjects);
}

TEST(SessionFollower, PreparedStatementsByIdBothWays) {
  Session s;
  s.client(packet(0, "\x16SELECT ?"));
  // Prepared: id 9, no columns, 1 parameter (its definition follows).
  s.server(packet(1, "\x00\x09\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"s) +
           packet(2,
                  "\x03"
                  "def\x00\x00\x00\x01?\x00\x0c\x3f\x00\x00\x00\x00\x00\xfd\x80\x00\x00\x00\x00"s));
  EXPECT_EQ(s.follower.holds(), hold::kPrepared);
  s.client(packet(0, "\x17\x09\x00\x00\x00\x00\x01\x00\x00\x00"s), 2);
  s.server(packet(1, ok(2)));
  EXPECT_EQ(s.follower.holds(), hold::kPrepared);
  s.client(packet(0, "\x19\x09\x00\x00\x00"s), 1);  // COM_STMT_CLOSE: no answer
  EXPECT_TRUE(s.follower.at_safe_point());
}

TEST(SessionFollower, ACommandOver16MiBEndsWithItsLastPacket) {
  Session s;
  std::string text = "\x03SELECT '" + std::string(0xffffff - 9, 'x');
  ASSERT_EQ(text.size(), 0xffffffu);
  std::string stream = packet(0, text);
  stream += packet(1, "', GET_LOCK('late', 1)");
  s.client(stream.substr(0, 0x1000000));
  EXPECT_EQ(s.follower.holds(), hold::kResponse);
  s.client(stream.substr(0x1000000));
  s.server(packet(1, ok(2)));
  EXPECT_EQ(s.follower.holds(), hold::kNamedLocks);  // found in the second packet
}

TEST(SessionFollower, AServerSpeakingUnaskedIsNeverSafeAgain) {
  Session s;
  s.server(packet(0, ok(2)));
  EXPECT_TRUE(s.follower.holds() & hold::kUntracked);
  s.client(packet(0, "\x0e"s));
  s.server(packet(1, ok(2)));
  EXPECT_FALSE(s.follower.at_safe_point());
}

}  // namespace
}  // namespace borealis::mysql

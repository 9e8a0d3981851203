// The termination table: every cause and step has its HAProxy letter and
// words, and each path a session can end on writes the letters it always has.
#include "logging/termination.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace borealis::logging;

namespace {

using Cause = TerminationCause;
using Step = TerminationStep;

TEST(Termination, EveryCauseHasOneLetterAndWords) {
  std::set<char> seen;
  for (std::size_t i = 0; i < kTerminationCauseCount; ++i) {
    auto cause = static_cast<Cause>(i);
    char c = letter(cause);
    EXPECT_NE(c, '\0') << i;
    EXPECT_TRUE(seen.insert(c).second) << "letter " << c << " used twice";
    EXPECT_FALSE(describe({cause, Step::data}).empty()) << i;
  }
}

TEST(Termination, EveryStepHasOneLetterAndWords) {
  std::set<char> seen;
  for (std::size_t i = 0; i < kTerminationStepCount; ++i) {
    auto step = static_cast<Step>(i);
    char c = letter(step);
    EXPECT_NE(c, '\0') << i;
    EXPECT_TRUE(seen.insert(c).second) << "letter " << c << " used twice";
    bool has_row = false;
    for (const auto& row : termination_table()) has_row |= row.state.step == step;
    EXPECT_TRUE(has_row) << i;
  }
}

TEST(Termination, EveryRowHasWordsAndTheLettersOfItsValues) {
  for (const auto& row : termination_table()) {
    EXPECT_FALSE(row.words.empty());
    EXPECT_EQ(row.letters[0], letter(row.state.cause));
    EXPECT_EQ(row.letters[1], letter(row.state.step));
    EXPECT_EQ(describe(row.state), row.words);
  }
}

// The letters of each path, as HAProxy writes them and the e2e tests read them.
TEST(Termination, KnownPathsKeepTheirLetters) {
  EXPECT_EQ(letters({}), "--");                                      // closed normally
  EXPECT_EQ(letters({Cause::proxy, Step::request}), "PR");           // frontend without backend
  EXPECT_EQ(letters({Cause::server_abort, Step::connect}), "SC");    // refused, none available
  EXPECT_EQ(letters({Cause::server_timeout, Step::connect}), "sC");  // connect timeout
  EXPECT_EQ(letters({Cause::killed, Step::none}), "K-");             // shutdown sessions
  EXPECT_EQ(letters({Cause::server_timeout, Step::queue}), "sQ");    // queue timeout
  EXPECT_EQ(letters({Cause::client_timeout, Step::data}), "cD");     // client idle
  EXPECT_EQ(letters({Cause::client_abort, Step::data}), "CD");
  EXPECT_EQ(letters({Cause::server_timeout, Step::data}), "sD");  // server idle
  EXPECT_EQ(letters({Cause::server_abort, Step::data}), "SD");
}

// The words of the line written without `option tcplog`.
TEST(Termination, WordsForTheLog) {
  EXPECT_EQ(describe({Cause::proxy, Step::request}), "frontend has no backend");
  EXPECT_EQ(describe({Cause::server_abort, Step::connect}),
            "no server available or server refused the connection");
  EXPECT_EQ(describe({Cause::server_timeout, Step::connect}), "timed out connecting to the server");
  EXPECT_EQ(describe({Cause::server_timeout, Step::queue}),
            "timed out waiting in queue for a server");
  EXPECT_EQ(describe({Cause::client_timeout, Step::data}), "client idle timeout");
  EXPECT_EQ(describe({Cause::client_abort, Step::data}), "client aborted the connection");
  EXPECT_EQ(describe({Cause::server_timeout, Step::data}), "server idle timeout");
  EXPECT_EQ(describe({Cause::server_abort, Step::data}), "server aborted the connection");
  EXPECT_EQ(describe({}), "closed");
}

// A pair the table does not list takes its cause's first words.
TEST(Termination, UnlistedPairUsesTheCausesWords) {
  EXPECT_EQ(describe({Cause::server_abort, Step::queue}), "server aborted the connection");
  EXPECT_EQ(describe({Cause::client_abort, Step::connect}), "client aborted the connection");
  EXPECT_EQ(letters({Cause::client_abort, Step::connect}), "CC");
}

}  // namespace

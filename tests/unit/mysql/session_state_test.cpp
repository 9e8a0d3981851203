#include "mysql/session_state.hpp"

#include <gtest/gtest.h>

#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

constexpr std::uint8_t kQuery = 0x03;
constexpr std::uint8_t kInitDb = 0x02;
constexpr std::uint8_t kPrepare = 0x16;
constexpr std::uint8_t kExecute = 0x17;
constexpr std::uint8_t kClose = 0x19;
constexpr std::uint8_t kReset = 0x1f;
constexpr std::uint8_t kChangeUser = 0x11;
constexpr std::uint16_t kAutocommit = server_status::kAutocommit;
constexpr std::uint16_t kInTrans = server_status::kInTransaction;

ResponseEnd ok(std::uint8_t command, std::uint16_t status = kAutocommit,
               SessionChanges changes = {}, int results = 1) {
  ResponseEnd end;
  end.command = command;
  end.status_flags = status;
  end.changes = std::move(changes);
  end.results = results;
  return end;
}

// Runs one query through the state: sent, then its response ended.
void query(SessionState& state, std::string_view sql, ResponseEnd end) {
  state.command_sent(kQuery, hints_for(sql));
  state.response_ended(std::move(end));
}

SessionChanges variables(std::vector<std::pair<std::string, std::string>> list,
                         bool state_changed = true) {
  SessionChanges changes;
  changes.system_variables = std::move(list);
  changes.state_changed = state_changed;
  return changes;
}

TEST(SessionState, FreshSessionIsAtASafePoint) {
  SessionState state("shop");
  EXPECT_TRUE(state.at_safe_point());
  EXPECT_EQ(state.schema(), "shop");
  EXPECT_EQ(state.restore_statement(), "");
}

TEST(SessionState, NotSafeWhileACommandIsUnderWay) {
  SessionState state("");
  state.command_sent(kQuery, hints_for("SELECT SLEEP(10)"));
  EXPECT_EQ(state.holds(), hold::kResponse);
  state.response_ended(ok(kQuery));
  EXPECT_TRUE(state.at_safe_point());
}

TEST(SessionState, PlainSetIsRestoredWithNumbersBareAndTextQuoted) {
  SessionState state("");
  query(state, "SET NAMES latin1, wait_timeout = 60",
        ok(kQuery, kAutocommit,
           variables({{"character_set_client", "latin1"},
                      {"wait_timeout", "60"},
                      {"character_set_client", "latin1"}})));
  query(state, "SET sql_mode = 'it''s'",
        ok(kQuery, kAutocommit, variables({{"sql_mode", "it's"}})));
  query(state, "SET wait_timeout = 30",
        ok(kQuery, kAutocommit, variables({{"wait_timeout", "30"}})));
  EXPECT_TRUE(state.at_safe_point());
  EXPECT_EQ(state.restore_statement(),
            "SET SESSION `character_set_client` = 'latin1', `wait_timeout` = 30, "
            "`sql_mode` = 'it\\'s'");
}

TEST(SessionState, SchemaFollowsTheTracker) {
  SessionState state("a");
  SessionChanges changes;
  changes.schema = "b";
  changes.state_changed = true;
  state.command_sent(kInitDb);
  state.response_ended(ok(kInitDb, kAutocommit, changes));
  EXPECT_EQ(state.schema(), "b");
  changes.schema = "c";
  query(state, "USE c", ok(kQuery, kAutocommit, changes));
  EXPECT_EQ(state.schema(), "c");
  EXPECT_TRUE(state.at_safe_point());
}

TEST(SessionState, TransactionsByStatusFlagAndTracker) {
  SessionState state("");
  query(state, "BEGIN", ok(kQuery, kAutocommit | kInTrans));
  EXPECT_EQ(state.holds(), hold::kTransaction);
  query(state, "COMMIT", ok(kQuery, kAutocommit));
  EXPECT_TRUE(state.at_safe_point());
  // LOCK TABLES: no transaction flag, the tracker's 'L'.
  SessionChanges locked;
  locked.transaction_state = "_______L";
  query(state, "LOCK TABLES t WRITE", ok(kQuery, kAutocommit, locked));
  EXPECT_EQ(state.holds(), hold::kLockedTables);
  SessionChanges unlocked;
  unlocked.transaction_state = "________";
  query(state, "UNLOCK TABLES", ok(kQuery, kAutocommit, unlocked));
  EXPECT_TRUE(state.at_safe_point());
  // An implicit transaction (autocommit off) seen by the tracker only.
  SessionChanges implicit;
  implicit.transaction_state = "I___W___";
  query(state, "INSERT INTO t VALUES (1)", ok(kQuery, 0, implicit));
  EXPECT_EQ(state.holds(), hold::kTransaction);
}

TEST(SessionState, UnexplainedStateChangesStickUntilAReset) {
  SessionState state("");
  SessionChanges changed;
  changed.state_changed = true;
  query(state, "SET @a = 1", ok(kQuery, kAutocommit, changed));
  EXPECT_EQ(state.holds(), hold::kSessionObjects);
  query(state, "SELECT 1", ok(kQuery));
  EXPECT_EQ(state.holds(), hold::kSessionObjects);  // still
  state.command_sent(kReset);
  state.response_ended(ok(kReset));
  EXPECT_TRUE(state.at_safe_point());
  query(state, "CREATE TEMPORARY TABLE t (a INT)", ok(kQuery, kAutocommit, changed));
  EXPECT_EQ(state.holds(), hold::kSessionObjects);
}

TEST(SessionState, ASetThatAlsoSetsAUserVariableIsNotExplained) {
  SessionState state("");
  query(state, "SET NAMES utf8, @a = 1",
        ok(kQuery, kAutocommit, variables({{"character_set_client", "utf8mb3"}})));
  EXPECT_EQ(state.holds(), hold::kSessionObjects);
  SessionState multi("");
  query(multi, "SET NAMES utf8", ok(kQuery, kAutocommit, variables({{"x", "1"}}), 2));
  EXPECT_EQ(multi.holds(), hold::kSessionObjects);  // more than one result: not one statement
}

TEST(SessionState, PreparedStatementsHoldUntilClosed) {
  SessionState state("");
  state.command_sent(kPrepare, hints_for("SELECT ?"));
  ResponseEnd prepared = ok(kPrepare);
  prepared.statement_id = 7;
  prepared.changes.state_changed = true;  // explained: counted apart
  state.response_ended(std::move(prepared));
  EXPECT_EQ(state.holds(), hold::kPrepared);
  EXPECT_EQ(describe_holds(state.holds(), state.prepared_statements()),
            "1 prepared statement is open");
  state.command_sent(kExecute, {}, 7);
  state.response_ended(ok(kExecute));
  state.command_sent(kClose, {}, 7);
  EXPECT_TRUE(state.at_safe_point());
  // A failed prepare opens nothing.
  state.command_sent(kPrepare, hints_for("SELEC"));
  ResponseEnd failed;
  failed.command = kPrepare;
  failed.failed = true;
  state.response_ended(std::move(failed));
  EXPECT_TRUE(state.at_safe_point());
}

TEST(SessionState, ExecuteOfAPreparedSetUsesItsText) {
  SessionState state("");
  state.command_sent(kPrepare, hints_for("SET @a = ?"));
  ResponseEnd prepared = ok(kPrepare);
  prepared.statement_id = 1;
  state.response_ended(std::move(prepared));
  state.command_sent(kClose, {}, 1);
  state.command_sent(kPrepare, hints_for("SET @a = ?"));
  prepared = ok(kPrepare);
  prepared.statement_id = 2;
  state.response_ended(std::move(prepared));
  state.command_sent(kExecute, {}, 2);
  SessionChanges changed;
  changed.state_changed = true;
  state.response_ended(ok(kExecute, kAutocommit, changed));
  state.command_sent(kClose, {}, 2);
  EXPECT_EQ(state.holds(), hold::kSessionObjects);
}

TEST(SessionState, NamedLocksUntilAllAreReleased) {
  SessionState state("");
  query(state, "SELECT GET_LOCK('job', 1)", ok(kQuery));
  EXPECT_EQ(state.holds(), hold::kNamedLocks);
  query(state, "SELECT RELEASE_LOCK('job')", ok(kQuery));
  EXPECT_EQ(state.holds(), hold::kNamedLocks);  // others may remain
  query(state, "SELECT RELEASE_ALL_LOCKS()", ok(kQuery));
  EXPECT_TRUE(state.at_safe_point());
}

TEST(SessionState, NextTransactionCharacteristicsAndTrackerChanges) {
  SessionState state("");
  SessionChanges next;
  next.transaction_characteristics = "SET TRANSACTION READ ONLY;";
  query(state, "SET TRANSACTION READ ONLY", ok(kQuery, kAutocommit, next));
  EXPECT_EQ(state.holds(), hold::kNextTransaction);
  next.transaction_characteristics = "";
  query(state, "SELECT 1", ok(kQuery, kAutocommit, next));
  EXPECT_TRUE(state.at_safe_point());
  query(state, "SET session_track_schema = OFF",
        ok(kQuery, kAutocommit, variables({{"session_track_schema", "OFF"}})));
  EXPECT_EQ(state.holds(), hold::kTrackers);
}

TEST(SessionState, ChangeUserStartsAfreshButIsNotContinued) {
  SessionState state("a");
  query(state, "SET wait_timeout = 5", ok(kQuery, kAutocommit, variables({{"wait_timeout", "5"}})));
  query(state, "SELECT GET_LOCK('x', 1)", ok(kQuery));
  SessionChanges changes;
  changes.schema = "b";
  state.command_sent(kChangeUser);
  state.response_ended(ok(kChangeUser, kAutocommit, changes));
  EXPECT_EQ(state.holds(), hold::kChangedUser);
  EXPECT_EQ(state.schema(), "b");
  EXPECT_EQ(state.restore_statement(), "");
  state.command_sent(kReset);
  state.response_ended(ok(kReset));
  EXPECT_EQ(state.holds(), hold::kChangedUser);  // for good
}

TEST(SessionState, AChangeOfUserBorealisCanMakeAgainIsContinued) {
  SessionState state("a");
  query(state, "SET wait_timeout = 5", ok(kQuery, kAutocommit, variables({{"wait_timeout", "5"}})));
  query(state, "SELECT GET_LOCK('x', 1)", ok(kQuery));
  state.command_sent(kChangeUser);
  state.change_of_user_continues_in("c");
  state.response_ended(ok(kChangeUser));
  EXPECT_TRUE(state.at_safe_point());
  EXPECT_EQ(state.schema(), "c");
  EXPECT_EQ(state.restore_statement(), "");
  // That is the new last safe point.
  query(state, "BEGIN", ok(kQuery, kAutocommit | kInTrans));
  ASSERT_TRUE(state.fall_back_to_last_safe_point());
  EXPECT_EQ(state.schema(), "c");
  // A change the server refused is not continued: whose session is it?
  state.command_sent(kChangeUser);
  state.change_of_user_continues_in("d");
  ResponseEnd refused = ok(kChangeUser);
  refused.failed = true;
  state.response_ended(std::move(refused));
  EXPECT_EQ(state.holds(), hold::kChangedUser);
  EXPECT_EQ(state.schema(), "c");
}

TEST(SessionState, FallsBackToItsLastSafePoint) {
  SessionState state("a");
  query(state, "SET wait_timeout = 5", ok(kQuery, kAutocommit, variables({{"wait_timeout", "5"}})));
  query(state, "BEGIN", ok(kQuery, kAutocommit | kInTrans));
  SessionChanges inside = variables({{"sql_mode", "ANSI"}});
  inside.schema = "b";
  query(state, "SET sql_mode = 'ANSI'", ok(kQuery, kAutocommit | kInTrans, inside));
  query(state, "SELECT GET_LOCK('x', 1)", ok(kQuery, kAutocommit | kInTrans));
  EXPECT_EQ(state.holds(), hold::kTransaction | hold::kNamedLocks);
  ASSERT_TRUE(state.fall_back_to_last_safe_point());
  EXPECT_TRUE(state.at_safe_point());
  EXPECT_EQ(state.schema(), "a");
  EXPECT_EQ(state.restore_statement(), "SET SESSION `wait_timeout` = 5");
  // Not after a change of user.
  state.command_sent(kChangeUser);
  state.response_ended(ok(kChangeUser));
  EXPECT_FALSE(state.fall_back_to_last_safe_point());
}

TEST(SessionState, AResponseToNothingLosesTrackForGood) {
  SessionState state("");
  state.response_ended(ok(kQuery));
  EXPECT_EQ(state.holds(), hold::kUntracked);
  state.command_sent(kReset);
  state.response_ended(ok(kReset));
  EXPECT_EQ(state.holds(), hold::kUntracked);
}

}  // namespace
}  // namespace borealis::mysql

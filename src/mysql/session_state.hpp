// A `mode mysql` client session as session continuity sees it, built from
// the commands the client sends and the responses the server ends (see
// response_tracker.hpp), with the server's session trackers on:
// - what a fresh server connection, logged in as the same user with the
//   same character set, must be given to continue the session: the
//   schema and the session variables changed since the login;
// - what no fresh connection can be given: an open transaction, locked
//   tables, prepared statements, user variables, temporary tables, named
//   locks. While any of these holds, the session is not at a safe point.
// docs/session-continuity.md lists the rules and why each one is there.
// Pure bookkeeping: no I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mysql/response_tracker.hpp"
#include "mysql/statement_hints.hpp"

namespace borealis::mysql {

// Why a session is not at a safe point; several may hold at once.
namespace hold {
constexpr std::uint32_t kResponse = 1u << 0;         // a command's response is under way
constexpr std::uint32_t kUntracked = 1u << 1;        // the stream could not be followed
constexpr std::uint32_t kTransaction = 1u << 2;      // a transaction is open
constexpr std::uint32_t kLockedTables = 1u << 3;     // LOCK TABLES
constexpr std::uint32_t kPrepared = 1u << 4;         // prepared statements are open
constexpr std::uint32_t kSessionObjects = 1u << 5;   // user variables, temporary tables, ...
constexpr std::uint32_t kNamedLocks = 1u << 6;       // GET_LOCK() was called
constexpr std::uint32_t kNextTransaction = 1u << 7;  // SET TRANSACTION for the next one only
constexpr std::uint32_t kTrackers = 1u << 8;         // the client changed session_track_*
constexpr std::uint32_t kChangedUser = 1u << 9;      // COM_CHANGE_USER: not continued
}  // namespace hold

// "a transaction is open, 2 prepared statements are open", for logs.
std::string describe_holds(std::uint32_t holds, std::size_t prepared_statements = 0);

class SessionState : public ResponseObserver {
 public:
  // `schema`: the one the client logged in with (may be empty).
  explicit SessionState(std::string schema) : schema_(std::move(schema)) {}

  // The client sent a command (its first payload byte) with what its text
  // says (COM_QUERY, COM_STMT_PREPARE) or the statement it names
  // (COM_STMT_EXECUTE, COM_STMT_CLOSE). Commands without a response are
  // settled here.
  void command_sent(std::uint8_t command, const StatementHints& hints = {},
                    std::uint32_t statement = 0);
  // The server ended the oldest outstanding command's response.
  void response_ended(ResponseEnd&& end) override;
  // The COM_CHANGE_USER under way logs in as an account borealis can log
  // in as again, in `schema` (nullopt: it cannot; the session will not be
  // continued once the command ends).
  void change_of_user_continues_in(std::optional<std::string> schema) {
    change_user_schema_ = std::move(schema);
  }
  // The stream can no longer be followed: never at a safe point again.
  void lose_track() { sticky_ |= hold::kUntracked; }

  std::uint32_t holds() const;
  bool at_safe_point() const { return holds() == 0; }
  std::size_t prepared_statements() const { return statements_.size(); }

  const std::string& schema() const { return schema_; }
  // Session variables changed since the login, each with its last value,
  // in the order they were first changed.
  const std::vector<std::pair<std::string, std::string>>& variables() const { return variables_; }
  // One statement that gives a fresh connection these variables ("SET
  // SESSION `a` = 1, `b` = 'x'"), or empty when none changed.
  std::string restore_statement() const;

  // The session lost what it held (its server connection ended away from
  // a safe point): it goes on from its last safe point, with that
  // point's schema and variables. False when it cannot (the stream was
  // not followed, the user changed): then it does not go on.
  bool fall_back_to_last_safe_point();

 private:
  struct Outstanding {
    std::uint8_t command;
    StatementHints hints;
    std::uint32_t statement;
  };
  void apply_changes(const SessionChanges& changes, const Outstanding& sent, int results);
  void set_variable(const std::string& name, const std::string& value);
  void reset_session();
  void remember_if_safe();
  void change_of_user_ended(bool failed);

  // The schema and variables at the last safe point.
  struct SafePoint {
    std::string schema;
    std::vector<std::pair<std::string, std::string>> variables;
  };

  std::string schema_;
  std::vector<std::pair<std::string, std::string>> variables_;
  std::deque<Outstanding> outstanding_;
  std::set<std::uint32_t> statements_;
  std::map<std::uint32_t, StatementHints> statement_hints_;  // what each prepared text says
  std::string transaction_state_;  // the transaction tracker's last report
  bool in_transaction_ = false;    // SERVER_STATUS_IN_TRANS
  bool next_transaction_ = false;
  std::uint32_t sticky_ = 0;  // holds only a reset (or a change of user) clears
  std::optional<std::string> change_user_schema_;  // see change_of_user_continues_in()
  SafePoint last_safe_{schema_, {}};
  bool changed_since_safe_ = false;  // schema or variables differ from last_safe_
};

}  // namespace borealis::mysql

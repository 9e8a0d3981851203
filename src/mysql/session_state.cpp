#include "mysql/session_state.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

constexpr std::uint8_t kComQuit = 0x01;
constexpr std::uint8_t kComInitDb = 0x02;
constexpr std::uint8_t kComQuery = 0x03;
constexpr std::uint8_t kComChangeUser = 0x11;
constexpr std::uint8_t kComStmtPrepare = 0x16;
constexpr std::uint8_t kComStmtExecute = 0x17;
constexpr std::uint8_t kComStmtSendLongData = 0x18;
constexpr std::uint8_t kComStmtClose = 0x19;
constexpr std::uint8_t kComResetConnection = 0x1f;

bool has_response(std::uint8_t command) {
  return command != kComQuit && command != kComStmtSendLongData && command != kComStmtClose;
}

bool is_number(std::string_view value) {
  std::size_t at = value.starts_with('-') ? 1 : 0;
  if (at == value.size()) return false;
  bool dot = false;
  for (; at < value.size(); ++at) {
    if (value[at] == '.' && !dot) {
      dot = true;
      continue;
    }
    if (value[at] < '0' || value[at] > '9') return false;
  }
  return value.back() != '.';
}

// A value as SQL: numbers bare (numeric variables refuse strings), the
// rest as a quoted string.
std::string sql_value(std::string_view value) {
  if (is_number(value)) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string sql_name(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

}  // namespace

std::string describe_holds(std::uint32_t holds, std::size_t prepared_statements) {
  std::vector<std::string> parts;
  if (holds & hold::kResponse) parts.emplace_back("a command is under way");
  if (holds & hold::kUntracked) parts.emplace_back("the session could not be followed");
  if (holds & hold::kTransaction) parts.emplace_back("a transaction is open");
  if (holds & hold::kLockedTables) parts.emplace_back("tables are locked (LOCK TABLES)");
  if (holds & hold::kPrepared)
    parts.push_back(fmt::format("{} prepared statement{} open", prepared_statements,
                                prepared_statements == 1 ? " is" : "s are"));
  if (holds & hold::kSessionObjects)
    parts.emplace_back("user variables, temporary tables or SQL prepared statements may exist");
  if (holds & hold::kNamedLocks) parts.emplace_back("named locks may be held (GET_LOCK)");
  if (holds & hold::kNextTransaction)
    parts.emplace_back("characteristics are set for the next transaction");
  if (holds & hold::kTrackers) parts.emplace_back("the client changed the session trackers");
  if (holds & hold::kChangedUser) parts.emplace_back("the session changed its user");
  return fmt::format("{}", fmt::join(parts, ", "));
}

void SessionState::command_sent(std::uint8_t command, const StatementHints& hints,
                                std::uint32_t statement) {
  if (command == kComStmtClose) {
    statements_.erase(statement);
    statement_hints_.erase(statement);
    remember_if_safe();
    return;
  }
  if (!has_response(command)) return;
  Outstanding sent{command, hints, statement};
  // An execute does what its statement's text says.
  if (command == kComStmtExecute) {
    auto found = statement_hints_.find(statement);
    if (found != statement_hints_.end()) sent.hints = found->second;
  }
  outstanding_.push_back(sent);
}

void SessionState::response_ended(ResponseEnd&& end) {
  if (outstanding_.empty()) {
    sticky_ |= hold::kUntracked;  // a response to nothing borealis saw sent
    return;
  }
  const Outstanding sent = outstanding_.front();
  outstanding_.pop_front();
  in_transaction_ = end.status_flags & server_status::kInTransaction;
  // Named locks: conservative both ways (a GET_LOCK that failed may still
  // be part of a statement that took another).
  if (sent.hints.get_lock)
    sticky_ |= hold::kNamedLocks;
  else if (sent.hints.release_all_locks && !end.failed)
    sticky_ &= ~hold::kNamedLocks;
  const bool reset = sent.command == kComResetConnection || sent.command == kComChangeUser;
  if (reset && !end.failed) reset_session();
  if (sent.command == kComChangeUser) change_of_user_ended(end.failed);
  if (sent.command == kComStmtPrepare && end.statement_id) {
    statements_.insert(*end.statement_id);
    statement_hints_[*end.statement_id] = sent.hints;
  }
  apply_changes(end.changes, sent, end.results);
  remember_if_safe();
}

// A change of user that borealis proved and that succeeded starts the
// session afresh in the schema it named, as borealis's next login would.
// Any other (or a failed one, after which the server's idea of the user is
// not borealis's to guess): the login borealis would make again may no
// longer be the session's.
void SessionState::change_of_user_ended(bool failed) {
  if (!failed && change_user_schema_) {
    schema_ = *change_user_schema_;
    changed_since_safe_ = true;
  } else {
    sticky_ |= hold::kChangedUser;
  }
  change_user_schema_.reset();
}

// (Copies only when something changed: this runs at every response's end.)
void SessionState::remember_if_safe() {
  if (!changed_since_safe_ || holds() != 0) return;
  changed_since_safe_ = false;
  last_safe_.schema = schema_;
  last_safe_.variables = variables_;
}

bool SessionState::fall_back_to_last_safe_point() {
  if (sticky_ & (hold::kUntracked | hold::kChangedUser)) return false;
  schema_ = last_safe_.schema;
  variables_ = last_safe_.variables;
  outstanding_.clear();
  statements_.clear();
  statement_hints_.clear();
  transaction_state_.clear();
  in_transaction_ = next_transaction_ = false;
  sticky_ = 0;
  changed_since_safe_ = false;
  return true;
}

// A state change that no tracker entry explains is a user variable, a
// temporary table, an SQL prepared statement, ...: nothing a fresh
// connection can be given. Explained: a plain SET or USE (its changes
// are all reported), COM_INIT_DB, a reset, a prepare (its statement is
// counted apart).
void SessionState::apply_changes(const SessionChanges& changes, const Outstanding& sent,
                                 int results) {
  if (changes.schema) {
    schema_ = *changes.schema;
    changed_since_safe_ = true;
  }
  for (const auto& [name, value] : changes.system_variables) {
    if (name.starts_with("session_track_")) sticky_ |= hold::kTrackers;
    set_variable(name, value);
  }
  if (changes.transaction_state) transaction_state_ = *changes.transaction_state;
  if (changes.transaction_characteristics)
    next_transaction_ = !changes.transaction_characteristics->empty();
  if (!changes.state_changed) return;
  const bool plain = (sent.command == kComQuery || sent.command == kComStmtExecute) &&
                     sent.hints.plain_set && results <= 1;
  const bool explained = plain || sent.command == kComInitDb ||
                         sent.command == kComResetConnection || sent.command == kComChangeUser ||
                         sent.command == kComStmtPrepare;
  if (!explained) sticky_ |= hold::kSessionObjects;
}

void SessionState::set_variable(const std::string& name, const std::string& value) {
  changed_since_safe_ = true;
  auto found = std::find_if(variables_.begin(), variables_.end(),
                            [&](const auto& variable) { return variable.first == name; });
  if (found != variables_.end())
    found->second = value;
  else
    variables_.emplace_back(name, value);
}

// COM_RESET_CONNECTION and COM_CHANGE_USER give the session a fresh
// start on the same connection: what it held is gone (the schema stays,
// or comes with the change of user).
void SessionState::reset_session() {
  changed_since_safe_ = true;
  variables_.clear();
  statements_.clear();
  statement_hints_.clear();
  transaction_state_.clear();
  in_transaction_ = next_transaction_ = false;
  sticky_ &= hold::kUntracked | hold::kChangedUser;
}

std::uint32_t SessionState::holds() const {
  std::uint32_t holds = sticky_;
  if (!outstanding_.empty()) holds |= hold::kResponse;
  // The transaction tracker's 8 characters: the first says whether a
  // transaction is open (T, I) or not (_), the last 'L' locked tables.
  const bool transaction_open =
      !transaction_state_.empty() && (transaction_state_[0] == 'T' || transaction_state_[0] == 'I');
  if (in_transaction_ || transaction_open) holds |= hold::kTransaction;
  if (transaction_state_.size() >= 8 && transaction_state_[7] == 'L') holds |= hold::kLockedTables;
  if (!statements_.empty()) holds |= hold::kPrepared;
  if (next_transaction_) holds |= hold::kNextTransaction;
  return holds;
}

std::string SessionState::restore_statement() const {
  if (variables_.empty()) return {};
  std::string sql = "SET SESSION ";
  for (std::size_t i = 0; i < variables_.size(); ++i) {
    if (i) sql += ", ";
    sql += sql_name(variables_[i].first) + " = " + sql_value(variables_[i].second);
  }
  return sql;
}

}  // namespace borealis::mysql

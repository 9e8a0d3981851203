#include "mysql/session_follower.hpp"

#include <algorithm>

namespace borealis::mysql {
namespace {

constexpr std::uint8_t kComQuery = 0x03;
constexpr std::uint8_t kComStmtPrepare = 0x16;

}  // namespace

// COM_STMT_EXECUTE, SEND_LONG_DATA, CLOSE, RESET, FETCH: a statement id
// first.
bool SessionFollower::names_statement(std::uint8_t command) {
  return command >= 0x17 && command <= 0x1c && command != 0x1b;
}

bool SessionFollower::has_text(std::uint8_t command) {
  return command == kComQuery || command == kComStmtPrepare;
}

void SessionFollower::command_started(std::uint8_t command) {
  command_ = command;
  receiving_ = true;
  statement_bytes_ = 0;
  // Told before the server can answer: the relay passes the command on
  // only after this.
  tracker_.command_sent(command);
  if (tracker_.lost()) state_.lose_track();
}

void SessionFollower::command_bytes(std::string_view bytes) {
  if (has_text(command_)) scanner_.feed(bytes);
  if (names_statement(command_) && statement_bytes_ < statement_.size()) {
    const std::size_t take = std::min(statement_.size() - statement_bytes_, bytes.size());
    std::copy_n(bytes.begin(), take,
                statement_.begin() + static_cast<std::ptrdiff_t>(statement_bytes_));
    statement_bytes_ += take;
  }
}

void SessionFollower::command_ended() {
  receiving_ = false;
  const StatementHints hints = has_text(command_) ? scanner_.finish() : StatementHints{};
  std::uint32_t statement = 0;
  if (statement_bytes_ == statement_.size())
    statement = static_cast<std::uint32_t>(statement_[0]) |
                (static_cast<std::uint32_t>(statement_[1]) << 8) |
                (static_cast<std::uint32_t>(statement_[2]) << 16) |
                (static_cast<std::uint32_t>(statement_[3]) << 24);
  state_.command_sent(command_, hints, statement);
}

void SessionFollower::server_bytes(std::string_view chunk) {
  tracker_.feed(chunk);
  if (tracker_.lost()) state_.lose_track();
}

void SessionFollower::server_bytes(std::string_view chunk, std::vector<std::string_view>& out) {
  tracker_.feed(chunk, out);
  if (tracker_.lost()) state_.lose_track();
}

}  // namespace borealis::mysql

#include "frontend/command_translator.hpp"

#include "frontend/session_directory.hpp"
#include "mysql/change_user.hpp"
#include "mysql/kill_statement.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::frontend {
namespace {

// The longest `KILL HARD CONNECTION 18446744073709551615;` with spaces to
// spare: longer COM_QUERY packets are never held.
constexpr std::uint32_t kLongestKill = 64;

}  // namespace

bool CommandTranslator::wants(std::uint8_t sequence, bool command, int first_byte,
                              std::uint32_t length) {
  if (command) {
    awaiting_answer_ = false;
    if (first_byte == mysql::kComChangeUser) return true;
    if (first_byte == mysql::kComProcessKill) return true;
    return first_byte == mysql::kComQuery && length <= kLongestKill;
  }
  return awaiting_answer_ && sequence == 2 && length == mysql::kScrambleLength;
}

std::optional<std::string> CommandTranslator::rewrite(std::uint8_t sequence,
                                                      std::string_view payload) {
  if (sequence != 0) {
    awaiting_answer_ = false;
    return handshake_.answer_for_server();
  }
  if (!payload.empty() && static_cast<std::uint8_t>(payload.front()) == mysql::kComChangeUser)
    return change_user(payload);
  return kill(payload);
}

std::optional<std::string> CommandTranslator::change_user(std::string_view payload) {
  auto table = accounts_ ? accounts_->accounts() : configured_;
  auto rewritten = handshake_.change_user_for_server(payload, table.get(), server_address_);
  awaiting_answer_ = handshake_.logged_in_for_client();
  // Told before the server can answer: the command goes on after this.
  if (follower_) {
    std::optional<std::string> schema;
    if (handshake_.logged_in_for_client()) schema = handshake_.client().database;
    follower_->change_of_user_continues_in(std::move(schema));
  }
  return rewritten;
}

// Ids beyond 32 bits were never a greeting's; a session on another server
// cannot be reached from this connection (the server answers "Unknown
// thread id", as it would without borealis).
std::optional<std::string> CommandTranslator::kill(std::string_view payload) const {
  auto command = mysql::parse_kill(payload);
  if (!command || command->id > 0xffffffffu) return std::nullopt;
  auto target = SessionDirectory::instance().find(static_cast<std::uint32_t>(command->id));
  if (!target || target->server != server_) return std::nullopt;
  return mysql::encode_kill(*command, target->thread_id);
}

}  // namespace borealis::frontend

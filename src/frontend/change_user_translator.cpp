#include "frontend/change_user_translator.hpp"

#include "mysql/change_user.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::frontend {

bool ChangeUserTranslator::wants(std::uint8_t sequence, bool command, int first_byte,
                                 std::uint32_t length) {
  if (command) {
    awaiting_answer_ = false;
    return first_byte == mysql::kComChangeUser;
  }
  return awaiting_answer_ && sequence == 2 && length == mysql::kScrambleLength;
}

std::optional<std::string> ChangeUserTranslator::rewrite(std::uint8_t sequence,
                                                         std::string_view payload) {
  if (sequence == 0) {
    auto table = accounts_ ? accounts_->accounts() : nullptr;
    auto rewritten = handshake_.change_user_for_server(payload, table.get(), server_address_);
    awaiting_answer_ = handshake_.logged_in_for_client();
    return rewritten;
  }
  awaiting_answer_ = false;
  return handshake_.answer_for_server();
}

}  // namespace borealis::frontend

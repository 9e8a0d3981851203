#include "mysql/kill_statement.hpp"

#include <fmt/format.h>

#include <cctype>

namespace borealis::mysql {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void skip_spaces(std::string_view& text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
}

// Takes `word` (any case) when it is followed by a space.
bool take_word(std::string_view& text, std::string_view word) {
  if (text.size() <= word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
  if (!is_space(text[word.size()])) return false;
  text.remove_prefix(word.size());
  skip_spaces(text);
  return true;
}

std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    if (digits == 19) return std::nullopt;  // beyond any thread id
    value = value * 10 + static_cast<std::uint64_t>(text[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  text.remove_prefix(digits);
  return value;
}

}  // namespace

std::optional<KillCommand> parse_kill(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  const auto command = static_cast<std::uint8_t>(payload.front());
  if (command == kComProcessKill) {
    if (payload.size() != 5) return std::nullopt;
    std::uint64_t id = 0;
    for (int i = 0; i < 4; ++i)
      id |= std::uint64_t{static_cast<unsigned char>(payload[1 + static_cast<std::size_t>(i)])}
            << (8 * i);
    return KillCommand{KillCommand::Form::process_kill, false, false, id};
  }
  if (command != kComQuery) return std::nullopt;
  std::string_view text = payload.substr(1);
  skip_spaces(text);
  if (!take_word(text, "KILL")) return std::nullopt;
  KillCommand kill;
  // MariaDB's modifiers: HARD | SOFT, then CONNECTION | QUERY.
  kill.hard = take_word(text, "HARD");
  if (!kill.hard) take_word(text, "SOFT");
  if (take_word(text, "QUERY"))
    kill.query_only = true;
  else
    take_word(text, "CONNECTION");
  auto id = take_number(text);
  if (!id) return std::nullopt;
  skip_spaces(text);
  if (!text.empty() && text.front() == ';') text.remove_prefix(1);
  skip_spaces(text);
  if (!text.empty()) return std::nullopt;
  kill.id = *id;
  return kill;
}

std::string encode_kill(const KillCommand& command, std::uint64_t id) {
  if (command.form == KillCommand::Form::process_kill) {
    std::string out(1, static_cast<char>(kComProcessKill));
    for (int i = 0; i < 4; ++i) out += static_cast<char>((id >> (8 * i)) & 0xff);
    return out;
  }
  return fmt::format("{}KILL {}{}{}", static_cast<char>(kComQuery), command.hard ? "HARD " : "",
                     command.query_only ? "QUERY " : "", id);
}

}  // namespace borealis::mysql

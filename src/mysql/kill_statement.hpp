// `KILL [QUERY | CONNECTION] <id>` as a client sends it to stop a query of
// another of its connections (the mariadb client's Ctrl-C, JDBC's
// Statement.cancel(), mysqli::kill): the id is the one that connection's
// greeting named, which behind borealis is borealis's, not the server's.
// Recognised in a COM_QUERY text or a COM_PROCESS_KILL, so that the id can
// be put right; anything else is not a KILL borealis touches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace borealis::mysql {

inline constexpr std::uint8_t kComQuery = 0x03;
inline constexpr std::uint8_t kComProcessKill = 0x0c;

struct KillCommand {
  enum class Form { query_text, process_kill };
  Form form = Form::query_text;
  bool hard = false;        // KILL HARD
  bool query_only = false;  // KILL QUERY: the statement, not the connection
  std::uint64_t id = 0;
};

// A command payload (command byte first): a KILL with a plain number, or
// nullopt (other statements, KILL USER, KILL QUERY ID, comments, ...).
std::optional<KillCommand> parse_kill(std::string_view payload);

// The same command for `id`.
std::string encode_kill(const KillCommand& command, std::uint64_t id);

}  // namespace borealis::mysql

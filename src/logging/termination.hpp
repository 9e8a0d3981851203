// How a session ended, as HAProxy's two termination-state letters (%ts):
// the first says who or what ended it (HAProxy's SF_ERR_*), the second at
// which step it was (SF_FINST_*). Only the values borealis reaches exist.
// Each value's letter and the words of the log line come from one table
// (termination.cpp), so a letter is never written by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace borealis::logging {

// Who or what ended the session.
enum class TerminationCause : std::uint8_t {
  none,            // '-' ended normally
  proxy,           // 'P' the proxy ended it: no backend, or an internal error
  client_timeout,  // 'c' the client-side idle timeout expired
  client_abort,    // 'C' the client closed or reset the connection
  server_timeout,  // 's' a server-side timeout expired (connect, queue, idle)
  server_abort,    // 'S' the server closed, reset or refused, or none was available
  killed,          // 'K' an operator shut it down (`shutdown sessions server`)
};

// The step the session was at when it ended.
enum class TerminationStep : std::uint8_t {
  none,     // '-' ended normally
  request,  // 'R' before a server was chosen
  queue,    // 'Q' waiting for a free server
  connect,  // 'C' connecting to the server
  data,     // 'D' relaying data
};

inline constexpr std::size_t kTerminationCauseCount = 7;
inline constexpr std::size_t kTerminationStepCount = 5;

struct Termination {
  TerminationCause cause = TerminationCause::none;
  TerminationStep step = TerminationStep::none;

  bool ended_normally() const { return cause == TerminationCause::none; }
  friend bool operator==(const Termination&, const Termination&) = default;
};

// One row of the table: a termination state borealis reaches, its two
// letters, and the words the log uses for it.
struct TerminationRow {
  Termination state;
  char letters[2];
  std::string_view words;
};

// The whole table, one row per reachable state.
std::span<const TerminationRow> termination_table();

// HAProxy's letter for a cause or a step, as the table writes it.
[[nodiscard]] char letter(TerminationCause cause);
[[nodiscard]] char letter(TerminationStep step);

// The two letters, e.g. "sC".
[[nodiscard]] std::string letters(Termination state);

// The words for the log, e.g. "timed out connecting to the server".
[[nodiscard]] std::string_view describe(Termination state);

}  // namespace borealis::logging

#include "logging/termination.hpp"

#include <array>

namespace borealis::logging {

namespace {

using Cause = TerminationCause;
using Step = TerminationStep;

// Every state borealis reaches, as HAProxy's manual lists the common pairs.
// Where a cause has several rows, the first is the one used for a pair the
// table does not list.
constexpr std::array<TerminationRow, 12> kTable{{
    {{Cause::none, Step::none}, {'-', '-'}, "closed"},
    {{Cause::proxy, Step::request}, {'P', 'R'}, "frontend has no backend"},
    {{Cause::client_timeout, Step::data}, {'c', 'D'}, "client idle timeout"},
    {{Cause::client_abort, Step::data}, {'C', 'D'}, "client aborted the connection"},
    {{Cause::server_timeout, Step::data}, {'s', 'D'}, "server idle timeout"},
    {{Cause::server_timeout, Step::queue}, {'s', 'Q'}, "timed out waiting in queue for a server"},
    {{Cause::server_timeout, Step::connect}, {'s', 'C'}, "timed out connecting to the server"},
    {{Cause::server_abort, Step::data}, {'S', 'D'}, "server aborted the connection"},
    {{Cause::server_abort, Step::connect},
     {'S', 'C'},
     "no server available or server refused the connection"},
    // `mode mysql`: before a server is chosen, the client's handshake.
    {{Cause::client_timeout, Step::request}, {'c', 'R'}, "client timed out during the handshake"},
    {{Cause::client_abort, Step::request}, {'C', 'R'}, "client left or broke the handshake"},
    // As HAProxy writes it for a TCP session an operator shut down: no step.
    {{Cause::killed, Step::none}, {'K', '-'}, "shut down by the runtime API"},
}};

// The first row for a cause or a step; nullptr if it has none.
constexpr const TerminationRow* first_row(Cause cause) {
  for (const auto& row : kTable)
    if (row.state.cause == cause) return &row;
  return nullptr;
}

constexpr const TerminationRow* first_row(Step step) {
  for (const auto& row : kTable)
    if (row.state.step == step) return &row;
  return nullptr;
}

// Checked when compiling: every value has a row, one letter whichever row
// gives it, no two values share a letter, and every row has words.
constexpr bool table_is_consistent() {
  for (std::size_t i = 0; i < kTerminationCauseCount; ++i)
    if (!first_row(static_cast<Cause>(i))) return false;
  for (std::size_t i = 0; i < kTerminationStepCount; ++i)
    if (!first_row(static_cast<Step>(i))) return false;
  for (const auto& row : kTable) {
    if (row.words.empty()) return false;
    if (static_cast<std::size_t>(row.state.cause) >= kTerminationCauseCount ||
        static_cast<std::size_t>(row.state.step) >= kTerminationStepCount)
      return false;
    for (const auto& other : kTable) {
      if ((row.state.cause == other.state.cause) != (row.letters[0] == other.letters[0]))
        return false;
      if ((row.state.step == other.state.step) != (row.letters[1] == other.letters[1]))
        return false;
    }
  }
  return true;
}

static_assert(table_is_consistent(), "termination table: a value without a row or two letters");

}  // namespace

std::span<const TerminationRow> termination_table() { return kTable; }

char letter(TerminationCause cause) { return first_row(cause)->letters[0]; }

char letter(TerminationStep step) { return first_row(step)->letters[1]; }

std::string letters(Termination state) { return {letter(state.cause), letter(state.step)}; }

std::string_view describe(Termination state) {
  for (const auto& row : kTable)
    if (row.state == state) return row.words;
  return first_row(state.cause)->words;
}

}  // namespace borealis::logging

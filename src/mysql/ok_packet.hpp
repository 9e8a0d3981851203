// OK packets as session continuity reads them (and the 0xfe OK that ends a result set under
// CLIENT_DEPRECATE_EOF), with the session state changes a server reports
// under CLIENT_SESSION_TRACK: what session continuity rebuilds a session
// from (schema, system variables, transaction state).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mysql/decoded.hpp"

namespace borealis::mysql {

namespace server_status {
constexpr std::uint16_t kCursorExists = 0x0040;
constexpr std::uint16_t kLastRowSent = 0x0080;
constexpr std::uint16_t kSessionStateChanged = 0x4000;
}  // namespace server_status

// Session tracker entry types (SESSION_TRACK_*).
enum class SessionTrack : std::uint8_t {
  system_variables = 0,
  schema = 1,
  state_change = 2,
  gtids = 3,
  transaction_characteristics = 4,
  transaction_state = 5,
};

struct SessionChanges {
  std::optional<std::string> schema;
  std::vector<std::pair<std::string, std::string>> system_variables;  // in order
  bool state_changed = false;                              // SESSION_TRACK_STATE_CHANGE said "1"
  std::optional<std::string> transaction_state;            // 8 characters, e.g. "T_______"
  std::optional<std::string> transaction_characteristics;  // SQL that recreates them
};

struct TrackedOk {
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t status_flags = 0;
  std::uint16_t warnings = 0;
  std::string info;  // "Rows matched: ..." (read under CLIENT_SESSION_TRACK only)
  SessionChanges changes;
};

// `payload` starts with 0x00 (or 0xfe for the OK that ends a result set);
// `session_track`: the session has CLIENT_SESSION_TRACK.
Decoded<TrackedOk> decode_tracked_ok(std::span<const std::uint8_t> payload, bool session_track);

// An OK (or 0xfe OK) read under CLIENT_SESSION_TRACK, as the server
// writes it for a client without: no session state, its flag cleared, the
// info kept when there is one. borealis tracks sessions for clients that
// did not ask for it; they must not see the trackers' bytes.
Decoded<std::string> without_session_state(std::span<const std::uint8_t> payload);
// The same from an OK already decoded (under CLIENT_SESSION_TRACK), whose
// first byte was `header` (0x00, or 0xfe at the end of a result set).
std::string without_session_state(std::uint8_t header, const TrackedOk& ok);

}  // namespace borealis::mysql

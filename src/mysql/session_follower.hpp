// Follows a relayed `mode mysql` session both ways for session
// continuity: the client's commands as the client stream filter passes
// them (a CommandObserver), and the server's bytes as they come back
// (server_bytes()), keeping a SessionState current. One per client
// session; a new server connection gets a fresh tracker (reconnected()).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql/client_stream_filter.hpp"
#include "mysql/response_tracker.hpp"
#include "mysql/session_state.hpp"
#include "mysql/statement_hints.hpp"

namespace borealis::mysql {

class SessionFollower : public CommandObserver {
 public:
  // `format`: what the session agreed with its server; `schema`: the one
  // it logged in with.
  SessionFollower(ResponseFormat format, std::string schema)
      : state_(std::move(schema)), tracker_(format, &state_) {}
  SessionFollower(const SessionFollower&) = delete;
  SessionFollower& operator=(const SessionFollower&) = delete;

  void command_started(std::uint8_t command) override;
  void command_bytes(std::string_view bytes) override;
  void command_ended() override;
  void server_bytes(std::string_view chunk);
  // The same, and what goes on to the client (ResponseTracker::feed()).
  void server_bytes(std::string_view chunk, std::vector<std::string_view>& out);

  // A new server connection, logged in and restored: its responses start
  // afresh.
  void reconnected(ResponseFormat format) { tracker_ = ResponseTracker(format, &state_); }

  // The server connection ended away from a safe point: the session goes
  // on from its last one (see SessionState). False: it cannot.
  bool fall_back_to_last_safe_point() {
    receiving_ = false;
    return state_.fall_back_to_last_safe_point();
  }

  // What keeps the session from a safe point (hold:: flags); a command
  // still arriving counts as one under way.
  std::uint32_t holds() const { return state_.holds() | (receiving_ ? hold::kResponse : 0u); }
  bool at_safe_point() const { return holds() == 0; }
  const SessionState& state() const { return state_; }
  // No command is outstanding: what the server sends now, no client asked
  // for (MariaDB's farewell before it closes a connection).
  bool expects_nothing() const { return !receiving_ && tracker_.idle(); }
  // The client's COM_CHANGE_USER (under way) logs in as an account
  // borealis can log in as again, in `schema`; nullopt: it cannot.
  void change_of_user_continues_in(std::optional<std::string> schema) {
    state_.change_of_user_continues_in(std::move(schema));
  }
  bool lost() const { return tracker_.lost(); }
  // The client's last command reached the server whole and none of its
  // answer has come (ResponseTracker::answer_not_started()).
  bool answer_not_started() const { return !receiving_ && tracker_.answer_not_started(); }
  // The code of the server's farewell ERR, else 0.
  std::uint16_t goodbye() const { return tracker_.goodbye(); }

 private:
  static bool names_statement(std::uint8_t command);
  static bool has_text(std::uint8_t command);

  SessionState state_;
  ResponseTracker tracker_;
  StatementScanner scanner_;
  std::uint8_t command_ = 0;
  bool receiving_ = false;
  std::array<std::uint8_t, 4> statement_{};  // the first payload bytes: a statement id
  std::size_t statement_bytes_ = 0;
};

}  // namespace borealis::mysql

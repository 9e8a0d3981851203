// Follows the server's side of a relayed `mode mysql` session without
// copying rows: for each command the client sent (in order, pipelined or
// not), where its response ends, and what its OK and EOF packets say (the
// status flags, and the session state changes of CLIENT_SESSION_TRACK).
// Only the packets that can end a response or carry its shape are read
// whole (OK, ERR, EOF, column counts, COM_STMT_PREPARE's answer); rows and
// column definitions are counted by their headers.
//
// What it cannot follow (a command it does not know, a packet where none
// can be) makes it `lost`: from then on it never says the session is idle,
// which is the safe answer for everything built on it.
//
// MariaDB's progress reports (an ERR packet with code 0xffff while a long
// statement runs) are skipped; with MariaDB's cached metadata a column
// count may say that no column definitions follow.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql/ok_packet.hpp"

namespace borealis::mysql {

// One command's whole response, as the tracker saw it end.
struct ResponseEnd {
  std::uint8_t command = 0;
  bool failed = false;                        // ended by an ERR
  std::uint16_t status_flags = 0;             // of its last OK or EOF (before it, when it failed)
  SessionChanges changes;                     // what its OKs reported
  std::optional<std::uint32_t> statement_id;  // a COM_STMT_PREPARE's, when it succeeded
  int results = 0;  // OKs and result sets: more than one from a multi-statement or a CALL
};

class ResponseObserver {
 public:
  virtual ~ResponseObserver() = default;
  virtual void response_ended(ResponseEnd&& end) = 0;
};

// The response formats the session agreed with its server.
struct ResponseFormat {
  bool deprecate_eof = false;   // CLIENT_DEPRECATE_EOF
  bool session_track = false;   // CLIENT_SESSION_TRACK
  bool cache_metadata = false;  // MARIADB_CLIENT_CACHE_METADATA
  // borealis asked for CLIENT_SESSION_TRACK for itself, the client did
  // not: its OKs and EOFs reach it without the trackers' bytes (feed()
  // with an output).
  bool hide_session_track = false;
};

class ResponseTracker {
 public:
  // `observer` (may be null) hears of every response as it ends; it must
  // outlive the tracker.
  explicit ResponseTracker(ResponseFormat format, ResponseObserver* observer = nullptr)
      : deprecate_eof_(format.deprecate_eof),
        session_track_(format.session_track),
        cache_metadata_(format.cache_metadata),
        hide_session_track_(format.hide_session_track && format.session_track),
        observer_(observer) {}
  ResponseTracker(bool deprecate_eof, bool session_track)
      : ResponseTracker(ResponseFormat{deprecate_eof, session_track, false, false}) {}

  // The client sent a command (its first payload byte).
  void command_sent(std::uint8_t command);
  // Bytes the server sent, in order.
  void feed(std::string_view chunk);
  // The same, and what goes on to the client, appended to `out`: views of
  // `chunk` or of bytes the tracker keeps, valid until the next call. The
  // same bytes, except that with hide_session_track the OKs and EOFs lose
  // their session state (a packet is held until whole to rewrite it: up
  // to 64 KiB). Once lost, everything passes as it is.
  void feed(std::string_view chunk, std::vector<std::string_view>& out);

  // Every command sent has had its whole response (and nothing is amiss).
  bool idle() const { return !lost_ && pending_.empty() && phase_ == Phase::waiting; }
  // The server sent an ERR no command asked for: what MariaDB sends a
  // connection it is about to close (KILL, shutdown). Its code, else 0.
  // Anything else unasked, or anything after it, makes the tracker lost.
  std::uint16_t goodbye() const { return goodbye_; }
  bool lost() const { return lost_; }
  // One command is outstanding and none of its response has come: the
  // server can have done anything with it, but the client has seen
  // nothing, so an ERR can still answer it.
  bool answer_not_started() const {
    return !lost_ && phase_ == Phase::first && pending_.empty() && !answer_started_;
  }
  // Status flags of the last OK or EOF (SERVER_STATUS_IN_TRANS, ...).
  std::uint16_t status_flags() const { return status_flags_; }
  // Session state changes reported since the last take_changes().
  SessionChanges take_changes();
  std::uint64_t responses() const { return responses_; }

 private:
  enum class Phase {
    waiting,         // no response under way
    first,           // a response's first packet is next
    columns,         // column definitions (columns_left_ more)
    columns_eof,     // the EOF after them (classic protocol)
    rows,            // rows until EOF / OK / ERR
    prepare_params,  // COM_STMT_PREPARE: parameter definitions
    prepare_params_eof,
    prepare_columns,
    prepare_columns_eof,
    infile,      // LOAD DATA LOCAL: the client sends the file; then OK/ERR
    until_ok,    // any packets until OK or ERR (COM_CHANGE_USER)
    until_eof,   // definitions until EOF or ERR (COM_FIELD_LIST)
    one_packet,  // COM_STATISTICS: one string
  };
  enum class Expect { none, ok, result, prepare, fetch, field_list, one_packet, change_user };
  static Expect expect_for(std::uint8_t command);
  struct Pending {
    std::uint8_t command;
    Expect expect;
  };

  void start_next_response();
  void on_packet(std::string_view payload, std::uint32_t length);
  bool wants_whole(int first_byte, std::uint32_t length) const;
  void on_first(std::string_view payload);
  void on_row_phase(std::string_view payload, std::uint32_t length);
  void on_prepare_ok(std::string_view payload);
  void end_of_result(std::string_view payload);
  void end_of_result_ok(std::string_view payload);
  void finish_response();
  void on_column_count(std::string_view payload);
  void take_ok(std::string_view payload);
  void take_eof(std::string_view payload);
  void lose() { lost_ = true; }
  void frame(std::string_view chunk, std::vector<std::string_view>* out);
  std::string_view keep(std::string_view bytes);
  std::string_view keep_packet(std::string_view payload);

  bool deprecate_eof_;
  bool session_track_;
  bool cache_metadata_;
  bool hide_session_track_;
  ResponseObserver* observer_;
  std::deque<Pending> pending_;
  Phase phase_ = Phase::waiting;
  Expect current_ = Expect::none;
  ResponseEnd ending_;           // the response under way, as far as it went
  bool answer_started_ = false;  // a byte of it has come
  std::uint64_t columns_left_ = 0;
  std::uint64_t prepare_columns_ = 0;
  std::uint16_t status_flags_ = 0;
  SessionChanges changes_;
  bool lost_ = false;
  std::uint16_t goodbye_ = 0;
  std::uint64_t responses_ = 0;
  // Framing: the header being read, the packet being kept whole, what is
  // left of the current packet's payload.
  std::string header_;
  std::string whole_;
  bool keeping_ = false;
  bool deciding_ = false;  // the current packet's first byte is still to come
  std::uint32_t length_ = 0;
  std::uint64_t payload_left_ = 0;
  bool continued_ = false;  // the last packet was 16 MiB - 1 long
  // Output (feed() with `out`): the current packet's header, the packet a
  // whole OK or EOF becomes for the client, and copies that live until the
  // next feed() (a deque never moves its strings).
  std::string packet_header_;
  std::optional<std::string> replacement_;
  std::deque<std::string> kept_;
  std::size_t kept_used_ = 0;
};

}  // namespace borealis::mysql

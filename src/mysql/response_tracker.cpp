#include "mysql/response_tracker.hpp"

#include <algorithm>
#include <span>

#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

constexpr std::uint32_t kMaxPayload = 0xffffff;
// Larger packets are never read whole: no OK, ERR or EOF is that long.
constexpr std::uint32_t kMaxWhole = 64 * 1024;
constexpr std::uint8_t kLocalInfileHeader = 0xfb;

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

int first_byte(std::string_view payload) {
  return payload.empty() ? -1 : static_cast<unsigned char>(payload.front());
}

// MariaDB's progress report: an ERR packet with code 0xffff, sent while a
// long statement runs, before its response.
bool is_progress_report(std::string_view payload) {
  return payload.size() >= 3 && static_cast<unsigned char>(payload[0]) == kErrHeader &&
         static_cast<unsigned char>(payload[1]) == 0xff &&
         static_cast<unsigned char>(payload[2]) == 0xff;
}

}  // namespace

ResponseTracker::Expect ResponseTracker::expect_for(std::uint8_t command) {
  switch (command) {
    case 0x01:  // COM_QUIT
    case 0x18:  // COM_STMT_SEND_LONG_DATA
    case 0x19:  // COM_STMT_CLOSE
      return Expect::none;
    case 0x02:  // COM_INIT_DB
    case 0x07:  // COM_REFRESH
    case 0x08:  // COM_SHUTDOWN
    case 0x0c:  // COM_PROCESS_KILL
    case 0x0d:  // COM_DEBUG
    case 0x0e:  // COM_PING
    case 0x1a:  // COM_STMT_RESET
    case 0x1b:  // COM_SET_OPTION
    case 0x1f:  // COM_RESET_CONNECTION
      return Expect::ok;
    case 0x03:  // COM_QUERY
    case 0x0a:  // COM_PROCESS_INFO
    case 0x17:  // COM_STMT_EXECUTE
    case 0xfa:  // COM_STMT_BULK_EXECUTE (MariaDB)
      return Expect::result;
    case 0x16:  // COM_STMT_PREPARE
      return Expect::prepare;
    case 0x1c:  // COM_STMT_FETCH
      return Expect::fetch;
    case 0x04:  // COM_FIELD_LIST
      return Expect::field_list;
    case 0x09:  // COM_STATISTICS
      return Expect::one_packet;
    case 0x11:  // COM_CHANGE_USER
      return Expect::change_user;
    default:
      break;
  }
  return Expect::one_packet;  // replaced by lose() in command_sent()
}

void ResponseTracker::command_sent(std::uint8_t command) {
  const Expect expect = expect_for(command);
  const bool known = expect != Expect::one_packet || command == 0x09;
  if (!known) return lose();
  if (expect == Expect::none) return;
  pending_.push_back({command, expect});
  if (phase_ == Phase::waiting) start_next_response();
}

SessionChanges ResponseTracker::take_changes() {
  SessionChanges out = std::move(changes_);
  changes_ = {};
  return out;
}

void ResponseTracker::start_next_response() {
  if (pending_.empty()) {
    phase_ = Phase::waiting;
    current_ = Expect::none;
    return;
  }
  current_ = pending_.front().expect;
  answer_started_ = false;
  ending_ = {};
  ending_.command = pending_.front().command;
  ending_.status_flags = status_flags_;
  pending_.pop_front();
  phase_ = Phase::first;
}

void ResponseTracker::finish_response() {
  ++responses_;
  if (observer_) observer_->response_ended(std::move(ending_));
  start_next_response();
}

void ResponseTracker::take_ok(std::string_view payload) {
  auto ok = decode_tracked_ok(bytes(payload), session_track_);
  if (!ok) return lose();
  if (hide_session_track_)
    replacement_ = without_session_state(static_cast<std::uint8_t>(payload.front()), *ok);
  status_flags_ = ok->status_flags;
  ending_.status_flags = status_flags_;
  const SessionChanges& in = ok->changes;
  for (SessionChanges* into : {&changes_, &ending_.changes}) {
    if (in.schema) into->schema = in.schema;
    into->system_variables.insert(into->system_variables.end(), in.system_variables.begin(),
                                  in.system_variables.end());
    into->state_changed = into->state_changed || in.state_changed;
    if (in.transaction_state) into->transaction_state = in.transaction_state;
    if (in.transaction_characteristics)
      into->transaction_characteristics = in.transaction_characteristics;
  }
}

void ResponseTracker::take_eof(std::string_view payload) {
  if (payload.size() < 5) return lose();
  status_flags_ = static_cast<std::uint16_t>(static_cast<unsigned char>(payload[3]) |
                                             (static_cast<unsigned char>(payload[4]) << 8));
  ending_.status_flags = status_flags_;
  if (hide_session_track_ && (status_flags_ & server_status::kSessionStateChanged)) {
    replacement_.emplace(payload);
    (*replacement_)[4] =
        static_cast<char>((*replacement_)[4] & ~(server_status::kSessionStateChanged >> 8));
  }
}

// An OK ends a result set under CLIENT_DEPRECATE_EOF, an EOF otherwise;
// more results may follow in the same response.
void ResponseTracker::end_of_result(std::string_view payload) {
  ++ending_.results;
  if (deprecate_eof_)
    take_ok(payload);
  else
    take_eof(payload);
  if (lost_) return;
  if (status_flags_ & server_status::kMoreResultsExist)
    phase_ = Phase::first;
  else
    finish_response();
}

bool ResponseTracker::wants_whole(int first, std::uint32_t length) const {
  if (length > kMaxWhole) return false;
  // An ERR (or a progress report) may come in any phase; no row or
  // definition starts with 0xff.
  if (first == kErrHeader) return true;
  const bool ends = first == kEofHeader;
  switch (phase_) {
    case Phase::waiting:
    case Phase::first:
    case Phase::infile:
      return true;
    case Phase::rows:
      return first == kEofHeader && (deprecate_eof_ ? length < kMaxPayload : length < 9);
    case Phase::columns_eof:
    case Phase::prepare_params_eof:
    case Phase::prepare_columns_eof:
    case Phase::until_eof:
      return ends;
    case Phase::until_ok:
      return first == kOkHeader;
    default:
      return false;
  }
}

void ResponseTracker::on_first(std::string_view payload) {
  const int first = first_byte(payload);
  switch (current_) {
    case Expect::ok:
      if (first == kOkHeader)
        take_ok(payload);
      else if (first == kEofHeader)
        take_eof(payload);  // COM_SET_OPTION, COM_DEBUG
      else if (first != kErrHeader)
        return lose();
      if (!lost_) finish_response();
      return;
    case Expect::result:
      if (first == kErrHeader) return finish_response();
      if (first == kOkHeader) return end_of_result_ok(payload);
      if (first == kLocalInfileHeader) {
        phase_ = Phase::infile;
        return;
      }
      return on_column_count(payload);
    case Expect::prepare:
      if (first == kErrHeader) return finish_response();
      if (first != kOkHeader) return lose();
      return on_prepare_ok(payload);
    case Expect::fetch:
      phase_ = Phase::rows;
      return on_row_phase(payload, static_cast<std::uint32_t>(payload.size()));
    case Expect::field_list:
      phase_ = Phase::until_eof;
      return on_packet(payload, static_cast<std::uint32_t>(payload.size()));
    case Expect::change_user:
      phase_ = Phase::until_ok;
      return on_packet(payload, static_cast<std::uint32_t>(payload.size()));
    case Expect::one_packet:
      return finish_response();
    case Expect::none:
      break;
  }
  lose();
}

// A result set starts: its column count, and with MariaDB's cached
// metadata whether the column definitions follow (0: the client has them,
// the EOF after them or the rows come next).
void ResponseTracker::on_column_count(std::string_view payload) {
  auto count = decode_lenenc_int(bytes(payload));
  const std::size_t expected = (count ? count->size : 0) + (cache_metadata_ ? 1 : 0);
  if (!count || count->value == 0 || payload.size() != expected) return lose();
  columns_left_ = count->value;
  const bool metadata_follows = !cache_metadata_ || payload.back() != 0;
  if (metadata_follows)
    phase_ = Phase::columns;
  else
    phase_ = deprecate_eof_ ? Phase::rows : Phase::columns_eof;
}

// A statement's OK (no result set): the response ends unless more results
// of a multi-statement follow.
void ResponseTracker::end_of_result_ok(std::string_view payload) {
  ++ending_.results;
  take_ok(payload);
  if (lost_) return;
  if (status_flags_ & server_status::kMoreResultsExist)
    phase_ = Phase::first;
  else
    finish_response();
}

void ResponseTracker::on_prepare_ok(std::string_view payload) {
  // 0x00, statement id (4), columns (2), parameters (2), filler, warnings.
  if (payload.size() < 9) return lose();
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(payload[at]) |
                                      (static_cast<unsigned char>(payload[at + 1]) << 8));
  };
  ending_.statement_id = static_cast<std::uint32_t>(
      static_cast<unsigned char>(payload[1]) | (static_cast<unsigned char>(payload[2]) << 8) |
      (static_cast<unsigned char>(payload[3]) << 16) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(payload[4])) << 24));
  prepare_columns_ = u16(5);
  columns_left_ = u16(7);  // parameters first
  if (columns_left_ > 0) {
    phase_ = Phase::prepare_params;
    return;
  }
  columns_left_ = prepare_columns_;
  if (columns_left_ > 0) {
    phase_ = Phase::prepare_columns;
    return;
  }
  finish_response();
}

void ResponseTracker::on_row_phase(std::string_view payload, std::uint32_t length) {
  const int first = first_byte(payload);
  if (first == kErrHeader) return finish_response();
  const bool terminator =
      first == kEofHeader && (deprecate_eof_ ? length < kMaxPayload : length < 9);
  if (terminator) end_of_result(payload);
}

void ResponseTracker::on_packet(std::string_view payload, std::uint32_t length) {
  const int first = first_byte(payload);
  if (first == kErrHeader && phase_ != Phase::waiting) {
    if (is_progress_report(payload)) return;
    ending_.failed = true;
  }
  switch (phase_) {
    case Phase::waiting: {
      // The server spoke unasked: only a farewell ERR is understood.
      auto err = decode_err(bytes(payload));
      if (first != kErrHeader || goodbye_ || !err || err->code == 0) return lose();
      goodbye_ = err->code;
      return;
    }
    case Phase::first:
      return on_first(payload);
    case Phase::columns:
      if (--columns_left_ == 0) phase_ = deprecate_eof_ ? Phase::rows : Phase::columns_eof;
      return;
    case Phase::columns_eof:
      if (first == kErrHeader) return finish_response();
      if (first != kEofHeader) return lose();
      take_eof(payload);
      if (lost_) return;
      // A cursor was opened: its rows come with COM_STMT_FETCH.
      if (status_flags_ & server_status::kCursorExists) return finish_response();
      phase_ = Phase::rows;
      return;
    case Phase::rows:
      return on_row_phase(payload, length);
    case Phase::prepare_params:
      if (--columns_left_ > 0) return;
      if (!deprecate_eof_) {
        phase_ = Phase::prepare_params_eof;
        return;
      }
      [[fallthrough]];
    case Phase::prepare_params_eof:
      if (phase_ == Phase::prepare_params_eof && first != kEofHeader) return lose();
      columns_left_ = prepare_columns_;
      if (columns_left_ == 0) return finish_response();
      phase_ = Phase::prepare_columns;
      return;
    case Phase::prepare_columns:
      if (--columns_left_ > 0) return;
      if (!deprecate_eof_) {
        phase_ = Phase::prepare_columns_eof;
        return;
      }
      return finish_response();
    case Phase::prepare_columns_eof:
      if (first != kEofHeader) return lose();
      return finish_response();
    case Phase::infile:
      if (first == kOkHeader) return end_of_result_ok(payload);
      if (first == kErrHeader) return finish_response();
      return lose();
    case Phase::until_ok:
      if (first == kOkHeader) {
        take_ok(payload);
        if (!lost_) finish_response();
        return;
      }
      if (first == kErrHeader) return finish_response();
      return;  // an auth switch or more authentication data
    case Phase::until_eof:
      if (first == kErrHeader) return finish_response();
      if (first == kEofHeader && length < 9) {
        take_eof(payload);
        if (!lost_) finish_response();
      }
      return;
    case Phase::one_packet:
      return finish_response();
  }
}

void ResponseTracker::feed(std::string_view chunk) { frame(chunk, nullptr); }

void ResponseTracker::feed(std::string_view chunk, std::vector<std::string_view>& out) {
  kept_used_ = 0;
  if (lost_ || !hide_session_track_) {
    if (!lost_) frame(chunk, nullptr);
    out.push_back(chunk);
    return;
  }
  frame(chunk, &out);
}

// A copy that lives until the next feed().
std::string_view ResponseTracker::keep(std::string_view bytes) {
  if (kept_used_ == kept_.size()) kept_.emplace_back();
  std::string& slot = kept_[kept_used_++];
  slot.assign(bytes);
  return slot;
}

// The current packet with `payload`: its header says the new length.
std::string_view ResponseTracker::keep_packet(std::string_view payload) {
  std::string packet = packet_header_;
  const auto length = static_cast<std::uint32_t>(payload.size());
  packet[0] = static_cast<char>(length & 0xff);
  packet[1] = static_cast<char>((length >> 8) & 0xff);
  packet[2] = static_cast<char>((length >> 16) & 0xff);
  packet += payload;
  return keep(packet);
}

// Splits the stream into packets and follows them. With `out`, also what
// goes on to the client: runs of `chunk` as they are, except the packets
// kept whole, which go as a copy (rewritten or not) once complete. A
// header is held until its packet's first byte decides whether the packet
// is kept whole: so a header split across reads goes as a copy.
void ResponseTracker::frame(std::string_view chunk, std::vector<std::string_view>* out) {
  std::size_t at = 0;
  std::size_t run = 0;  // start of the bytes of `chunk` not yet in `out`
  // Where the current packet's header starts in `chunk`: none when it
  // started in an earlier one (its header is then in packet_header_).
  constexpr std::size_t kEarlier = std::string_view::npos;
  std::size_t packet_start = (header_.empty() && payload_left_ == 0) ? 0 : kEarlier;
  auto pass_until = [&](std::size_t end) {
    if (out && end != kEarlier && end > run) out->push_back(chunk.substr(run, end - run));
    if (end != kEarlier) run = std::max(run, end);
  };
  // The current packet goes on as it is, from here: a header from an
  // earlier read goes first.
  auto passing = [&]() {
    if (!out || packet_start != kEarlier) return;
    out->push_back(keep(packet_header_));
    run = at;
  };
  while (at < chunk.size() && !lost_) {
    answer_started_ = true;  // (start_next_response() clears it for the next)
    if (payload_left_ > 0) {
      const std::size_t take = std::min<std::uint64_t>(payload_left_, chunk.size() - at);
      if (!deciding_) {
        if (keeping_) whole_.append(chunk.substr(at, take));
        at += take;
        payload_left_ -= take;
      } else {
        // The packet's first byte decides whether it is read whole.
        deciding_ = false;
        const int first = static_cast<unsigned char>(chunk[at]);
        keeping_ = wants_whole(first, length_);
        if (keeping_) {
          whole_.clear();
          pass_until(packet_start == kEarlier ? run : packet_start);
          continue;
        }
        passing();
        const char byte = chunk[at];
        at += take;
        payload_left_ -= take;
        on_packet(std::string_view(&byte, 1), length_);
      }
      if (payload_left_ == 0 && keeping_) {
        keeping_ = false;
        replacement_.reset();
        on_packet(whole_, length_);
        if (out) {
          out->push_back(replacement_ && !lost_ ? keep_packet(*replacement_)
                                                : keep(packet_header_ + whole_));
          run = at;
        }
      }
      continue;
    }
    if (header_.empty()) packet_start = at;
    const std::size_t take = std::min(4 - header_.size(), chunk.size() - at);
    header_.append(chunk.substr(at, take));
    at += take;
    if (header_.size() < 4) break;
    length_ = static_cast<std::uint32_t>(static_cast<unsigned char>(header_[0]) |
                                         (static_cast<unsigned char>(header_[1]) << 8) |
                                         (static_cast<unsigned char>(header_[2]) << 16));
    if (out) packet_header_ = header_;
    header_.clear();
    const bool continuation = continued_;
    continued_ = length_ == kMaxPayload;
    payload_left_ = length_;
    keeping_ = false;
    deciding_ = !continuation && length_ > 0;
    if (!deciding_) passing();
    if (!continuation && length_ == 0) on_packet({}, 0);
  }
  if (!out) return;
  // A packet whose header or first byte is still to come waits.
  const bool undecided = !lost_ && (!header_.empty() || deciding_ || keeping_);
  pass_until(undecided ? packet_start : chunk.size());
}

}  // namespace borealis::mysql

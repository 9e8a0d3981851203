#include "mysql/ok_packet.hpp"

#include "mysql/payload_reader.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {
namespace {

DecodeError error(std::string message) { return DecodeError{std::move(message)}; }

bool read_lenenc(PayloadReader& reader, std::uint64_t& value) {
  auto decoded = decode_lenenc_int(reader.rest());
  if (!decoded) return false;
  value = decoded->value;
  return reader.skip(decoded->size);
}

bool read_lenenc_text(PayloadReader& reader, std::string& text) {
  std::uint64_t length = 0;
  if (!read_lenenc(reader, length) || length > reader.remaining()) return false;
  return reader.read_bytes(static_cast<std::size_t>(length), text);
}

// One SESSION_TRACK entry's data (already cut to its length).
bool read_entry(SessionTrack type, std::span<const std::uint8_t> data, SessionChanges& changes) {
  PayloadReader reader(data);
  std::string first, second;
  switch (type) {
    case SessionTrack::system_variables:
      if (!read_lenenc_text(reader, first) || !read_lenenc_text(reader, second)) return false;
      changes.system_variables.emplace_back(std::move(first), std::move(second));
      return true;
    case SessionTrack::schema:
      if (!read_lenenc_text(reader, first)) return false;
      changes.schema = std::move(first);
      return true;
    case SessionTrack::state_change:
      // MariaDB sends the flag bare ("1"), MySQL as a length-encoded string.
      if (data.size() == 1)
        first.assign(1, static_cast<char>(data[0]));
      else if (!read_lenenc_text(reader, first))
        return false;
      changes.state_changed = changes.state_changed || first == "1";
      return true;
    case SessionTrack::transaction_state:
      if (!read_lenenc_text(reader, first)) return false;
      changes.transaction_state = std::move(first);
      return true;
    case SessionTrack::transaction_characteristics:
      if (!read_lenenc_text(reader, first)) return false;
      changes.transaction_characteristics = std::move(first);
      return true;
    case SessionTrack::gtids:
      return true;  // not needed to rebuild a session
  }
  return true;  // a type this version does not know: skipped by its length
}

}  // namespace

Decoded<TrackedOk> decode_tracked_ok(std::span<const std::uint8_t> payload, bool session_track) {
  PayloadReader reader(payload);
  std::uint8_t header = 0;
  if (!reader.read_u8(header) || (header != kOkHeader && header != kEofHeader))
    return error("OK: wrong header");
  TrackedOk ok;
  if (!read_lenenc(reader, ok.affected_rows) || !read_lenenc(reader, ok.last_insert_id) ||
      !reader.read_u16(ok.status_flags) || !reader.read_u16(ok.warnings))
    return error("OK: truncated");
  if (!session_track || reader.remaining() == 0) return ok;
  std::string& info = ok.info;
  if (!read_lenenc_text(reader, info)) return error("OK: info truncated");
  if (!(ok.status_flags & server_status::kSessionStateChanged)) return ok;
  std::uint64_t total = 0;
  if (!read_lenenc(reader, total) || total > reader.remaining())
    return error("OK: session state truncated");
  auto block = reader.rest().first(static_cast<std::size_t>(total));
  PayloadReader entries(block);
  while (entries.remaining() > 0) {
    std::uint8_t type = 0;
    std::uint64_t length = 0;
    if (!entries.read_u8(type) || !read_lenenc(entries, length) || length > entries.remaining())
      return error("OK: session state entry truncated");
    if (!read_entry(static_cast<SessionTrack>(type),
                    entries.rest().first(static_cast<std::size_t>(length)), ok.changes))
      return error("OK: malformed session state entry");
    entries.skip(static_cast<std::size_t>(length));
  }
  return ok;
}

std::string without_session_state(std::uint8_t header, const TrackedOk& ok) {
  std::string out(1, static_cast<char>(header));
  append_lenenc_int(out, ok.affected_rows);
  append_lenenc_int(out, ok.last_insert_id);
  const auto status =
      static_cast<std::uint16_t>(ok.status_flags & ~server_status::kSessionStateChanged);
  for (std::uint16_t value : {status, ok.warnings}) {
    out += static_cast<char>(value & 0xff);
    out += static_cast<char>(value >> 8);
  }
  // As MariaDB and MySQL write it without CLIENT_SESSION_TRACK.
  if (!ok.info.empty()) append_lenenc_string(out, ok.info);
  return out;
}

Decoded<std::string> without_session_state(std::span<const std::uint8_t> payload) {
  auto ok = decode_tracked_ok(payload, true);
  if (!ok) return ok.error();
  return without_session_state(payload[0], *ok);
}

}  // namespace borealis::mysql

// What a client and a server (or things posing as them) send a relayed
// `mode mysql` session that borealis follows for session continuity: any
// bytes, cut into reads of any size. The client stream filter, the
// statement scanner, the response tracker and the session state may not
// crash, read out of bounds or grow without bound; a run cut differently
// runs whole and cut into small interleaved reads (where the verdicts may
// differ: a server byte read before the client's command is unasked).
// What goes on to the client is the server's bytes exactly, or with
// session state hidden never more than them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mysql/client_stream_filter.hpp"
#include "mysql/ok_packet.hpp"
#include "mysql/session_follower.hpp"
#include "mysql/statement_hints.hpp"

namespace mysql = borealis::mysql;

namespace {

struct Verdict {
  std::uint32_t holds;
  std::string restore;
  std::string schema;
  std::string passed;  // what went on to the client
};

// The client's bytes and the server's, alternating in pieces of `piece`
// bytes (the client's first, as a session goes).
Verdict run(std::string_view client, std::string_view server, mysql::ResponseFormat format,
            std::size_t piece) {
  mysql::SessionFollower follower(format, "db");
  mysql::ClientStreamFilter filter(nullptr, &follower);
  std::vector<std::string_view> out;
  std::string passed;
  std::size_t c = 0, s = 0;
  while (c < client.size() || s < server.size()) {
    if (c < client.size()) {
      out.clear();
      filter.feed(client.substr(c, piece), out);
      c += piece;
    }
    if (s < server.size()) {
      out.clear();
      follower.server_bytes(server.substr(s, piece), out);
      for (auto view : out) passed += view;
      s += piece;
    }
  }
  return {follower.holds(), follower.state().restore_statement(), follower.state().schema(),
          std::move(passed)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const mysql::ResponseFormat format{(data[0] & 1) != 0, (data[0] & 2) != 0, (data[0] & 4) != 0,
                                     (data[0] & 8) != 0};
  const std::size_t client_length = data[1] | (static_cast<std::size_t>(data[2] & 0x0f) << 8);
  if (size < 3 + client_length) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::string_view client = all.substr(3, client_length);
  const std::string_view server = all.substr(3 + client_length);
  // Whole (the client's bytes all before the server's), and cut small.
  const Verdict whole = run(client, server, format, client.size() + server.size() + 1);
  const Verdict cut = run(client, server, format, 1 + data[0] % 7);
  if (whole.restore.size() > client.size() + server.size() + 64 ||
      cut.restore.size() > client.size() + server.size() + 64)
    std::abort();  // built from what was received, never more
  const bool hiding = format.hide_session_track && format.session_track;
  for (const Verdict* verdict : {&whole, &cut}) {
    if (!hiding && verdict->passed != server) std::abort();
    if (verdict->passed.size() > server.size()) std::abort();
  }
  // The scanner finds the same in one piece as in many.
  mysql::StatementScanner scanner;
  for (std::size_t at = 0; at < client.size(); at += 3) scanner.feed(client.substr(at, 3));
  const mysql::StatementHints pieces = scanner.finish();
  const mysql::StatementHints one = mysql::hints_for(client);
  if (pieces.plain_set != one.plain_set || pieces.get_lock != one.get_lock ||
      pieces.release_all_locks != one.release_all_locks)
    std::abort();
  auto payload = std::span<const std::uint8_t>(data + 3, size - 3);
  (void)mysql::decode_tracked_ok(payload, format.session_track);
  return 0;
}

// What a server (or something posing as one) sends a relayed session: any
// bytes, cut into reads of any size, after any commands. The response
// tracker may not crash, read out of bounds or grow without bound; a run
// cut differently must reach the same verdict (idle, lost, responses).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mysql/ok_packet.hpp"
#include "mysql/response_tracker.hpp"

namespace mysql = borealis::mysql;

namespace {

struct Verdict {
  bool idle, lost;
  std::uint64_t responses;
  std::uint16_t status;
};

Verdict run(std::string_view commands, std::string_view stream, bool deprecate_eof,
            bool session_track, std::size_t piece) {
  mysql::ResponseTracker tracker(deprecate_eof, session_track);
  for (char command : commands) tracker.command_sent(static_cast<std::uint8_t>(command));
  for (std::size_t at = 0; at < stream.size(); at += piece) tracker.feed(stream.substr(at, piece));
  (void)tracker.take_changes();
  return {tracker.idle(), tracker.lost(), tracker.responses(), tracker.status_flags()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const bool deprecate_eof = data[0] & 1, session_track = data[0] & 2;
  const std::size_t command_count = data[1] % 8;
  if (size < 2 + command_count) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::string_view commands = all.substr(2, command_count);
  const std::string_view stream = all.substr(2 + command_count);
  const Verdict whole = run(commands, stream, deprecate_eof, session_track, stream.size() + 1);
  const Verdict cut = run(commands, stream, deprecate_eof, session_track, 1 + data[0] % 7);
  if (whole.idle != cut.idle || whole.lost != cut.lost || whole.responses != cut.responses ||
      whole.status != cut.status)
    std::abort();
  auto payload = std::span<const std::uint8_t>(data + 2, size - 2);
  (void)mysql::decode_tracked_ok(payload, session_track);
  return 0;
}

// What a `mode mysql` client sends once its session is relayed: any bytes,
// cut into reads of any size. The framing filter may not crash, read out of
// bounds or lose, reorder or invent a byte: with a rewriter that holds
// every packet it may and gives each back unchanged, what reaches the
// server is exactly what the client sent. COM_CHANGE_USER decoding and the
// rewrite and KILL recognition run on every held payload too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mysql/change_user.hpp"
#include "mysql/client_stream_filter.hpp"
#include "mysql/kill_statement.hpp"

namespace mysql = borealis::mysql;

namespace {

class HoldEverything : public mysql::PacketRewriter {
 public:
  bool wants(std::uint8_t, bool, int, std::uint32_t) override { return true; }
  std::optional<std::string> rewrite(std::uint8_t, std::string_view payload) override {
    if (auto decoded = mysql::decode_change_user(payload, 0xffffffffu)) {
      auto encoded = mysql::encode_change_user(*decoded);
      if (encoded != payload) std::abort();  // a decoded command encodes back the same
    }
    (void)mysql::rescramble_change_user(payload, 0xffffffffu);
    if (auto kill = mysql::parse_kill(payload)) {
      // What it makes of its own id parses back the same.
      auto again = mysql::parse_kill(mysql::encode_kill(*kill, kill->id));
      if (!again || again->id != kill->id || again->query_only != kill->query_only ||
          again->hard != kill->hard)
        std::abort();
    }
    return std::nullopt;
  }
};

std::string run(mysql::ClientStreamFilter& filter, std::string_view input, std::uint8_t seed) {
  std::string sent;
  std::vector<std::string_view> pieces;
  std::size_t at = 0;
  std::uint32_t state = seed | 1u;
  while (at < input.size()) {
    state = state * 1103515245u + 12345u;
    std::size_t size = 1 + (state >> 16) % 700;
    if (size > input.size() - at) size = input.size() - at;
    pieces.clear();
    filter.feed(input.substr(at, size), pieces);
    for (auto piece : pieces) sent += piece;
    at += size;
  }
  return sent;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  mysql::ClientStreamFilter plain;
  if (run(plain, input, data[0]) != input) std::abort();
  HoldEverything rewriter;
  mysql::ClientStreamFilter holding(&rewriter);
  // Bytes of a packet still incomplete at the end may be held back: what
  // was sent is a prefix of the input.
  const std::string sent = run(holding, input, data[0]);
  if (sent.size() > input.size() || input.substr(0, sent.size()) != sent) std::abort();
  return 0;
}

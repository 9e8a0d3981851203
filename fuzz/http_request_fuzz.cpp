// What anyone who reaches one of borealis's HTTP services sends: requests
// read one at a time off a connection, cut in two where the first byte
// says. The parser may not crash, read out of bounds, take more than it
// was given or keep more than its bounds; it refuses only with the
// statuses it names; and where the bytes are cut changes nothing it reads.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/request_parser.hpp"

namespace http = borealis::http;
using State = http::RequestParser::State;

namespace {

void check_request(const http::Request& request) {
  if (request.method.empty() || request.target.empty()) std::abort();
  if (request.target.size() > http::RequestParser::kMaxTargetBytes) std::abort();
  // Path and query are the target's (but for the root of "http://host").
  if (request.path != "/" && request.target.find(request.path) == std::string::npos) std::abort();
  if (request.target.find(request.query) == std::string::npos) std::abort();
  const auto parameters = http::query_parameters(request.query);
  if (parameters.size() > http::kMaxQueryParameters) std::abort();
  for (const auto& [name, value] : parameters)
    if (name.size() + value.size() > request.query.size()) std::abort();
}

void check_error(http::RequestParser& parser, const http::RequestParser::Result& result) {
  switch (result.status) {
    case 400:
    case 413:
    case 414:
    case 431:
    case 505:
      break;
    default:
      std::abort();
  }
  if (result.reason.empty()) std::abort();
  // An error stays, through reset() too, and takes nothing more.
  parser.reset();
  const auto again = parser.feed("GET / HTTP/1.1\r\n\r\n");
  if (again.state != State::error || again.status != result.status || again.consumed != 0)
    std::abort();
}

// Feeds one piece as a connection's loop does; appends what was read to
// `transcript`. False once the connection would close on an error.
bool feed_piece(http::RequestParser& parser, std::string_view piece, std::size_t& request_bytes,
                std::string& transcript) {
  while (!piece.empty()) {
    const auto result = parser.feed(piece);
    if (result.consumed > piece.size()) std::abort();
    request_bytes += result.consumed;
    piece.remove_prefix(result.consumed);
    switch (result.state) {
      case State::need_more:
        // Only once every byte given is taken.
        if (!piece.empty()) std::abort();
        break;
      case State::complete: {
        if (result.consumed == 0 || request_bytes > http::RequestParser::kMaxRequestBytes)
          std::abort();
        const http::Request& request = parser.request();
        check_request(request);
        transcript += request.method + ' ' + request.target + ' ' + request.path + '?' +
                      request.query + ' ' + std::to_string(request.version_minor) +
                      (request.keep_alive ? "k\n" : "c\n");
        // Until reset(), the request stays whole and nothing more is taken.
        if (parser.feed(piece).consumed != 0) std::abort();
        parser.reset();
        request_bytes = 0;
        break;
      }
      case State::error:
        check_error(parser, result);
        transcript += "error " + std::to_string(result.status) + '\n';
        return false;
    }
  }
  return true;
}

std::string read_all(std::string_view bytes, std::size_t cut) {
  http::RequestParser parser;
  std::size_t request_bytes = 0;
  std::string transcript;
  if (feed_piece(parser, bytes.substr(0, cut), request_bytes, transcript))
    feed_piece(parser, bytes.substr(cut), request_bytes, transcript);
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = bytes.size() * data[0] / 255;
  if (read_all(bytes, cut) != read_all(bytes, bytes.size())) std::abort();
  return 0;
}

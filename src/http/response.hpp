// Responses of borealis's own HTTP services, written whole: the status
// line, the headers every answer carries, then the body.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace borealis::http {

struct Response {
  int status = 200;  // a three-digit code
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra ones, e.g. {"Allow", "GET, HEAD"}; written as they are, so never
  // from what a client sent.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The status line's words: 200 "OK", 404 "Not Found", ...; "Unknown" for
// a status borealis does not answer with.
std::string_view reason_phrase(int status);

// "HTTP/1.1 200 OK\r\ncontent-type: ...\r\ncontent-length: N\r\n
// cache-control: no-cache\r\n[connection: ...\r\n]<extra headers>\r\n<body>".
// With head_only the body is left out but content-length is the body's.
// Always HTTP/1.1, which RFC 9110 (6.2) allows for a 1.0 request; then a
// kept connection is said with "connection: keep-alive", as 1.0 needs.
// keep_alive false adds "connection: close".
std::string serialize(const Response& response, bool keep_alive, bool head_only,
                      int request_minor_version);

// A short text/plain error: the body is "<status> <reason>\n", then
// `detail` on a line of its own when given (line ends in it become spaces).
Response error_response(int status, std::string_view detail = {});

}  // namespace borealis::http

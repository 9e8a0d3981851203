// HTTP/1.x requests to borealis's own HTTP services (the Prometheus
// /metrics endpoint), read with Node's http_parser. Whoever reaches the
// port writes these bytes, so every part of a request is bounded: the
// parser keeps the request target and a few fields, never a header's
// value or a body, and refuses a request that crosses a bound with the
// status to answer before closing. Fuzzed (fuzz/http_request_fuzz.cpp).
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace borealis::http {

struct Request {
  std::string method;  // "GET", "HEAD", ... (http_method_str)
  std::string target;  // as sent: "/metrics?scope=frontend"
  // The target's path: "/metrics"; "/x" for an absolute-form "http://h/x?y"
  // ("/" when it has none); "*" stays "*"; empty for CONNECT's authority.
  std::string path;
  std::string query;       // after '?', without it; empty if none
  int version_minor = 1;   // HTTP/1.<minor>
  bool keep_alive = true;  // http_should_keep_alive()
};

// One connection's requests, one at a time. What a parse can end in: the
// request is whole, more bytes are needed, or the bytes are not an
// acceptable request; then `status` is the HTTP status to answer before
// closing: 400 (malformed), 413 (a body over kMaxBodyBytes), 414 (a target
// over kMaxTargetBytes), 431 (request line and headers over
// kMaxHeaderBytes), 505 (HTTP major version not 1).
class RequestParser {
 public:
  static constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // as HAProxy's tune.bufsize
  static constexpr std::size_t kMaxTargetBytes = 8 * 1024;
  static constexpr std::size_t kMaxBodyBytes = 8 * 1024;  // bodies are read and dropped
  // A chunked body's framing (sizes, extensions, trailers) may take as much
  // again as a header section: past this a request is refused with 413
  // even when its data stays under kMaxBodyBytes.
  static constexpr std::size_t kMaxRequestBytes = 2 * kMaxHeaderBytes + kMaxBodyBytes;

  enum class State { need_more, complete, error };
  struct Result {
    State state;
    std::size_t consumed;  // of the bytes just fed
    int status = 0;        // error: the status to answer
    std::string reason{};  // error: why, for the log
  };

  RequestParser();

  // Feeds bytes; stops right after one whole request: pipelined bytes after
  // it are not consumed (the caller keeps them and feeds them again after
  // reset()). On `complete`, request() holds the request; feeding again
  // before reset() consumes nothing. After `error` the parser stays in
  // error, through reset() too: the connection's framing is lost.
  Result feed(std::string_view bytes);
  const Request& request() const { return request_; }
  // Ready for the next request on the same connection.
  void reset();

 private:
  struct Callbacks;  // http_parser's callbacks, in the .cpp

  Result fail(int status, std::string reason, std::size_t consumed);
  // Where the current stage ends: the header section, then the whole request.
  std::size_t limit() const { return headers_complete_ ? kMaxRequestBytes : kMaxHeaderBytes; }

  http_parser parser_;
  Request request_;
  std::size_t request_bytes_ = 0;  // consumed for the current request
  std::size_t body_bytes_ = 0;
  bool headers_complete_ = false;
  bool complete_ = false;
  bool failed_ = false;
  // Set by a callback that refuses the request, then kept with the error.
  int status_ = 0;
  std::string reason_;
};

// `a=1&b=%2Fx&c` -> {{"a","1"},{"b","/x"},{"c",""}}; '+' is a space; a bad
// % escape is kept as it is; empty pieces ("a&&b") are skipped. At most
// kMaxQueryParameters are returned, the first ones.
inline constexpr std::size_t kMaxQueryParameters = 64;
std::vector<std::pair<std::string, std::string>> query_parameters(std::string_view query);

}  // namespace borealis::http

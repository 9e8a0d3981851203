#include "http/request_parser.hpp"

#include <algorithm>
#include <climits>

namespace borealis::http {
namespace {

// The target's path and query, split as http_parser reads URLs. False when
// the target is not one (a host http_parser's request line let through).
bool split_target(Request& request, bool is_connect) {
  http_parser_url url;
  http_parser_url_init(&url);
  const std::string_view target = request.target;
  if (http_parser_parse_url(target.data(), target.size(), is_connect, &url) != 0) return false;
  auto field = [&](http_parser_url_fields which) -> std::string_view {
    if ((url.field_set & (1u << which)) == 0) return {};
    return target.substr(url.field_data[which].off, url.field_data[which].len);
  };
  request.path = field(UF_PATH);
  // "http://host" asks for the root (RFC 9112, 3.2.2); CONNECT names no path.
  if (request.path.empty() && !is_connect) request.path = "/";
  request.query = field(UF_QUERY);
  return true;
}

// RFC 9110's tchar: what a field name is made of.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding, lenient as browsers are: a
// '%' not followed by two hex digits stands for itself.
std::string form_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      decoded += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      decoded += c;
    }
  }
  return decoded;
}

}  // namespace

// http_parser calls these with the parser whose `data` is the RequestParser
// feeding it; a nonzero return stops the parser with an HPE_CB_* error.
struct RequestParser::Callbacks {
  static RequestParser& self(http_parser* parser) {
    return *static_cast<RequestParser*>(parser->data);
  }

  static int refuse(RequestParser& p, int status, std::string reason) {
    p.status_ = status;
    p.reason_ = std::move(reason);
    return -1;  // not 1 or 2: those mean "no body" to on_headers_complete
  }

  // The target comes in pieces when its bytes come in pieces.
  static int on_url(http_parser* parser, const char* at, std::size_t length) {
    RequestParser& p = self(parser);
    if (length > kMaxTargetBytes - p.request_.target.size())
      return refuse(p, 414, "request target over " + std::to_string(kMaxTargetBytes) + " bytes");
    p.request_.target.append(at, length);
    return 0;
  }

  // Debian builds http_parser without HTTP_PARSER_STRICT, which lets a
  // space into field names ("Content-Length : 5", then not read as one);
  // RFC 9112 (5.1) has a server refuse that.
  static int on_header_field(http_parser* parser, const char* at, std::size_t length) {
    if (std::all_of(at, at + length, is_token_char)) return 0;
    return refuse(self(parser), 400, "invalid character in a header name");
  }

  static int on_headers_complete(http_parser* parser) {
    RequestParser& p = self(parser);
    p.headers_complete_ = true;
    if (parser->http_major != 1)
      return refuse(p, 505,
                    "HTTP/" + std::to_string(parser->http_major) + "." +
                        std::to_string(parser->http_minor) + " is not supported");
    // A declared length is refused before its body is read; a chunked body
    // is counted as it comes (on_body). ULLONG_MAX: no Content-Length.
    const bool chunked = (parser->flags & F_CHUNKED) != 0;
    if (!chunked && parser->content_length != ULLONG_MAX && parser->content_length > kMaxBodyBytes)
      return refuse(p, 413, "body over " + std::to_string(kMaxBodyBytes) + " bytes");
    Request& request = p.request_;
    request.method = http_method_str(static_cast<http_method>(parser->method));
    request.version_minor = parser->http_minor;
    request.keep_alive = http_should_keep_alive(parser) != 0;
    if (!split_target(request, parser->method == HTTP_CONNECT))
      return refuse(p, 400, "request target not understood");
    return 0;
  }

  // Bodies are dropped: only their size is kept, to bound them.
  static int on_body(http_parser* parser, const char*, std::size_t length) {
    RequestParser& p = self(parser);
    if (length > kMaxBodyBytes - p.body_bytes_)
      return refuse(p, 413, "body over " + std::to_string(kMaxBodyBytes) + " bytes");
    p.body_bytes_ += length;
    return 0;
  }

  // Pausing makes http_parser_execute return right after this message's
  // last byte, leaving pipelined requests to the caller.
  static int on_message_complete(http_parser* parser) {
    self(parser).complete_ = true;
    http_parser_pause(parser, 1);
    return 0;
  }

  static constexpr http_parser_settings kSettings = {
      .on_message_begin = nullptr,
      .on_url = on_url,
      .on_status = nullptr,
      .on_header_field = on_header_field,
      .on_header_value = nullptr,  // values matter only to http_parser
      .on_headers_complete = on_headers_complete,
      .on_body = on_body,
      .on_message_complete = on_message_complete,
      .on_chunk_header = nullptr,
      .on_chunk_complete = nullptr,
  };
};

RequestParser::RequestParser() { http_parser_init(&parser_, HTTP_REQUEST); }

RequestParser::Result RequestParser::feed(std::string_view bytes) {
  if (failed_) return {State::error, 0, status_, reason_};
  if (complete_) return {State::complete, 0};
  // Set at each call rather than once, so that a moved parser stays right.
  parser_.data = this;
  std::size_t consumed = 0;
  // Never an empty slice: http_parser takes zero bytes for the end of input.
  while (consumed < bytes.size()) {
    // No more than the current limit allows, so that a limit is known to be
    // crossed at the byte that crosses it.
    const std::size_t slice = std::min(bytes.size() - consumed, limit() - request_bytes_);
    const std::size_t parsed =
        http_parser_execute(&parser_, &Callbacks::kSettings, bytes.data() + consumed, slice);
    consumed += parsed;
    request_bytes_ += parsed;
    const auto error = HTTP_PARSER_ERRNO(&parser_);
    if (error == HPE_PAUSED) return {State::complete, consumed};
    // http_parser's own bound (80 KiB unless built otherwise) is wider than
    // ours; it can only be a chunked body's trailers.
    if (error == HPE_HEADER_OVERFLOW && status_ == 0)
      return fail(431, "request line and headers too long", consumed);
    if (error != HPE_OK) {
      if (status_ != 0) return fail(status_, reason_, consumed);
      return fail(400, http_errno_description(error), consumed);
    }
    // Without an error http_parser takes every byte; stopping anyway would
    // loop forever.
    if (parsed != slice) return fail(400, "the parser stopped", consumed);
    if (request_bytes_ >= limit()) {
      if (headers_complete_)
        return fail(413, "request over " + std::to_string(kMaxRequestBytes) + " bytes", consumed);
      return fail(431,
                  "request line and headers over " + std::to_string(kMaxHeaderBytes) + " bytes",
                  consumed);
    }
  }
  return {State::need_more, consumed};
}

void RequestParser::reset() {
  // Errors stay: what follows a bad request cannot be framed.
  if (failed_) return;
  // A fresh parser rather than an unpaused one: http_parser_init clears the
  // pause, and after a message that does not keep the connection alive
  // http_parser would refuse anything but line ends; the caller decides.
  http_parser_init(&parser_, HTTP_REQUEST);
  request_ = Request{};
  request_bytes_ = 0;
  body_bytes_ = 0;
  headers_complete_ = false;
  complete_ = false;
}

RequestParser::Result RequestParser::fail(int status, std::string reason, std::size_t consumed) {
  failed_ = true;
  status_ = status;
  reason_ = std::move(reason);
  return {State::error, consumed, status_, reason_};
}

std::vector<std::pair<std::string, std::string>> query_parameters(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> parameters;
  while (!query.empty() && parameters.size() < kMaxQueryParameters) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (piece.empty()) continue;
    const std::size_t equals = piece.find('=');
    if (equals == std::string_view::npos) {
      parameters.emplace_back(form_decode(piece), std::string());
    } else {
      parameters.emplace_back(form_decode(piece.substr(0, equals)),
                              form_decode(piece.substr(equals + 1)));
    }
  }
  return parameters;
}

}  // namespace borealis::http

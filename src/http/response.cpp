#include "http/response.hpp"

namespace borealis::http {
namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string serialize(const Response& response, bool keep_alive, bool head_only,
                      int request_minor_version) {
  std::string out;
  out.reserve(160 + (head_only ? 0 : response.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\n";
  append_header(out, "content-type", response.content_type);
  append_header(out, "content-length", std::to_string(response.body.size()));
  append_header(out, "cache-control", "no-cache");
  // 1.1 keeps connections unless told; 1.0 closes them unless told.
  if (!keep_alive) {
    append_header(out, "connection", "close");
  } else if (request_minor_version == 0) {
    append_header(out, "connection", "keep-alive");
  }
  for (const auto& [name, value] : response.headers) append_header(out, name, value);
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

Response error_response(int status, std::string_view detail) {
  Response response;
  response.status = status;
  response.body = std::to_string(status);
  response.body += ' ';
  response.body += reason_phrase(status);
  response.body += '\n';
  if (!detail.empty()) {
    // One line, whatever the detail quotes.
    for (const char c : detail) response.body += (c == '\r' || c == '\n') ? ' ' : c;
    response.body += '\n';
  }
  return response;
}

}  // namespace borealis::http

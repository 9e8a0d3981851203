// Responses of borealis's own HTTP services, byte for byte.
#include "http/response.hpp"

#include <gtest/gtest.h>

namespace borealis::http {
namespace {

TEST(ResponseReason, KnownAndUnknownStatuses) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(400), "Bad Request");
  EXPECT_EQ(reason_phrase(403), "Forbidden");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(405), "Method Not Allowed");
  EXPECT_EQ(reason_phrase(408), "Request Timeout");
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(414), "URI Too Long");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(500), "Internal Server Error");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reason_phrase(418), "Unknown");
  EXPECT_EQ(reason_phrase(0), "Unknown");
}

TEST(ResponseSerialize, EveryField) {
  Response response;
  response.status = 404;
  response.content_type = "text/html";
  response.body = "nothing here";
  response.headers = {{"X-One", "1"}, {"X-Two", "2"}};
  EXPECT_EQ(serialize(response, true, false, 1),
            "HTTP/1.1 404 Not Found\r\n"
            "content-type: text/html\r\n"
            "content-length: 12\r\n"
            "cache-control: no-cache\r\n"
            "X-One: 1\r\n"
            "X-Two: 2\r\n"
            "\r\n"
            "nothing here");
}

TEST(ResponseSerialize, Defaults) {
  Response response;
  response.body = "up 1\n";
  EXPECT_EQ(serialize(response, true, false, 1),
            "HTTP/1.1 200 OK\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            "content-length: 5\r\n"
            "cache-control: no-cache\r\n"
            "\r\n"
            "up 1\n");
  EXPECT_EQ(serialize(Response{}, true, false, 1),
            "HTTP/1.1 200 OK\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            "content-length: 0\r\n"
            "cache-control: no-cache\r\n"
            "\r\n");
}

TEST(ResponseSerialize, HeadOnlyKeepsTheBodysLength) {
  Response response;
  response.body = "up 1\n";
  const std::string head = serialize(response, true, true, 1);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            "content-length: 5\r\n"
            "cache-control: no-cache\r\n"
            "\r\n");
}

TEST(ResponseSerialize, ConnectionHeaders) {
  Response response;
  response.headers = {{"Allow", "GET, HEAD"}};
  const auto connection_of = [&](bool keep_alive, int minor) {
    const std::string text = serialize(response, keep_alive, false, minor);
    EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK\r\n")) << text;
    EXPECT_TRUE(text.ends_with("cache-control: no-cache\r\n" +
                               std::string(keep_alive && minor == 1 ? "" : "connection: ") +
                               (keep_alive ? (minor == 1 ? "" : "keep-alive\r\n") : "close\r\n") +
                               "Allow: GET, HEAD\r\n\r\n"))
        << text;
    const auto at = text.find("connection: ");
    if (at == std::string::npos) return std::string();
    return text.substr(at + 12, text.find("\r\n", at) - at - 12);
  };
  EXPECT_EQ(connection_of(true, 1), "");
  EXPECT_EQ(connection_of(false, 1), "close");
  EXPECT_EQ(connection_of(true, 0), "keep-alive");
  EXPECT_EQ(connection_of(false, 0), "close");
}

TEST(ErrorResponse, OneLineAndAnOptionalDetail) {
  const Response plain = error_response(404);
  EXPECT_EQ(plain.status, 404);
  EXPECT_EQ(plain.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(plain.body, "404 Not Found\n");
  EXPECT_TRUE(plain.headers.empty());

  EXPECT_EQ(error_response(414, "request target over 8192 bytes").body,
            "414 URI Too Long\nrequest target over 8192 bytes\n");
  EXPECT_EQ(error_response(400, "bad\r\nx: y").body, "400 Bad Request\nbad  x: y\n");
  EXPECT_EQ(serialize(error_response(503), false, false, 1),
            "HTTP/1.1 503 Service Unavailable\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            "content-length: 24\r\n"
            "cache-control: no-cache\r\n"
            "connection: close\r\n"
            "\r\n"
            "503 Service Unavailable\n");
}

}  // namespace
}  // namespace borealis::http

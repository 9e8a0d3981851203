// HTTP/1.x requests to borealis's own services: what is kept of them, how
// a connection's requests are framed one at a time, and every bound.
#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace borealis::http {
namespace {

using State = RequestParser::State;

// Parses one request that must be whole; it and nothing else is consumed.
Request parse_one(std::string_view bytes) {
  RequestParser parser;
  const auto result = parser.feed(bytes);
  EXPECT_EQ(result.state, State::complete) << result.reason;
  EXPECT_EQ(result.consumed, bytes.size());
  return parser.request();
}

// The status a request is refused with (0: it was not refused).
int refusal(std::string_view bytes) {
  RequestParser parser;
  const auto result = parser.feed(bytes);
  if (result.state != State::error) return 0;
  EXPECT_FALSE(result.reason.empty());
  return result.status;
}

std::string with_header_section_of(std::size_t size) {
  const std::string start = "GET / HTTP/1.1\r\nX-Fill: ";
  const std::string end = "\r\n\r\n";
  return start + std::string(size - start.size() - end.size(), 'a') + end;
}

TEST(RequestParser, SimpleGet) {
  const Request request = parse_one("GET /metrics HTTP/1.1\r\nHost: localhost:9100\r\n\r\n");
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/metrics");
  EXPECT_EQ(request.path, "/metrics");
  EXPECT_EQ(request.query, "");
  EXPECT_EQ(request.version_minor, 1);
  EXPECT_TRUE(request.keep_alive);
}

TEST(RequestParser, Head) {
  const Request request = parse_one("HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(request.method, "HEAD");
  EXPECT_EQ(request.path, "/metrics");
}

TEST(RequestParser, QueryIsSplitFromThePath) {
  const Request request = parse_one("GET /metrics?scope=frontend&x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(request.target, "/metrics?scope=frontend&x");
  EXPECT_EQ(request.path, "/metrics");
  EXPECT_EQ(request.query, "scope=frontend&x");
  EXPECT_EQ(parse_one("GET /metrics? HTTP/1.1\r\n\r\n").query, "");
}

TEST(RequestParser, AbsoluteFormTargetsGiveTheirPath) {
  const Request request = parse_one("GET http://gw.example:9100/x?y HTTP/1.1\r\n\r\n");
  EXPECT_EQ(request.target, "http://gw.example:9100/x?y");
  EXPECT_EQ(request.path, "/x");
  EXPECT_EQ(request.query, "y");
  EXPECT_EQ(parse_one("GET http://gw.example HTTP/1.1\r\n\r\n").path, "/");
}

TEST(RequestParser, AsteriskAndAuthorityForms) {
  const Request options = parse_one("OPTIONS * HTTP/1.1\r\n\r\n");
  EXPECT_EQ(options.method, "OPTIONS");
  EXPECT_EQ(options.path, "*");
  const Request connect = parse_one("CONNECT gw.example:443 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(connect.method, "CONNECT");
  EXPECT_EQ(connect.target, "gw.example:443");
  EXPECT_EQ(connect.path, "");
}

TEST(RequestParser, KeepAliveDefaultsAndConnectionHeader) {
  EXPECT_TRUE(parse_one("GET / HTTP/1.1\r\n\r\n").keep_alive);
  const Request old = parse_one("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.version_minor, 0);
  EXPECT_FALSE(old.keep_alive);
  EXPECT_TRUE(parse_one("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
}

TEST(RequestParser, PipelinedRequestsAreTakenOneAtATime) {
  const std::string first = "GET /a HTTP/1.1\r\n\r\n";
  const std::string second = "HEAD /b?c HTTP/1.1\r\nConnection: close\r\n\r\n";
  const std::string bytes = first + second;
  RequestParser parser;
  auto result = parser.feed(bytes);
  ASSERT_EQ(result.state, State::complete) << result.reason;
  EXPECT_EQ(result.consumed, first.size());
  EXPECT_EQ(parser.request().path, "/a");
  // Until reset(), the request stays and nothing more is taken.
  result = parser.feed(std::string_view(bytes).substr(first.size()));
  EXPECT_EQ(result.state, State::complete);
  EXPECT_EQ(result.consumed, 0u);

  parser.reset();
  result = parser.feed(std::string_view(bytes).substr(first.size()));
  ASSERT_EQ(result.state, State::complete) << result.reason;
  EXPECT_EQ(result.consumed, second.size());
  EXPECT_EQ(parser.request().method, "HEAD");
  EXPECT_EQ(parser.request().path, "/b");
  EXPECT_EQ(parser.request().query, "c");
  EXPECT_FALSE(parser.request().keep_alive);
}

TEST(RequestParser, ARequestAfterOneThatClosesStillParsesAfterReset) {
  // Whether to read on is the caller's choice, not the parser's.
  const std::string first = "GET /a HTTP/1.0\r\n\r\n";
  const std::string bytes = first + "GET /b HTTP/1.1\r\n\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.feed(bytes).state, State::complete);
  EXPECT_FALSE(parser.request().keep_alive);
  parser.reset();
  ASSERT_EQ(parser.feed(std::string_view(bytes).substr(first.size())).state, State::complete);
  EXPECT_EQ(parser.request().path, "/b");
}

TEST(RequestParser, OneByteAtATime) {
  const std::string bytes =
      "POST /metrics?a=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n";
  RequestParser parser;
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    const auto result = parser.feed(bytes.substr(i, 1));
    ASSERT_EQ(result.state, State::need_more) << "at byte " << i << ": " << result.reason;
    ASSERT_EQ(result.consumed, 1u);
  }
  const auto last = parser.feed(bytes.substr(bytes.size() - 1));
  ASSERT_EQ(last.state, State::complete);
  EXPECT_EQ(last.consumed, 1u);
  EXPECT_EQ(parser.request().method, "POST");
  EXPECT_EQ(parser.request().target, "/metrics?a=1");
  EXPECT_EQ(parser.request().query, "a=1");
}

TEST(RequestParser, AMovedParserGoesOn) {
  RequestParser parser;
  ASSERT_EQ(parser.feed("GET /met").state, State::need_more);
  RequestParser moved = std::move(parser);
  ASSERT_EQ(moved.feed("rics HTTP/1.1\r\n\r\n").state, State::complete);
  EXPECT_EQ(moved.request().target, "/metrics");
}

TEST(RequestParser, NothingFedNeedsMore) {
  RequestParser parser;
  const auto result = parser.feed("");
  EXPECT_EQ(result.state, State::need_more);
  EXPECT_EQ(result.consumed, 0u);
}

TEST(RequestParser, LineEndsBeforeARequestAreSkipped) {
  EXPECT_EQ(parse_one("\r\n\r\nGET /x HTTP/1.1\r\n\r\n").path, "/x");
}

TEST(RequestParser, SmallBodiesAreConsumedAndDropped) {
  const std::string post = "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  const std::string bytes = post + "GET /y HTTP/1.1\r\n\r\n";
  RequestParser parser;
  const auto result = parser.feed(bytes);
  ASSERT_EQ(result.state, State::complete) << result.reason;
  EXPECT_EQ(result.consumed, post.size());
  EXPECT_EQ(parser.request().method, "POST");

  const std::string body(RequestParser::kMaxBodyBytes, 'b');
  parse_one("POST /x HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
            body);
  parse_one("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n" + body +
            "\r\n0\r\n\r\n");
}

TEST(RequestParser, GarbageIsABadRequest) {
  EXPECT_EQ(refusal("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), 400);
  EXPECT_EQ(refusal("FETCH / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"), 400);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello"), 400);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), 400);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
  EXPECT_EQ(refusal("GET http://[::1/x HTTP/1.1\r\n\r\n"), 400);
}

TEST(RequestParser, ErrorsStay) {
  RequestParser parser;
  ASSERT_EQ(parser.feed("BAD\r\n").state, State::error);
  parser.reset();
  const auto again = parser.feed("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(again.state, State::error);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.consumed, 0u);
}

TEST(RequestParser, TargetOverTheLimitIs414) {
  const std::string longest = "/" + std::string(RequestParser::kMaxTargetBytes - 1, 't');
  EXPECT_EQ(parse_one("GET " + longest + " HTTP/1.1\r\n\r\n").target, longest);
  EXPECT_EQ(refusal("GET " + longest + "t HTTP/1.1\r\n\r\n"), 414);
  // Refused as soon as the target is too long, not when the line ends.
  EXPECT_EQ(refusal("GET " + longest + "t"), 414);
}

TEST(RequestParser, HeadersOverTheLimitAre431) {
  EXPECT_EQ(refusal(with_header_section_of(RequestParser::kMaxHeaderBytes)), 0);
  EXPECT_EQ(refusal(with_header_section_of(RequestParser::kMaxHeaderBytes + 1)), 431);
  // Refused at the byte that crosses the limit, in whatever pieces it came.
  RequestParser parser;
  const std::string start = "GET / HTTP/1.1\r\nX-Fill: ";
  ASSERT_EQ(parser.feed(start).state, State::need_more);
  const std::string fill(RequestParser::kMaxHeaderBytes - start.size(), 'a');
  const auto result = parser.feed(fill);
  EXPECT_EQ(result.state, State::error);
  EXPECT_EQ(result.status, 431);
}

TEST(RequestParser, BodiesOverTheLimitAre413) {
  const std::size_t over = RequestParser::kMaxBodyBytes + 1;
  // A declared length is refused before any of the body comes.
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: " + std::to_string(over) + "\r\n\r\n"),
            413);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n"), 413);
  // A chunked one as it comes, over several chunks.
  const std::string half(RequestParser::kMaxBodyBytes / 2, 'b');
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + half +
                    "\r\n1000\r\n" + half + "\r\n1\r\nb\r\n"),
            413);
  // Chunk framing counts too: endless chunk extensions are cut off.
  std::string framing = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;x=";
  framing += std::string(RequestParser::kMaxRequestBytes, 'e');
  EXPECT_EQ(refusal(framing), 413);
}

TEST(RequestParser, MajorVersionsOtherThanOneAre505) {
  EXPECT_EQ(refusal("GET / HTTP/2.0\r\n\r\n"), 505);
  // HTTP/0.9's request line has no version: http_parser says 0.9.
  EXPECT_EQ(refusal("GET /\r\n\r\n"), 505);
  EXPECT_EQ(refusal("GET / HTTP/0.9\r\n\r\n"), 505);
}

TEST(QueryParameters, SplitsAndDecodes) {
  using Parameters = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(query_parameters("a=1&b=%2Fx&c"), (Parameters{{"a", "1"}, {"b", "/x"}, {"c", ""}}));
  EXPECT_EQ(query_parameters("q=a+b%20c&%41%3d=%26"), (Parameters{{"q", "a b c"}, {"A=", "&"}}));
  EXPECT_EQ(query_parameters("x=1=2&=v"), (Parameters{{"x", "1=2"}, {"", "v"}}));
  EXPECT_TRUE(query_parameters("").empty());
  EXPECT_EQ(query_parameters("&&a&"), (Parameters{{"a", ""}}));
}

TEST(QueryParameters, BadEscapesAreKeptAsTheyAre) {
  using Parameters = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(query_parameters("a=%zz&b=%4&c=%&d=%%41"),
            (Parameters{{"a", "%zz"}, {"b", "%4"}, {"c", "%"}, {"d", "%A"}}));
}

TEST(QueryParameters, AtMost64) {
  std::string query;
  for (int i = 0; i < 100; ++i) query += "p" + std::to_string(i) + "=" + std::to_string(i) + "&";
  const auto parameters = query_parameters(query);
  ASSERT_EQ(parameters.size(), kMaxQueryParameters);
  EXPECT_EQ(parameters.back(), (std::pair<std::string, std::string>{"p63", "63"}));
}

}  // namespace
}  // namespace borealis::http

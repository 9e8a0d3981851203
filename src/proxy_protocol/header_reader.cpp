#include "proxy_protocol/header_reader.hpp"

#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace borealis::proxy_protocol {
namespace {

using asio::ip::tcp;

// Peeks at what has arrived, parses it, and takes from the socket only the
// bytes that belong to the header: everything up to the end the parser
// found, or everything peeked while the header is still incomplete (all of
// it is header then).
asio::awaitable<ReadOutcome> read_until_parsed(tcp::socket& socket) {
  std::array<std::uint8_t, kMaxV2Length> buffer{};
  std::size_t have = 0;
  std::size_t limit = kV2FixedLength;
  asio::error_code error;
  socket.non_blocking(true, error);
  for (;;) {
    co_await socket.async_wait(tcp::socket::wait_read,
                               asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return ReadOutcome{std::nullopt, "PROXY header: " + error.message()};
    const std::size_t room = std::min(limit, buffer.size()) - have;
    const std::size_t peeked =
        socket.receive(asio::buffer(buffer.data() + have, room), tcp::socket::message_peek, error);
    if (error == asio::error::would_block || error == asio::error::try_again) continue;
    if (error == asio::error::eof || (!error && peeked == 0))
      co_return ReadOutcome{std::nullopt, "connection closed before the PROXY header ended"};
    if (error) co_return ReadOutcome{std::nullopt, "PROXY header: " + error.message()};
    const auto parsed = parse(std::span<const std::uint8_t>(buffer.data(), have + peeked));
    if (parsed.status == ParseResult::Status::invalid)
      co_return ReadOutcome{std::nullopt, parsed.error};
    const std::size_t take =
        parsed.status == ParseResult::Status::complete ? parsed.length - have : peeked;
    const std::size_t taken = socket.receive(asio::buffer(buffer.data() + have, take), 0, error);
    if (error || taken != take)
      co_return ReadOutcome{std::nullopt, "PROXY header: the connection failed while reading it"};
    have += taken;
    if (parsed.status == ParseResult::Status::complete) co_return ReadOutcome{parsed.header, {}};
    limit = parsed.length;
  }
}

}  // namespace

asio::awaitable<ReadOutcome> read_header(tcp::socket& socket, std::chrono::milliseconds limit) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(socket.get_executor(), limit);
  auto outcome = co_await (read_until_parsed(socket) || timer.async_wait(asio::use_awaitable));
  if (outcome.index() == 1)
    co_return ReadOutcome{std::nullopt, "no complete PROXY header within the client timeout"};
  co_return std::get<0>(std::move(outcome));
}

}  // namespace borealis::proxy_protocol

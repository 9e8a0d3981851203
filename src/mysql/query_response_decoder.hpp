// The reply to COM_QUERY in the text protocol, decoded from packet payloads
// fed one at a time as they arrive:
//   OK | ERR | column count, column definitions, EOF, rows..., EOF | ERR
// borealis never sets CLIENT_DEPRECATE_EOF, so the classic EOFs are always
// there, and never MULTI_RESULTS, so one result set ends the reply.
// Memory is bounded: beyond the limits decoding fails instead of growing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "mysql/decoded.hpp"
#include "mysql/query_result.hpp"

namespace borealis::mysql {

class QueryResponseDecoder {
 public:
  struct Limits {
    std::size_t max_rows = 10'000;
    std::size_t max_bytes = 16 * 1024 * 1024;  // column names and values, with overhead
    std::size_t max_columns = 4096;            // the server's own per-table limit
  };
  enum class Progress { need_more, complete };

  QueryResponseDecoder() = default;
  explicit QueryResponseDecoder(Limits limits) : limits_(limits) {}

  // One packet payload. A DecodeError means the reply is malformed or too
  // large; the stream can no longer be trusted, so the caller closes it. A
  // server ERR is not a decode error: it completes with result().ok false.
  Decoded<Progress> feed(std::span<const std::uint8_t> payload);

  // The outcome, meaningful once feed() returned Progress::complete.
  const QueryResult& result() const { return result_; }
  QueryResult take_result() { return std::move(result_); }

 private:
  enum class State { first, column_definitions, columns_eof, rows, complete, failed };

  Decoded<Progress> fail(std::string message);
  Decoded<Progress> on_first(std::span<const std::uint8_t> payload);
  Decoded<Progress> on_column_definition(std::span<const std::uint8_t> payload);
  Decoded<Progress> on_columns_eof(std::span<const std::uint8_t> payload);
  Decoded<Progress> on_row_or_end(std::span<const std::uint8_t> payload);
  Decoded<Progress> on_server_error(std::span<const std::uint8_t> payload);
  bool account(std::size_t bytes);

  Limits limits_;
  State state_ = State::first;
  std::size_t column_count_ = 0;
  std::size_t bytes_ = 0;
  QueryResult result_;
};

}  // namespace borealis::mysql

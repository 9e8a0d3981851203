#include "mysql/query_response_decoder.hpp"

#include "mysql/payload_reader.hpp"
#include "mysql/protocol_codec.hpp"

namespace borealis::mysql {

namespace {

constexpr std::uint8_t kLocalInfileHeader = 0xfb;
// What a stored value costs beyond its characters, so that many tiny values
// cannot grow memory past the limit unnoticed.
constexpr std::size_t kValueOverhead = sizeof(std::optional<std::string>);

}  // namespace

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::feed(
    std::span<const std::uint8_t> payload) {
  switch (state_) {
    case State::first:
      return on_first(payload);
    case State::column_definitions:
      return on_column_definition(payload);
    case State::columns_eof:
      return on_columns_eof(payload);
    case State::rows:
      return on_row_or_end(payload);
    case State::complete:
      return fail("query reply: packet after the end of the reply");
    case State::failed:
      break;
  }
  return DecodeError{"query reply: decoding already failed"};
}

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::fail(std::string message) {
  state_ = State::failed;
  result_ = QueryResult{};
  return DecodeError{std::move(message)};
}

bool QueryResponseDecoder::account(std::size_t bytes) {
  bytes_ += bytes;
  return bytes_ <= limits_.max_bytes;
}

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::on_server_error(
    std::span<const std::uint8_t> payload) {
  auto err = decode_err(payload);
  if (!err) return fail("query reply: " + err.error().message);
  result_ = QueryResult{};
  result_.error = format_error(*err);
  result_.error_code = err->code;
  state_ = State::complete;
  return Progress::complete;
}

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::on_first(
    std::span<const std::uint8_t> payload) {
  if (payload.empty()) return fail("query reply: empty packet");
  if (is_err_packet(payload)) return on_server_error(payload);
  if (is_ok_packet(payload)) {
    auto ok = decode_ok(payload);
    if (!ok) return fail("query reply: " + ok.error().message);
    if (ok->status_flags & server_status::kMoreResultsExist)
      return fail("query reply: more than one result (multi-statement SQL is not supported)");
    result_.ok = true;
    result_.affected_rows = ok->affected_rows;
    result_.last_insert_id = ok->last_insert_id;
    result_.warnings = ok->warnings;
    result_.status_flags = ok->status_flags;
    state_ = State::complete;
    return Progress::complete;
  }
  if (payload[0] == kLocalInfileHeader)
    return fail("query reply: LOAD DATA LOCAL INFILE request refused");
  auto count = decode_lenenc_int(payload);
  if (!count) return fail("query reply: column count: " + count.error().message);
  if (count->size != payload.size()) return fail("query reply: column count: trailing bytes");
  if (count->value == 0) return fail("query reply: zero columns");
  if (count->value > limits_.max_columns)
    return fail("query reply: " + std::to_string(count->value) + " columns is too many");
  column_count_ = static_cast<std::size_t>(count->value);
  result_.columns.reserve(column_count_);
  state_ = State::column_definitions;
  return Progress::need_more;
}

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::on_column_definition(
    std::span<const std::uint8_t> payload) {
  // ColumnDefinition41: catalog, schema, table, org_table, name, org_name,
  // then a length-prefixed block of fixed fields (charset, length, type...).
  PayloadReader reader(payload);
  std::string name;
  for (int field = 0; field < 6; ++field) {
    auto text = decode_lenenc_string(reader.rest());
    if (!text) return fail("query reply: column definition: " + text.error().message);
    reader.skip(text->size);
    if (field == 4) name = std::move(text->value);
  }
  auto fixed = decode_lenenc_int(reader.rest());
  if (!fixed || !reader.skip(fixed->size) || fixed->value > reader.remaining())
    return fail("query reply: column definition: fixed fields truncated");
  if (!account(name.size() + sizeof(std::string)))
    return fail("query reply: result set larger than " + std::to_string(limits_.max_bytes) +
                " bytes");
  result_.columns.push_back(std::move(name));
  if (result_.columns.size() == column_count_) state_ = State::columns_eof;
  return Progress::need_more;
}

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::on_columns_eof(
    std::span<const std::uint8_t> payload) {
  if (is_err_packet(payload)) return on_server_error(payload);
  auto eof = decode_eof(payload);
  if (!eof) return fail("query reply: expected EOF after column definitions");
  state_ = State::rows;
  return Progress::need_more;
}

Decoded<QueryResponseDecoder::Progress> QueryResponseDecoder::on_row_or_end(
    std::span<const std::uint8_t> payload) {
  if (is_err_packet(payload)) return on_server_error(payload);  // e.g. query killed
  if (is_eof_packet(payload)) {
    auto eof = decode_eof(payload);
    if (!eof) return fail("query reply: " + eof.error().message);
    if (eof->status_flags & server_status::kMoreResultsExist)
      return fail("query reply: more than one result (multi-statement SQL is not supported)");
    result_.ok = true;
    result_.warnings = eof->warnings;
    result_.status_flags = eof->status_flags;
    state_ = State::complete;
    return Progress::complete;
  }
  if (result_.rows.size() >= limits_.max_rows)
    return fail("query reply: more than " + std::to_string(limits_.max_rows) + " rows");
  PayloadReader reader(payload);
  Row row;
  row.reserve(column_count_);
  for (std::size_t column = 0; column < column_count_; ++column) {
    if (reader.at_end()) return fail("query reply: row has too few values");
    if (reader.peek() == kNullValue) {
      reader.skip(1);
      row.emplace_back(std::nullopt);
    } else {
      auto text = decode_lenenc_string(reader.rest());
      if (!text) return fail("query reply: row: " + text.error().message);
      reader.skip(text->size);
      row.emplace_back(std::move(text->value));
    }
    if (!account(kValueOverhead + (row.back() ? row.back()->size() : 0)))
      return fail("query reply: result set larger than " + std::to_string(limits_.max_bytes) +
                  " bytes");
  }
  if (!reader.at_end()) return fail("query reply: row has trailing bytes");
  result_.rows.push_back(std::move(row));
  return Progress::need_more;
}

}  // namespace borealis::mysql

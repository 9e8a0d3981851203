// Bytes a server (or something posing as one) sends to the control plane's
// admin client. Each decoder gets the input as one payload; the reply decoder
// also gets it as a stream of framed packets. None may crash, hang, read out
// of bounds or grow memory without bound.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "mysql/packet.hpp"
#include "mysql/protocol_codec.hpp"
#include "mysql/query_response_decoder.hpp"

using namespace borealis::mysql;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  decode_greeting(bytes);
  decode_ok(bytes);
  if (auto err = decode_err(bytes)) format_error(*err);
  decode_eof(bytes);
  decode_auth_switch(bytes);
  decode_lenenc_int(bytes);
  decode_lenenc_string(bytes);

  // Small limits so that the limit paths are reached too.
  QueryResponseDecoder decoder(QueryResponseDecoder::Limits{64, 64 * 1024, 64});
  while (auto header = decode_header(bytes)) {
    bytes = bytes.subspan(kHeaderSize);
    auto payload = bytes.first(std::min<std::size_t>(header->payload_length, bytes.size()));
    bytes = bytes.subspan(payload.size());
    auto progress = decoder.feed(payload);
    if (!progress || *progress == QueryResponseDecoder::Progress::complete) break;
  }
  if (auto name = decoder.result().value("a")) (void)name->size();
  name_value_map(decoder.result());
  return 0;
}

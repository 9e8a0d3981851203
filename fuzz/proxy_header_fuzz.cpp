// The first bytes of a connection on an `accept-proxy` bind, from anyone
// who can reach it. The parser may not crash, read out of bounds or accept
// a header it could not have read; and what it accepts, borealis writes
// back identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "proxy_protocol/proxy_header.hpp"

namespace pp = borealis::proxy_protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  auto result = pp::parse(bytes);
  switch (result.status) {
    case pp::ParseResult::Status::complete:
      // A header lies within what was given and within the limits.
      if (result.length == 0 || result.length > size) std::abort();
      if (result.length > (result.header.version == 1 ? pp::kMaxV1Length : pp::kMaxV2Length))
        std::abort();
      // Any prefix of it is incomplete: read in pieces, a header gets the
      // verdict it gets read at once.
      if (pp::parse(bytes.first(result.length - 1)).status != pp::ParseResult::Status::need_more)
        std::abort();
      if (result.header.names_client) {
        auto again = pp::parse(pp::make_v2(result.header.source, result.header.destination));
        if (again.status != pp::ParseResult::Status::complete ||
            again.header.source != result.header.source ||
            again.header.destination != result.header.destination)
          std::abort();
      }
      break;
    case pp::ParseResult::Status::need_more:
      // More is needed only when there is room for it.
      if (result.length <= size || result.length > pp::kMaxV2Length) std::abort();
      break;
    case pp::ParseResult::Status::invalid:
      if (result.error.empty()) std::abort();
      break;
  }
  return 0;
}

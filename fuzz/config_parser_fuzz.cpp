// Feeds arbitrary bytes to the configuration parser. Run with the seed
// corpus in fuzz/corpus/config/, e.g.
//   config_parser_fuzz -max_total_time=60 fuzz/corpus/config
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = borealis::config::parse_text(text, "fuzz.cfg");
  // Format every message too: text() must hold for whatever was parsed.
  for (const auto& diagnostic : result.diagnostics) (void)diagnostic.text();
  (void)result.ok();
  return 0;
}

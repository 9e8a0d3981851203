// Feeds arbitrary bytes to the runtime API's line splitter: never a crash,
// and its bounds hold for whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "admin/cli_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace borealis::admin;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const CliRequest request = parse_cli_request(line);
  if (!request.error.empty() && !request.commands.empty()) std::abort();
  if (request.commands.size() > kMaxCommands) std::abort();
  for (const Words& words : request.commands)
    if (words.empty() || words.size() > kMaxWords) std::abort();
  return 0;
}

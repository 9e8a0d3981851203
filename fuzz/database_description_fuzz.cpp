// Feeds arbitrary bytes, as the old process of a reload would describe a
// database it hands over, to the description's reader: never a crash, and
// what it accepts is written back as the same line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "reload/database_description.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  std::size_t count = 0;
  std::string error;
  auto database = borealis::reload::parse_database_description(line, count, error);
  if (!database) {
    if (error.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  if (count > borealis::reload::kMaxEngineDescriptors || database->name.empty()) std::abort();
  // Read again from its own description, it is the same database.
  database->engine.descriptors.assign(count, -1);
  std::size_t again_count = 0;
  auto again = borealis::reload::parse_database_description(
      borealis::reload::describe_database(*database), again_count, error);
  if (!again || again_count != count || again->name != database->name ||
      again->state != database->state || again->engine.pid != database->engine.pid)
    std::abort();
  return 0;
}

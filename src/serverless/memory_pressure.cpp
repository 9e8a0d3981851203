#include "serverless/memory_pressure.hpp"

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace borealis::serverless {

namespace {

constexpr unsigned long long kShortBelowOneIn = 10;

// The number after "Name:" on its line (kB), or nullopt.
std::optional<unsigned long long> field(std::string_view text, std::string_view name) {
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != ':') continue;
    line.remove_prefix(name.size() + 1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    unsigned long long value = 0;
    auto [next, error] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (error != std::errc()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace

bool memory_is_short(std::string_view meminfo) {
  auto total = field(meminfo, "MemTotal");
  auto available = field(meminfo, "MemAvailable");
  if (!total || !available || *total == 0) return false;
  return *available < *total / kShortBelowOneIn;
}

bool host_memory_is_short() {
  std::ifstream file("/proc/meminfo");
  std::stringstream text;
  text << file.rdbuf();
  return memory_is_short(text.str());
}

}  // namespace borealis::serverless

#include "config/units.hpp"

#include <charconv>
#include <limits>

namespace borealis::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads leading digits into `value`; false on overflow of uint64.
bool read_digits(std::string_view& text, std::uint64_t& value) {
  value = 0;
  while (!text.empty() && is_digit(text.front())) {
    const auto digit = static_cast<std::uint64_t>(text.front() - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
    text.remove_prefix(1);
  }
  return true;
}

struct TimeUnit {
  std::string_view suffix;
  std::uint64_t multiplier_us;
};

// Longest suffixes first so "ms" is not read as "m".
constexpr TimeUnit kTimeUnits[] = {
    {"us", 1},
    {"ms", 1000},
    {"s", 1000ULL * 1000},
    {"m", 60ULL * 1000 * 1000},
    {"h", 3600ULL * 1000 * 1000},
    {"d", 86400ULL * 1000 * 1000},
};

}  // namespace

TimeParse parse_time_detailed(std::string_view text) {
  if (text.empty()) return {std::nullopt, TimeError::empty};
  if (!is_digit(text.front())) return {std::nullopt, TimeError::bad_number};
  std::uint64_t number = 0;
  if (!read_digits(text, number)) return {std::nullopt, TimeError::overflow};

  std::uint64_t multiplier_us = 1000;  // bare number: milliseconds
  if (!text.empty()) {
    bool found = false;
    for (const auto& unit : kTimeUnits) {
      if (text == unit.suffix) {
        multiplier_us = unit.multiplier_us;
        found = true;
        break;
      }
    }
    if (!found) return {std::nullopt, TimeError::bad_unit};
  }
  constexpr auto kMaxUs = static_cast<std::uint64_t>(kMaxTimeMs) * 1000;
  if (number > kMaxUs / multiplier_us) return {std::nullopt, TimeError::overflow};
  const std::uint64_t us = number * multiplier_us;
  const std::uint64_t ms = (us + 999) / 1000;  // round up, as HAProxy does
  if (ms > static_cast<std::uint64_t>(kMaxTimeMs)) return {std::nullopt, TimeError::overflow};
  return {Duration{static_cast<Duration::rep>(ms)}, TimeError::none};
}

std::optional<Duration> parse_time(std::string_view text) {
  return parse_time_detailed(text).value;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  if (text.empty() || !is_digit(text.front())) return std::nullopt;
  std::uint64_t number = 0;
  if (!read_digits(text, number)) return std::nullopt;
  std::uint64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.front()) {
      case 'k':
      case 'K':
        multiplier = 1024ULL;
        break;
      case 'm':
      case 'M':
        multiplier = 1024ULL * 1024;
        break;
      case 'g':
      case 'G':
        multiplier = 1024ULL * 1024 * 1024;
        break;
      default:
        return std::nullopt;
    }
    if (text.size() != 1) return std::nullopt;
  }
  if (number > std::numeric_limits<std::uint64_t>::max() / multiplier) return std::nullopt;
  return number * multiplier;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty() || !is_digit(text.front())) return std::nullopt;
  std::uint64_t magnitude = 0;
  if (!read_digits(text, magnitude) || !text.empty()) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return std::nullopt;
  if (negative)
    return magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                 : -static_cast<std::int64_t>(magnitude);
  return static_cast<std::int64_t>(magnitude);
}

std::optional<double> parse_decimal(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  const auto dot = digits.find('.');
  const auto whole = digits.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view{} : digits.substr(dot + 1);
  const auto all_digits = [](std::string_view part) {
    for (char c : part)
      if (!is_digit(c)) return false;
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  if (whole.size() + fraction.size() > 15) return std::nullopt;
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace borealis::config

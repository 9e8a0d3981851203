// Time and size values as HAProxy writes them ("3s", "10m", "16k").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "config/model.hpp"

namespace borealis::config {

// The largest delay HAProxy accepts: its timers are signed 32-bit milliseconds.
inline constexpr std::int64_t kMaxTimeMs = 2147483647;

enum class TimeError { none, empty, bad_number, bad_unit, overflow };

struct TimeParse {
  std::optional<Duration> value;
  TimeError error = TimeError::none;
};

// Units us, ms, s, m, h, d (case-sensitive, as HAProxy); a bare number is in
// milliseconds; microseconds round up to the next whole millisecond.
TimeParse parse_time_detailed(std::string_view text);
std::optional<Duration> parse_time(std::string_view text);

// A byte count with an optional k, m or g suffix (either case, 1024-based).
std::optional<std::uint64_t> parse_size(std::string_view text);

// A plain decimal integer with an optional leading '-', no spaces, no
// overflow. HAProxy uses atol() for most numbers and silently accepts
// garbage; borealis is stricter on purpose.
std::optional<std::int64_t> parse_integer(std::string_view text);

// A plain decimal number ("2", "0.25", "-1.5"): an optional leading '-',
// digits, and an optional '.' followed by digits. No exponent, no spaces, at
// most 15 significant digits so the value is exact enough to compare.
std::optional<double> parse_decimal(std::string_view text);

}  // namespace borealis::config

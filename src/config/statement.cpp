#include "config/statement.hpp"

#include <fmt/format.h>

#include "config/units.hpp"

namespace borealis::config {

const std::string& Statement::arg(std::size_t i) const {
  static const std::string kEmpty;
  return i < args.size() ? args[i] : kEmpty;
}

std::string Statement::joined(std::size_t first, std::size_t last) const {
  std::string out;
  for (std::size_t i = first; i < last && i < args.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += args[i];
  }
  return out;
}

bool expect_at_most(const Statement& st, std::size_t count, std::string_view keyword,
                    Reporter& report) {
  if (st.size() <= count) return true;
  report.alert(st.where,
               fmt::format("'{}' cannot handle unexpected argument '{}'.", keyword, st.arg(count)));
  return false;
}

bool read_integer(const Statement& st, std::size_t index, std::string_view keyword,
                  std::int64_t min, std::int64_t max, std::int64_t& out, Reporter& report) {
  if (index >= st.size()) {
    report.alert(st.where, fmt::format("'{}' expects an integer argument.", keyword));
    return false;
  }
  const auto value = parse_integer(st.arg(index));
  if (!value || *value < min || *value > max) {
    report.alert(st.where, fmt::format("'{}' expects an integer between {} and {}, got '{}'.",
                                       keyword, min, max, st.arg(index)));
    return false;
  }
  out = *value;
  return true;
}

bool read_int(const Statement& st, std::size_t index, std::string_view keyword, int min, int max,
              int& out, Reporter& report) {
  std::int64_t value = 0;
  if (!read_integer(st, index, keyword, min, max, value, report)) return false;
  out = static_cast<int>(value);
  return true;
}

bool read_time(const Statement& st, std::size_t index, std::string_view keyword, bool positive,
               Duration& out, Reporter& report) {
  if (index >= st.size()) {
    report.alert(st.where,
                 fmt::format("'{}' expects a delay with a unit (us, ms, s, m, h, d).", keyword));
    return false;
  }
  const auto parsed = parse_time_detailed(st.arg(index));
  if (parsed.error == TimeError::overflow) {
    report.alert(st.where, fmt::format("timer overflow in argument '{}' to '{}', maximum value is "
                                       "2147483647 ms (~24.8 days).",
                                       st.arg(index), keyword));
    return false;
  }
  if (!parsed.value) {
    report.alert(st.where, fmt::format("'{}' expects an integer value with a unit (us, ms, s, m, "
                                       "h, d), got '{}'.",
                                       keyword, st.arg(index)));
    return false;
  }
  if (positive && parsed.value->count() == 0) {
    report.alert(st.where,
                 fmt::format("'{}' expects a positive delay, got '{}'.", keyword, st.arg(index)));
    return false;
  }
  out = *parsed.value;
  return true;
}

namespace {

// " in 'frontend' section", or nothing before the first section.
std::string in_section(const Statement& st) {
  return st.section.empty() ? std::string() : fmt::format(" in '{}' section", st.section);
}

}  // namespace

void report_unsupported(const Statement& st, std::string_view keyword, Reporter& report) {
  report.alert(st.where,
               fmt::format("'{}' is an HAProxy keyword that borealis does not support yet{}",
                           keyword, in_section(st)));
}

void report_unsupported_feature(const Statement& st, std::string_view what, Reporter& report) {
  report.alert(st.where,
               fmt::format("{} are an HAProxy feature that borealis does not support yet{}", what,
                           in_section(st)));
}

char invalid_name_char(std::string_view name) {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return c;
  }
  return '\0';
}

}  // namespace borealis::config

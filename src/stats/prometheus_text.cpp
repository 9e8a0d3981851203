#include "stats/prometheus_text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace borealis::stats {
namespace {

std::string_view type_word(PrometheusText::Type type) {
  switch (type) {
    case PrometheusText::Type::counter:
      return "counter";
    case PrometheusText::Type::gauge:
      return "gauge";
    case PrometheusText::Type::histogram:
      return "histogram";
  }
  return "untyped";
}

// Help text keeps quotes; only `\` and newlines are escaped.
std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts up to 2^53 are exact in a double: write them as integers.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

void PrometheusText::family(std::string_view name, Type type, std::string_view help) {
  name_ = name;
  text_ +=
      fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type_word(type));
}

void PrometheusText::sample(Labels labels, double value) {
  write_sample({}, labels, nullptr, value);
}

void PrometheusText::histogram(Labels labels, const HistogramReading& reading) {
  for (std::size_t bucket = 0; bucket < reading.cumulative.size(); ++bucket) {
    const std::string bound =
        bucket < reading.bounds.size() ? format_value(reading.bounds[bucket]) : std::string("+Inf");
    const Label le{"le", bound};
    write_sample("_bucket", labels, &le, static_cast<double>(reading.cumulative[bucket]));
  }
  write_sample("_sum", labels, nullptr, reading.sum_seconds);
  write_sample("_count", labels, nullptr, static_cast<double>(reading.count));
}

void PrometheusText::write_sample(std::string_view suffix, Labels labels, const Label* extra,
                                  double value) {
  text_ += name_;
  text_ += suffix;
  if (labels.size() > 0 || extra) {
    char separator = '{';
    for (const auto& [name, label_value] : labels) {
      text_ += fmt::format("{}{}=\"{}\"", separator, name, escape_label_value(label_value));
      separator = ',';
    }
    if (extra) text_ += fmt::format("{}{}=\"{}\"", separator, extra->first, extra->second);
    text_ += '}';
  }
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

}  // namespace borealis::stats

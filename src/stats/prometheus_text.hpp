// Prometheus's text exposition format (version 0.0.4): one family at a
// time, a `# HELP` and a `# TYPE` line, then its samples. Label values and
// help text are escaped as the format says, so that a proxy or server
// name cannot break a line.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "stats/histogram.hpp"

namespace borealis::stats {

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

class PrometheusText {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  enum class Type { counter, gauge, histogram };

  // Starts a family. Every sample written until the next family is its.
  void family(std::string_view name, Type type, std::string_view help);
  void sample(Labels labels, double value);
  // A histogram family's samples for one label set: `_bucket` per bound
  // (cumulative, then +Inf), `_sum`, `_count`.
  void histogram(Labels labels, const HistogramReading& reading);

  const std::string& text() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  void write_sample(std::string_view suffix, Labels labels, const Label* extra, double value);

  std::string text_;
  std::string name_;
};

// A value as the format writes it: integers without a fraction, "+Inf",
// "-Inf", "NaN".
std::string format_value(double value);
// `\` `"` and a newline escaped, as label values need.
std::string escape_label_value(std::string_view value);

}  // namespace borealis::stats

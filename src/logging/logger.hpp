// A proxy's log: the targets it sends to (its own and, with `log global`, the
// global ones), each with its facility, level range and line format.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "logging/log_sink.hpp"

namespace borealis::logging {

// Syslog levels, as HAProxy names them.
enum class Level { emerg = 0, alert, crit, err, warning, notice, info, debug };

class Logger {
 public:
  Logger() = default;
  explicit Logger(std::vector<std::shared_ptr<LogSink>> sinks) : sinks_(std::move(sinks)) {}

  bool enabled() const { return !sinks_.empty(); }
  void log(Level level, std::string_view message) const;

 private:
  std::vector<std::shared_ptr<LogSink>> sinks_;
};

// "<134>Nov 26 04:13:41 borealis[42]: message\n" and its rfc5424/raw variants.
std::string format_log_line(const config::LogTarget& target, Level level, std::string_view message);

// Sinks are shared by every proxy that names the same target.
class SinkRegistry {
 public:
  std::shared_ptr<LogSink> sink_for(const config::LogTarget& target);

 private:
  std::vector<std::shared_ptr<LogSink>> sinks_;
};

Logger make_logger(SinkRegistry& registry, const std::vector<config::LogTarget>& own,
                   const std::vector<config::LogTarget>& global, bool use_global);

}  // namespace borealis::logging

#include "logging/logger.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>

#include "core/clock.hpp"

namespace borealis::logging {

namespace {

constexpr const char* kProgram = "borealis";
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm local_now(long* microseconds) {
  auto now = core::WallClock::now();
  auto since_epoch = now.time_since_epoch();
  std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  if (microseconds)
    *microseconds = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count() % 1000000);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  return parts;
}

bool same_target(const config::LogTarget& a, const config::LogTarget& b) {
  return a.kind == b.kind && a.path == b.path && a.host == b.host && a.port == b.port;
}

}  // namespace

std::string format_log_line(const config::LogTarget& target, Level level,
                            std::string_view message) {
  int priority = target.facility * 8 + static_cast<int>(level);
  std::string line;
  switch (target.format) {
    case config::LogTarget::Format::raw:
      line = fmt::format("{}\n", message);
      break;
    case config::LogTarget::Format::rfc5424: {
      long micros = 0;
      std::tm t = local_now(&micros);
      line = fmt::format("<{}>1 {:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06} - {} {} - - {}\n",
                         priority, t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
                         t.tm_sec, micros, kProgram, ::getpid(), message);
      break;
    }
    case config::LogTarget::Format::rfc3164: {
      std::tm t = local_now(nullptr);
      line = fmt::format("<{}>{} {:2} {:02}:{:02}:{:02} {}[{}]: {}\n", priority, kMonths[t.tm_mon],
                         t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, kProgram, ::getpid(), message);
      break;
    }
  }
  auto limit = static_cast<size_t>(target.max_length);
  if (limit > 1 && line.size() > limit) {
    line.resize(limit - 1);
    line.push_back('\n');
  }
  return line;
}

void Logger::log(Level level, std::string_view message) const {
  int numeric = static_cast<int>(level);
  for (const auto& sink : sinks_) {
    const auto& target = sink->target();
    if (numeric > target.max_level || numeric < target.min_level) continue;
    sink->send(format_log_line(target, level, message));
  }
}

std::shared_ptr<LogSink> SinkRegistry::sink_for(const config::LogTarget& target) {
  for (const auto& sink : sinks_) {
    if (same_target(sink->target(), target) && sink->target().facility == target.facility &&
        sink->target().format == target.format && sink->target().max_level == target.max_level &&
        sink->target().min_level == target.min_level)
      return sink;
  }
  sinks_.push_back(std::make_shared<LogSink>(target));
  return sinks_.back();
}

Logger make_logger(SinkRegistry& registry, const std::vector<config::LogTarget>& own,
                   const std::vector<config::LogTarget>& global, bool use_global) {
  std::vector<std::shared_ptr<LogSink>> sinks;
  for (const auto& target : own) sinks.push_back(registry.sink_for(target));
  if (use_global)
    for (const auto& target : global) sinks.push_back(registry.sink_for(target));
  return Logger(std::move(sinks));
}

}  // namespace borealis::logging

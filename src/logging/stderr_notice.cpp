#include "logging/stderr_notice.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>

namespace borealis::logging {

namespace {
std::atomic<bool> quiet_mode{false};

const char* label(Severity severity) {
  switch (severity) {
    case Severity::alert:
      return "[ALERT]   ";
    case Severity::warning:
      return "[WARNING] ";
    case Severity::notice:
      return "[NOTICE]  ";
  }
  return "";
}
}  // namespace

void set_quiet(bool quiet) { quiet_mode = quiet; }

void notice(Severity severity, std::string_view message) {
  if (quiet_mode && severity != Severity::alert) return;
  std::string line = fmt::format("{} ({}) : {}\n", label(severity), ::getpid(), message);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace borealis::logging

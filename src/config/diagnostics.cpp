#include "config/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace borealis::config {

std::string Diagnostic::text() const {
  if (where.line <= 0) return message;
  return fmt::format("parsing [{}:{}] : {}", where.file, where.line, message);
}

void Reporter::alert(const SourceLocation& where, std::string message) {
  diagnostics_.push_back({Diagnostic::Severity::alert, where, std::move(message)});
}

void Reporter::warning(const SourceLocation& where, std::string message) {
  diagnostics_.push_back({Diagnostic::Severity::warning, where, std::move(message)});
}

bool Reporter::has_alert() const {
  return std::any_of(diagnostics_.begin(), diagnostics_.end(),
                     [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::alert; });
}

}  // namespace borealis::config

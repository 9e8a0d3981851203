// Messages produced while reading a configuration, in HAProxy's wording:
// "parsing [file:line] : message".
#pragma once

#include <string>
#include <vector>

#include "config/model.hpp"

namespace borealis::config {

struct Diagnostic {
  enum class Severity { alert, warning };
  Severity severity = Severity::alert;
  SourceLocation where;  // file may be empty for messages not tied to a line
  std::string message;

  // "parsing [haproxy.cfg:12] : unknown keyword 'foo' in 'backend' section"
  // when where.line > 0, else just the message.
  std::string text() const;
};

// Collects diagnostics; keyword parsers report through it and never throw.
class Reporter {
 public:
  void alert(const SourceLocation& where, std::string message);
  void warning(const SourceLocation& where, std::string message);

  bool has_alert() const;
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic> take() { return std::move(diagnostics_); }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace borealis::config

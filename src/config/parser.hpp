// Reads HAProxy-style configuration text into the typed model.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/model.hpp"

namespace borealis::config {

struct ParseResult {
  Config config;
  std::vector<Diagnostic> diagnostics;
  bool ok() const;  // no alert
};

// Parses one file's text; `file_name` is used in messages. Never throws on
// bad input; work is linear in the input (plus at most kMaxTemplateServers
// servers per server-template line).
ParseResult parse_text(std::string_view text, const std::string& file_name);

// Like `haproxy -f a -f b`: the files are read in order as one
// configuration (a directory stands for its *.cfg files in lexical order).
// An unreadable file gives "Could not open configuration file FILE : REASON".
ParseResult parse_files(const std::vector<std::string>& paths);

}  // namespace borealis::config

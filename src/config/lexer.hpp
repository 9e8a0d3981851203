// Splits one configuration line into words the way HAProxy 2.6 does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace borealis::config {

// HAProxy's MAX_LINE_ARGS.
inline constexpr std::size_t kMaxWordsPerLine = 64;

// Values for the ".FILE", ".LINE" and ".SECTION" pseudo-variables.
struct LexContext {
  std::string_view file;
  int line = 0;
  std::string_view section;
};

struct LexResult {
  std::vector<std::string> words;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

// Words are separated by unquoted, unescaped whitespace; leading whitespace is
// skipped; '#' outside quotes starts a comment; the line ends at '\n' or
// '\r'. Outside single quotes a backslash escapes ' ', '\\', '#', '\'', '"'
// and makes \t \n \r \xHH control bytes; "\$" is a dollar inside double
// quotes; any other backslash stays as is. Single quotes are literal.
// Inside double quotes "$VAR", "${VAR}", "${VAR-default}" and "${VAR[*]}"
// (one word per space-separated part of the value) expand from the
// environment; an unset variable expands to nothing. As in HAProxy 2.6,
// '$' outside double quotes is an ordinary character. An empty quoted word
// ("") counts when another word follows it, not at the end of the line.
LexResult tokenize_line(std::string_view line, const LexContext& context = {});

}  // namespace borealis::config

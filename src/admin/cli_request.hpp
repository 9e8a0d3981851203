// One line a runtime API client sent, split as HAProxy's CLI splits it:
// commands separated by ';', words by spaces or tabs, a backslash takes the
// next character as it is (`\;`, `\ `, `\\`). Pure: it reads bytes from
// outside, so it is fuzzed (fuzz/cli_request_fuzz.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace borealis::admin {

using Words = std::vector<std::string>;

// Bounds that keep a hostile line's cost small. HAProxy caps a command at
// 64 words and a line at its buffer size.
inline constexpr std::size_t kMaxLineBytes = 16 * 1024;
inline constexpr std::size_t kMaxWords = 64;
inline constexpr std::size_t kMaxCommands = 64;

struct CliRequest {
  std::vector<Words> commands;  // empty commands (";;", a blank line) are left out
  std::string error;            // set: nothing is to run
};

// `line` without its end of line.
CliRequest parse_cli_request(std::string_view line);

}  // namespace borealis::admin

// One tokenized configuration line and the helpers keyword parsers share to
// read and check its arguments. Internal to the parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/model.hpp"

namespace borealis::config {

struct Statement {
  std::vector<std::string> args;
  SourceLocation where;
  std::string_view section;  // "global", "defaults", "frontend", ...

  std::size_t size() const { return args.size(); }
  // The i-th word, or "" past the end (HAProxy's args[] behave the same).
  const std::string& arg(std::size_t i) const;
  // Words [first, last) joined by spaces, for messages ("option httplog").
  std::string joined(std::size_t first, std::size_t last) const;
};

// Alerts "'KEYWORD' cannot handle unexpected argument 'X'." when the
// statement has more than `count` words. Returns true when it does not.
bool expect_at_most(const Statement& st, std::size_t count, std::string_view keyword,
                    Reporter& report);

// Reads st.arg(index) as an integer in [min, max]; alerts and returns false
// otherwise. `keyword` names the setting in the message.
bool read_integer(const Statement& st, std::size_t index, std::string_view keyword,
                  std::int64_t min, std::int64_t max, std::int64_t& out, Reporter& report);
bool read_int(const Statement& st, std::size_t index, std::string_view keyword, int min, int max,
              int& out, Reporter& report);

// Reads st.arg(index) as a delay; alerts with the unit list on failure.
// `positive` rejects 0.
bool read_time(const Statement& st, std::size_t index, std::string_view keyword, bool positive,
               Duration& out, Reporter& report);

// HAProxy's "'X' is an HAProxy keyword that borealis does not support yet".
void report_unsupported(const Statement& st, std::string_view keyword, Reporter& report);
// The same for things that are not keywords: "port ranges in 'bind' are an
// HAProxy feature that borealis does not support yet in 'frontend' section".
// `what` is plural.
void report_unsupported_feature(const Statement& st, std::string_view what, Reporter& report);

// Proxy and server names: letters, digits, '-', '_', '.', ':' (as HAProxy).
// Returns the first bad character, or '\0' when the name is fine.
char invalid_name_char(std::string_view name);

}  // namespace borealis::config

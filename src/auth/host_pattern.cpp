#include "auth/host_pattern.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace borealis::auth {
namespace {

bool is_wildcard(char c) { return c == '%' || c == '_'; }

bool same_letter(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// LIKE-style matching, iterative with one backtrack point for `%` (linear
// in practice, never recursive: patterns come from the server's tables).
bool like(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '_' || same_letter(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

bool looks_numeric(std::string_view pattern) {
  return std::all_of(pattern.begin(), pattern.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || is_wildcard(c);
  });
}

// Where the first wildcard is; the pattern's length when it has none.
std::size_t first_wildcard(std::string_view pattern) {
  auto at = std::find_if(pattern.begin(), pattern.end(), is_wildcard);
  return static_cast<std::size_t>(at - pattern.begin());
}

}  // namespace

HostMatch match_host(std::string_view pattern, std::string_view address) {
  if (pattern.empty()) return HostMatch::yes;  // as '%'
  // 'a.b.c.d/m.m.m.m' netmasks and host names ('localhost' never matches a
  // TCP connection under --skip-name-resolve, but a name-resolving server
  // might match others): not decided here.
  if (pattern.find('/') != std::string_view::npos) return HostMatch::unknown;
  if (pattern == "localhost") return HostMatch::no;
  if (!looks_numeric(pattern)) return HostMatch::unknown;
  return like(pattern, address) ? HostMatch::yes : HostMatch::no;
}

int compare_host_specificity(std::string_view a, std::string_view b) {
  auto rank = [](std::string_view pattern) {
    // Exact hosts: rank 0; wildcard patterns: further back the earlier
    // their first wildcard; '%' and '' last.
    if (pattern.empty() || pattern == "%") return std::size_t{1} << 20;
    std::size_t wildcard = first_wildcard(pattern);
    return wildcard == pattern.size() ? std::size_t{0} : (std::size_t{1} << 16) - wildcard;
  };
  std::size_t ra = rank(a), rb = rank(b);
  if (ra == rb) return 0;
  return ra < rb ? -1 : 1;
}

}  // namespace borealis::auth

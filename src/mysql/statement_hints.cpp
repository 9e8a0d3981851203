#include "mysql/statement_hints.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace borealis::mysql {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// `word` (lower case) at `text[at]`, any case.
bool word_at(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(text[at + i]) != word[i]) return false;
  return true;
}

// Finds the words around each '_' (memchr: most statements have few).
void find_lock_words(std::string_view text, bool& get_lock, bool& release_all_locks) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  for (const char* p = begin; p < end;) {
    const void* found = std::memchr(p, '_', static_cast<std::size_t>(end - p));
    if (!found) return;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - begin);
    if (at >= 3 && word_at(text, at - 3, "get_lock")) get_lock = true;
    if (at >= 7 && word_at(text, at - 7, "release_all_locks")) release_all_locks = true;
    p = static_cast<const char*>(found) + 1;
  }
}

std::string_view skip_spaces(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size() && is_space(text[at])) ++at;
  return text.substr(at);
}

// The leading word, lower case.
std::string first_word(std::string_view text) {
  std::string word;
  for (char c : text) {
    if (!is_letter(c)) break;
    word.push_back(lower(c));
  }
  return word;
}

// No user variable (`@name`; `@@name` is a system variable) and one
// statement (a ';' only at the end).
bool names_only_system_variables(std::string_view text) {
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (text[at] == '@') {
      if (at + 1 < text.size() && text[at + 1] == '@') {
        ++at;
        continue;
      }
      return false;
    }
    if (text[at] == ';') {
      return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at), text.end(),
                         [](char c) { return c == ';' || is_space(c); });
    }
  }
  return true;
}

bool is_plain_set(std::string_view text) {
  text = skip_spaces(text);
  const std::string verb = first_word(text);
  if (verb != "set" && verb != "use") return false;
  const std::string_view rest = text.substr(verb.size());
  if (rest.empty() || !(is_space(rest.front()) || rest.front() == '`')) return false;
  if (verb == "set") {
    static constexpr std::array<std::string_view, 4> kStateful = {"role", "password", "statement",
                                                                  "default"};
    const std::string what = first_word(skip_spaces(rest));
    if (std::find(kStateful.begin(), kStateful.end(), what) != kStateful.end()) return false;
  }
  return names_only_system_variables(rest);
}

}  // namespace

void StatementScanner::search(std::string_view text) {
  // Words split between pieces: the end of the last piece with the start
  // of this one.
  if (!tail_.empty()) {
    std::string seam = tail_;
    seam.append(text.substr(0, kCarry));
    find_lock_words(seam, get_lock_, release_all_locks_);
  }
  find_lock_words(text, get_lock_, release_all_locks_);
  if (text.size() >= kCarry) {
    tail_.assign(text.substr(text.size() - kCarry));
  } else {
    tail_.append(text);
    if (tail_.size() > kCarry) tail_.erase(0, tail_.size() - kCarry);
  }
}

void StatementScanner::feed(std::string_view text) {
  if (!head_overflowed_) {
    const std::size_t room = kHeadLimit - head_.size();
    head_.append(text.substr(0, room));
    head_overflowed_ = text.size() > room;
  }
  search(text);
}

StatementHints StatementScanner::finish() {
  StatementHints hints;
  hints.plain_set = !head_overflowed_ && is_plain_set(head_);
  hints.get_lock = get_lock_;
  hints.release_all_locks = release_all_locks_;
  // Cleared, not replaced: the buffers keep their capacity for the next
  // statement (one per query on the relay's path).
  head_.clear();
  tail_.clear();
  head_overflowed_ = get_lock_ = release_all_locks_ = false;
  return hints;
}

StatementHints hints_for(std::string_view text) {
  StatementScanner scanner;
  scanner.feed(text);
  return scanner.finish();
}

}  // namespace borealis::mysql

#include "config/lexer.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <optional>

namespace borealis::config {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_end(char c) { return c == '\n' || c == '\r'; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class LineLexer {
 public:
  LineLexer(std::string_view line, const LexContext& context) : in_(line), context_(context) {}

  LexResult run() {
    skip_spaces();
    while (pos_ < in_.size() && error_.empty()) {
      const char c = in_[pos_];
      if (is_end(c)) break;
      if (c == '#' && !squote_ && !dquote_) break;
      step(c);
    }
    if (error_.empty() && (squote_ || dquote_)) {
      error_ = fmt::format("unmatched quote at position {}", quote_pos_ + 1);
    }
    if (error_.empty() && !word_.empty()) push_word();
    if (error_.empty() && words_.size() > kMaxWordsPerLine) {
      error_ = fmt::format("too many words, the limit is {} per line", kMaxWordsPerLine);
    }
    LexResult result;
    result.error = std::move(error_);
    if (result.error.empty()) result.words = std::move(words_);
    return result;
  }

 private:
  void step(char c) {
    if (c == '"' && !squote_) return toggle_quote(dquote_);
    if (c == '\'' && !dquote_) return toggle_quote(squote_);
    if (c == '\\' && !squote_) return escape();
    if (is_space(c) && !squote_ && !dquote_) {
      push_word();
      return skip_spaces();
    }
    if (c == '$' && dquote_) return expand_variable();
    word_started_ = true;
    word_ += c;
    ++pos_;
  }

  void toggle_quote(bool& flag) {
    flag = !flag;
    quote_pos_ = pos_;
    word_started_ = true;  // "" is a word, even if empty
    ++pos_;
  }

  void escape() {
    word_started_ = true;
    const char next = pos_ + 1 < in_.size() ? in_[pos_ + 1] : '\0';
    switch (next) {
      case ' ':
      case '\\':
      case '#':
      case '\'':
      case '"':
        word_ += next;
        pos_ += 2;
        return;
      case 't':
        word_ += '\t';
        pos_ += 2;
        return;
      case 'n':
        word_ += '\n';
        pos_ += 2;
        return;
      case 'r':
        word_ += '\r';
        pos_ += 2;
        return;
      case '$':
        if (dquote_) {
          word_ += '$';
          pos_ += 2;
          return;
        }
        break;
      case 'x':
        return hex_escape();
      default:
        break;
    }
    word_ += '\\';  // not an escape sequence: keep the backslash
    ++pos_;
  }

  void hex_escape() {
    const int high = pos_ + 2 < in_.size() ? hex_value(in_[pos_ + 2]) : -1;
    const int low = pos_ + 3 < in_.size() ? hex_value(in_[pos_ + 3]) : -1;
    if (high < 0 || low < 0) {
      error_ = fmt::format("truncated or invalid hexadecimal sequence at position {}", pos_ + 1);
      return;
    }
    word_ += static_cast<char>(high * 16 + low);
    pos_ += 4;
  }

  void expand_variable() {
    word_started_ = true;
    ++pos_;  // '$'
    std::optional<std::size_t> brace;
    if (pos_ < in_.size() && in_[pos_] == '{') brace = pos_++;
    const std::string name = read_variable_name();
    if (!error_.empty()) return;
    std::optional<std::string> value = lookup(name);
    if (!error_.empty()) return;
    bool split = false;
    if (brace) {
      split = read_word_expansion();
      if (!error_.empty()) return;
      if (!close_brace(*brace, value)) return;
    }
    if (value) emit_value(*value, split);
  }

  std::string read_variable_name() {
    const char first = pos_ < in_.size() ? in_[pos_] : '\0';
    if (!is_alpha(first) && first != '_' && first != '.') {
      error_ =
          fmt::format("forbidden first char in environment variable name at position {}", pos_ + 1);
      return {};
    }
    const std::size_t start = pos_;
    if (first == '.') ++pos_;
    while (pos_ < in_.size() && (is_alpha(in_[pos_]) || is_digit(in_[pos_]) || in_[pos_] == '_')) {
      ++pos_;
    }
    return std::string(in_.substr(start, pos_ - start));
  }

  std::optional<std::string> lookup(const std::string& name) {
    if (name.empty() || name.front() != '.') {
      const char* value = std::getenv(name.c_str());
      return value ? std::optional<std::string>(value) : std::nullopt;
    }
    if (name == ".LINE") return std::to_string(context_.line);
    if (name == ".FILE") return std::string(context_.file);
    if (name == ".SECTION") return std::string(context_.section);
    error_ = fmt::format("unsupported internal variable '{}' at position {}", name, pos_ + 1);
    return std::nullopt;
  }

  // "[*]" right after the name, inside braces: one word per part.
  bool read_word_expansion() {
    if (pos_ >= in_.size() || in_[pos_] != '[') return false;
    if (in_.substr(pos_, 3) != "[*]") {
      error_ = fmt::format("invalid word expansion at position {}", pos_ + 1);
      return false;
    }
    pos_ += 3;
    return true;
  }

  bool close_brace(std::size_t brace, std::optional<std::string>& value) {
    if (pos_ < in_.size() && in_[pos_] == '-') {
      const auto close = in_.find('}', pos_);
      if (close != std::string_view::npos) {
        if (!value) value = std::string(in_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
        return true;
      }
    } else if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return true;
    }
    error_ = fmt::format("unmatched brace in environment variable name at position {}", brace + 1);
    return false;
  }

  void emit_value(const std::string& value, bool split) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (split && is_space(value[i])) {
        push_word();
        word_started_ = true;
        while (i + 1 < value.size() && is_space(value[i + 1])) ++i;
        continue;
      }
      word_ += value[i];
    }
  }

  void push_word() {
    if (word_started_ || !word_.empty()) words_.push_back(std::move(word_));
    word_.clear();
    word_started_ = false;
    // Bound the work on hostile input: stop collecting far past the limit.
    if (words_.size() > kMaxWordsPerLine) {
      error_ = fmt::format("too many words, the limit is {} per line", kMaxWordsPerLine);
    }
  }

  void skip_spaces() {
    while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
  }

  std::string_view in_;
  const LexContext& context_;
  std::size_t pos_ = 0;
  bool squote_ = false;
  bool dquote_ = false;
  std::size_t quote_pos_ = 0;
  std::string word_;
  bool word_started_ = false;
  std::vector<std::string> words_;
  std::string error_;
};

}  // namespace

LexResult tokenize_line(std::string_view line, const LexContext& context) {
  return LineLexer(line, context).run();
}

}  // namespace borealis::config

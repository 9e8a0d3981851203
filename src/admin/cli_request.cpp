#include "admin/cli_request.hpp"

namespace borealis::admin {
namespace {

// Builds the commands word by word; one instance per line.
class Splitter {
 public:
  // False when a bound is crossed (error() says which).
  bool take(char c, bool escaped) {
    if (!escaped && (c == ' ' || c == '\t')) return end_word();
    if (!escaped && c == ';') return end_command();
    word_ += c;
    in_word_ = true;
    return true;
  }
  bool finish() { return end_command(); }
  CliRequest result() && {
    if (!error_.empty()) commands_.clear();
    return {std::move(commands_), std::move(error_)};
  }
  void fail(std::string error) { error_ = std::move(error); }

 private:
  bool end_word() {
    if (!in_word_) return true;
    if (words_.size() == kMaxWords) {
      fail("Too many words in a command (at most 64).");
      return false;
    }
    words_.push_back(std::move(word_));
    word_.clear();
    in_word_ = false;
    return true;
  }
  bool end_command() {
    if (!end_word()) return false;
    if (words_.empty()) return true;
    if (commands_.size() == kMaxCommands) {
      fail("Too many commands on one line (at most 64).");
      return false;
    }
    commands_.push_back(std::move(words_));
    words_.clear();
    return true;
  }

  std::vector<Words> commands_;
  Words words_;
  std::string word_;
  bool in_word_ = false;
  std::string error_;
};

}  // namespace

CliRequest parse_cli_request(std::string_view line) {
  Splitter splitter;
  if (line.size() > kMaxLineBytes) {
    splitter.fail("Command line too long (at most 16384 bytes).");
    return std::move(splitter).result();
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\0') {
      splitter.fail("Binary data in a command line.");
      return std::move(splitter).result();
    }
    bool escaped = c == '\\' && i + 1 < line.size();
    if (escaped) c = line[++i];
    if (!splitter.take(c, escaped)) return std::move(splitter).result();
  }
  splitter.finish();
  return std::move(splitter).result();
}

}  // namespace borealis::admin

// What session continuity must know of a statement's text that no session
// tracker reports: whether its state changes are all ones a tracker
// explains (one plain `SET` or `USE`), and whether it may take or drop
// named locks (`GET_LOCK()`, `RELEASE_ALL_LOCKS()`). The text streams by in
// pieces, as the relay reads it; only a short head is kept, the rest is
// searched as it passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace borealis::mysql {

struct StatementHints {
  // One `SET ...` or `USE ...` statement that names no user variable and is
  // not `SET ROLE`, `SET PASSWORD`, `SET STATEMENT` or `SET DEFAULT ROLE`:
  // every session change it makes is a system variable or the schema,
  // which the session trackers report.
  bool plain_set = false;
  bool get_lock = false;           // names GET_LOCK
  bool release_all_locks = false;  // names RELEASE_ALL_LOCKS
};

// Hints for a statement whose text arrives in pieces.
class StatementScanner {
 public:
  void feed(std::string_view text);
  StatementHints finish();  // and ready for the next statement

 private:
  static constexpr std::size_t kHeadLimit = 512;  // longer statements are never plain_set
  static constexpr std::size_t kCarry = 16;       // the longest word searched, less one

  void search(std::string_view text);

  std::string head_;
  bool head_overflowed_ = false;
  std::string tail_;  // the last bytes seen, for words split between pieces
  bool get_lock_ = false;
  bool release_all_locks_ = false;
};

// The hints of a whole statement at once.
StatementHints hints_for(std::string_view text);

}  // namespace borealis::mysql

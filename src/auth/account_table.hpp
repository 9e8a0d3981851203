// The accounts of a database borealis runs, as far as borealis needs them
// to authenticate clients itself: for each user@host, its
// mysql_native_password hash (SHA1(SHA1(password)), what the server stores;
// never a password). Read from the engine through its control channel and
// kept in a private file, so that a paused database can check a login
// before it has started.
//
// The table answers only what it can decide exactly as the server would.
// Anything else (another plugin, a locked or expired account, an anonymous
// account, a netmask or host-name pattern) is `undecided`: the login is
// then left to the server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borealis::auth {

struct Account {
  enum class Kind { native_password, no_password, other };
  std::string user;
  std::string host;
  Kind kind = Kind::other;
  std::string stage2;  // 20 raw bytes when kind == native_password
};

// One row of `mysql.user` as read from the server; parsed by from_row().
struct AccountRow {
  std::string user, host, plugin, authentication_string;
  bool locked = false, expired = false, role = false;
};

// What a login attempt is, judged against the table.
struct Verdict {
  enum class Kind {
    verified,   // the answer proves the password: `stage1` logs in from now on
    denied,     // the account exists and the answer is wrong, or no account
    undecided,  // leave it to the server
  };
  Kind kind = Kind::undecided;
  std::string stage1;  // SHA1(password) when verified (empty: no password)
};

class AccountTable {
 public:
  AccountTable() = default;
  // `exact`: read while no statement could change the accounts (the
  // engine was stopping); a table read from a running engine may be
  // behind, so it never denies.
  AccountTable(std::vector<Account> accounts, bool exact);

  static std::optional<Account> from_row(const AccountRow& row);

  // The account a client `user` connecting from `address` (as the server
  // sees it) logs in with, or nullopt; `decidable` is false when the table
  // cannot tell.
  struct Lookup {
    const Account* account = nullptr;
    bool decidable = true;
  };
  Lookup find(std::string_view user, std::string_view address) const;

  // Judges a mysql_native_password `answer` to `scramble`.
  Verdict verify(std::string_view user, std::string_view address, std::string_view answer,
                 std::string_view scramble) const;

  bool exact() const { return exact_; }
  // The same accounts, no longer exact (compute started: sessions may
  // change them).
  AccountTable inexact() const { return AccountTable(accounts_, false); }
  bool empty() const { return accounts_.empty(); }
  std::size_t size() const { return accounts_.size(); }

  // The private file's text, and back (nullopt: not a table of ours).
  std::string serialize() const;
  static std::optional<AccountTable> parse(std::string_view text);

 private:
  std::vector<Account> accounts_;
  bool exact_ = false;
};

}  // namespace borealis::auth

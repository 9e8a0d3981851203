#include "auth/account_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "auth/host_pattern.hpp"
#include "mysql/native_password.hpp"

namespace borealis::auth {
namespace {

constexpr std::string_view kHeader = "borealis accounts 1";

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int high = digit(hex[i]), low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

// "-" stands for an empty field, so that every line has all its fields.
std::string field(std::string_view bytes) { return bytes.empty() ? "-" : to_hex(bytes); }
std::optional<std::string> unfield(std::string_view text) {
  if (text == "-") return std::string();
  return from_hex(text);
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < line.size()) {
    std::size_t end = line.find(' ', at);
    if (end == std::string_view::npos) end = line.size();
    if (end > at) words.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return words;
}

const char* kind_word(Account::Kind kind) {
  switch (kind) {
    case Account::Kind::native_password:
      return "native";
    case Account::Kind::no_password:
      return "none";
    case Account::Kind::other:
      break;
  }
  return "other";
}

}  // namespace

AccountTable::AccountTable(std::vector<Account> accounts, bool exact)
    : accounts_(std::move(accounts)), exact_(exact) {}

std::optional<Account> AccountTable::from_row(const AccountRow& row) {
  if (row.role) return std::nullopt;
  Account account{row.user, row.host, Account::Kind::other, {}};
  if (row.locked || row.expired || row.plugin != "mysql_native_password") return account;
  const std::string& hash = row.authentication_string;
  if (hash.empty()) {
    account.kind = Account::Kind::no_password;
  } else if (hash.size() == 41 && hash[0] == '*') {
    if (auto stage2 = from_hex(std::string_view(hash).substr(1))) {
      account.kind = Account::Kind::native_password;
      account.stage2 = std::move(*stage2);
    }
  }
  return account;
}

AccountTable::Lookup AccountTable::find(std::string_view user, std::string_view address) const {
  const Account* best = nullptr;
  for (const Account& account : accounts_) {
    if (!account.user.empty() && account.user != user) continue;
    switch (match_host(account.host, address)) {
      case HostMatch::no:
        continue;
      case HostMatch::unknown:
        return {nullptr, false};
      case HostMatch::yes:
        break;
    }
    // Among matching hosts MariaDB takes the most specific; for one host,
    // a named user before the anonymous one.
    if (!best) {
      best = &account;
      continue;
    }
    int order = compare_host_specificity(account.host, best->host);
    if (order < 0 || (order == 0 && best->user.empty() && !account.user.empty())) best = &account;
  }
  // An anonymous account's rules (proxy users, its own password) are left
  // to the server.
  if (best && best->user.empty()) return {nullptr, false};
  return {best, true};
}

Verdict AccountTable::verify(std::string_view user, std::string_view address,
                             std::string_view answer, std::string_view scramble) const {
  Lookup found = find(user, address);
  // A table read from a running engine may miss an account or a new
  // password: it only ever says yes.
  const Verdict no{exact_ ? Verdict::Kind::denied : Verdict::Kind::undecided, {}};
  if (!found.decidable) return {};
  if (!found.account) return no;
  const Account& account = *found.account;
  switch (account.kind) {
    case Account::Kind::other:
      return {};
    case Account::Kind::no_password:
      if (answer.empty()) return {Verdict::Kind::verified, {}};
      return no;
    case Account::Kind::native_password:
      if (auto stage1 = mysql::verify_native_password(answer, scramble, account.stage2))
        return {Verdict::Kind::verified, std::move(*stage1)};
      return no;
  }
  return {};
}

std::string AccountTable::serialize() const {
  std::string text = fmt::format(
      "{}\n# user host kind hash, hexadecimal; the hash is SHA1(SHA1(password)) as the\n"
      "# server stores it, never a password\n{}\n",
      kHeader, exact_ ? "exact" : "running");
  for (const Account& account : accounts_)
    text += fmt::format("{} {} {} {}\n", field(account.user), field(account.host),
                        kind_word(account.kind), field(account.stage2));
  return text;
}

std::optional<AccountTable> AccountTable::parse(std::string_view text) {
  std::vector<Account> accounts;
  std::optional<bool> exact;
  bool header_seen = false;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    if (!header_seen) {
      if (line != kHeader) return std::nullopt;
      header_seen = true;
      continue;
    }
    if (!exact) {
      if (line != "exact" && line != "running") return std::nullopt;
      exact = line == "exact";
      continue;
    }
    auto words = split_spaces(line);
    if (words.size() != 4) return std::nullopt;
    auto user = unfield(words[0]), host = unfield(words[1]), stage2 = unfield(words[3]);
    if (!user || !host || !stage2) return std::nullopt;
    Account account{std::move(*user), std::move(*host), Account::Kind::other, std::move(*stage2)};
    if (words[2] == "native" && account.stage2.size() == 20)
      account.kind = Account::Kind::native_password;
    else if (words[2] == "none")
      account.kind = Account::Kind::no_password;
    else if (words[2] != "other")
      return std::nullopt;
    accounts.push_back(std::move(account));
  }
  if (!exact) return std::nullopt;
  return AccountTable(std::move(accounts), *exact);
}

}  // namespace borealis::auth

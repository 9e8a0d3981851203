#include "auth/account_table.hpp"

#include <gtest/gtest.h>

#include "mysql/native_password.hpp"

namespace borealis::auth {
namespace {

constexpr std::string_view kScramble = "abcdefghijklmnopqrst";  // 20 bytes
constexpr std::string_view kServer = "127.0.0.1";

std::string hash_text(std::string_view password) {
  std::string stage2 = mysql::native_password_stage2(mysql::native_password_stage1(password));
  std::string text = "*";
  for (unsigned char c : stage2)
    text += "0123456789ABCDEF"[c >> 4], text += "0123456789ABCDEF"[c & 15];
  return text;
}

Account native(std::string user, std::string host, std::string_view password) {
  return *AccountTable::from_row({std::move(user), std::move(host), "mysql_native_password",
                                  hash_text(password), false, false, false});
}

std::string answer(std::string_view password) {
  return mysql::native_password_scramble(password, kScramble);
}

TEST(NativePassword, VerificationYieldsStageOneThatAnswersAnyScramble) {
  const std::string stage1 = mysql::native_password_stage1("s3cret");
  const std::string stage2 = mysql::native_password_stage2(stage1);
  auto proved = mysql::verify_native_password(answer("s3cret"), kScramble, stage2);
  ASSERT_TRUE(proved);
  EXPECT_EQ(*proved, stage1);
  EXPECT_FALSE(mysql::verify_native_password(answer("s3cre7"), kScramble, stage2));
  EXPECT_FALSE(mysql::verify_native_password(answer("s3cret").substr(0, 19), kScramble, stage2));
  // What borealis sends a server for another scramble is what the client
  // would have sent with the password.
  constexpr std::string_view other = "ABCDEFGHIJKLMNOPQRST";
  EXPECT_EQ(mysql::native_password_answer(*proved, other),
            mysql::native_password_scramble("s3cret", other));
}

TEST(AccountTable, RowsOfOtherPluginsLockedOrRolesAreNotJudged) {
  EXPECT_FALSE(AccountTable::from_row({"r", "", "", "", false, false, true}));
  auto ed = AccountTable::from_row({"a", "%", "ed25519", "xyz", false, false, false});
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->kind, Account::Kind::other);
  auto locked = AccountTable::from_row(
      {"a", "%", "mysql_native_password", hash_text("p"), true, false, false});
  EXPECT_EQ(locked->kind, Account::Kind::other);
  auto expired = AccountTable::from_row(
      {"a", "%", "mysql_native_password", hash_text("p"), false, true, false});
  EXPECT_EQ(expired->kind, Account::Kind::other);
  auto bad_hash =
      AccountTable::from_row({"a", "%", "mysql_native_password", "*XYZ", false, false, false});
  EXPECT_EQ(bad_hash->kind, Account::Kind::other);
  auto none = AccountTable::from_row({"a", "%", "mysql_native_password", "", false, false, false});
  EXPECT_EQ(none->kind, Account::Kind::no_password);
}

TEST(AccountTable, ExactTableVerifiesAndDenies) {
  AccountTable table({native("app", "%", "good")}, true);
  auto ok = table.verify("app", kServer, answer("good"), kScramble);
  EXPECT_EQ(ok.kind, Verdict::Kind::verified);
  EXPECT_EQ(ok.stage1, mysql::native_password_stage1("good"));
  EXPECT_EQ(table.verify("app", kServer, answer("bad"), kScramble).kind, Verdict::Kind::denied);
  EXPECT_EQ(table.verify("app", kServer, "", kScramble).kind, Verdict::Kind::denied);
  EXPECT_EQ(table.verify("nobody", kServer, answer("good"), kScramble).kind, Verdict::Kind::denied);
}

TEST(AccountTable, TableReadWhileRunningNeverDenies) {
  AccountTable table({native("app", "%", "good")}, false);
  EXPECT_EQ(table.verify("app", kServer, answer("good"), kScramble).kind, Verdict::Kind::verified);
  EXPECT_EQ(table.verify("app", kServer, answer("new"), kScramble).kind, Verdict::Kind::undecided);
  EXPECT_EQ(table.verify("created-since", kServer, answer("x"), kScramble).kind,
            Verdict::Kind::undecided);
  EXPECT_EQ(AccountTable({native("app", "%", "good")}, true)
                .inexact()
                .verify("app", kServer, answer("bad"), kScramble)
                .kind,
            Verdict::Kind::undecided);
}

TEST(AccountTable, MostSpecificHostDecides) {
  AccountTable table({native("app", "%", "wide"), native("app", "127.0.0.1", "narrow"),
                      native("app", "10.%", "other-net")},
                     true);
  EXPECT_EQ(table.verify("app", kServer, answer("narrow"), kScramble).kind,
            Verdict::Kind::verified);
  EXPECT_EQ(table.verify("app", kServer, answer("wide"), kScramble).kind, Verdict::Kind::denied);
  EXPECT_EQ(table.verify("app", "10.1.1.1", answer("other-net"), kScramble).kind,
            Verdict::Kind::verified);
  // 'localhost' is the unix socket: never a TCP connection's account.
  AccountTable local_only({native("app", "localhost", "p")}, true);
  EXPECT_EQ(local_only.verify("app", kServer, answer("p"), kScramble).kind, Verdict::Kind::denied);
}

TEST(AccountTable, UndecidableCasesGoToTheServer) {
  AccountTable anonymous({native("", "%", "p")}, true);
  EXPECT_EQ(anonymous.verify("app", kServer, answer("p"), kScramble).kind,
            Verdict::Kind::undecided);
  AccountTable netmask({native("app", "127.0.0.0/255.0.0.0", "p")}, true);
  EXPECT_EQ(netmask.verify("app", kServer, answer("p"), kScramble).kind, Verdict::Kind::undecided);
  AccountTable other_plugin(
      {*AccountTable::from_row({"app", "%", "ed25519", "x", false, false, false})}, true);
  EXPECT_EQ(other_plugin.verify("app", kServer, answer("p"), kScramble).kind,
            Verdict::Kind::undecided);
}

TEST(AccountTable, EmptyPasswordAccounts) {
  AccountTable table(
      {*AccountTable::from_row({"app", "%", "mysql_native_password", "", false, false, false})},
      true);
  auto ok = table.verify("app", kServer, "", kScramble);
  EXPECT_EQ(ok.kind, Verdict::Kind::verified);
  EXPECT_TRUE(ok.stage1.empty());
  EXPECT_EQ(table.verify("app", kServer, answer("x"), kScramble).kind, Verdict::Kind::denied);
}

TEST(AccountTable, FileRoundTripAndRejectsForeignText) {
  AccountTable table({native("app", "%", "good"), native("o'dd user", "10.0.0.%", "x"),
                      *AccountTable::from_row({"e", "%", "ed25519", "k", false, false, false})},
                     true);
  auto parsed = AccountTable::parse(table.serialize());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->size(), 3u);
  EXPECT_TRUE(parsed->exact());
  EXPECT_EQ(parsed->serialize(), table.serialize());
  EXPECT_EQ(parsed->verify("app", kServer, answer("good"), kScramble).kind,
            Verdict::Kind::verified);
  EXPECT_FALSE(AccountTable::parse(""));
  EXPECT_FALSE(AccountTable::parse("root:x:0:0:root:/root:/bin/bash\n"));
  EXPECT_FALSE(AccountTable::parse("borealis accounts 1\nexact\n61 25 native zz\n"));
  EXPECT_FALSE(AccountTable::parse("borealis accounts 1\nexact\n61 25 native\n"));
  EXPECT_FALSE(AccountTable::parse("borealis accounts 1\n"));
}

}  // namespace
}  // namespace borealis::auth

#include "mysql/statement_hints.hpp"

#include <gtest/gtest.h>

#include <string>

namespace borealis::mysql {
namespace {

TEST(StatementHints, PlainSetAndUse) {
  EXPECT_TRUE(hints_for("SET NAMES utf8mb4").plain_set);
  EXPECT_TRUE(hints_for("  set\tautocommit = 0;").plain_set);
  EXPECT_TRUE(hints_for("SET SESSION sql_mode = 'ANSI', @@session.wait_timeout = 60").plain_set);
  EXPECT_TRUE(hints_for("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").plain_set);
  EXPECT_TRUE(hints_for("use shop").plain_set);
  EXPECT_TRUE(hints_for("USE `my db`").plain_set);
}

TEST(StatementHints, WhatIsNotAPlainSet) {
  EXPECT_FALSE(hints_for("SET @a = 1").plain_set);
  EXPECT_FALSE(hints_for("SET NAMES utf8, @a := 2").plain_set);
  EXPECT_FALSE(hints_for("SET autocommit = 0; SET @x = 1").plain_set);
  EXPECT_FALSE(hints_for("SET ROLE admin").plain_set);
  EXPECT_FALSE(hints_for("SET PASSWORD = PASSWORD('x')").plain_set);
  EXPECT_FALSE(hints_for("SET STATEMENT max_statement_time=1 FOR SELECT 1").plain_set);
  EXPECT_FALSE(hints_for("SET DEFAULT ROLE admin").plain_set);
  EXPECT_FALSE(hints_for("SELECT 1").plain_set);
  EXPECT_FALSE(hints_for("SETTINGS").plain_set);
  EXPECT_FALSE(hints_for("/* app */ SET NAMES utf8").plain_set);                 // conservative
  EXPECT_FALSE(hints_for("SET x = '" + std::string(600, 'a') + "'").plain_set);  // too long
  EXPECT_FALSE(hints_for("").plain_set);
}

TEST(StatementHints, NamedLocksAnyCase) {
  EXPECT_TRUE(hints_for("SELECT GET_LOCK('job', 10)").get_lock);
  EXPECT_TRUE(hints_for("select get_lock('job', 10)").get_lock);
  EXPECT_FALSE(hints_for("SELECT IS_FREE_LOCK('job')").get_lock);
  EXPECT_TRUE(hints_for("DO RELEASE_ALL_LOCKS()").release_all_locks);
  EXPECT_FALSE(hints_for("SELECT RELEASE_LOCK('job')").release_all_locks);
}

// A word split anywhere between the pieces of a long statement is found.
TEST(StatementHints, WordsSplitBetweenPieces) {
  const std::string text = "INSERT INTO t VALUES ('" + std::string(70000, 'x') +
                           "'); SELECT Get_Lock('a', 1), release_ALL_locks()";
  for (std::size_t cut = text.size() - 60; cut <= text.size(); ++cut) {
    StatementScanner scanner;
    scanner.feed(std::string_view(text).substr(0, cut));
    scanner.feed(std::string_view(text).substr(cut));
    const StatementHints hints = scanner.finish();
    EXPECT_TRUE(hints.get_lock) << cut;
    EXPECT_TRUE(hints.release_all_locks) << cut;
    EXPECT_FALSE(hints.plain_set);
  }
  // Byte by byte, and the scanner is ready for the next statement after.
  StatementScanner scanner;
  for (char c : std::string("SELECT GET_LOCK('a', 1)")) scanner.feed(std::string_view(&c, 1));
  EXPECT_TRUE(scanner.finish().get_lock);
  scanner.feed("SET NAMES latin1");
  const StatementHints next = scanner.finish();
  EXPECT_TRUE(next.plain_set);
  EXPECT_FALSE(next.get_lock);
}

}  // namespace
}  // namespace borealis::mysql

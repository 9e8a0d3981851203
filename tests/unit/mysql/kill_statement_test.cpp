#include "mysql/kill_statement.hpp"

#include <gtest/gtest.h>

namespace borealis::mysql {
namespace {

std::string query(std::string_view sql) { return std::string(1, '\x03') + std::string(sql); }

TEST(KillStatement, RecognisesTheFormsClientsSend) {
  auto plain = parse_kill(query("KILL 1073741825"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->id, 1073741825u);
  EXPECT_FALSE(plain->query_only);
  auto cli = parse_kill(query("KILL QUERY 1073741830"));  // the mariadb client's Ctrl-C
  ASSERT_TRUE(cli);
  EXPECT_TRUE(cli->query_only);
  auto jdbc = parse_kill(query("  kill query 42 ;  "));
  ASSERT_TRUE(jdbc);
  EXPECT_EQ(jdbc->id, 42u);
  auto hard = parse_kill(query("KILL HARD CONNECTION 7"));
  ASSERT_TRUE(hard);
  EXPECT_TRUE(hard->hard);
  EXPECT_FALSE(hard->query_only);
  auto old_api = parse_kill(std::string("\x0c\x05\x00\x00\x40", 5));
  ASSERT_TRUE(old_api);
  EXPECT_EQ(old_api->id, 0x40000005u);
}

TEST(KillStatement, LeavesEverythingElseAlone) {
  for (std::string_view sql :
       {"SELECT 1", "KILL", "KILL QUERY", "KILL USER app", "KILL QUERY ID 5", "KILL 5 6", "KILL -5",
        "KILL 5 /* c */", "KILLX 5", "KILL 99999999999999999999", "kill5"})
    EXPECT_FALSE(parse_kill(query(sql))) << sql;
  EXPECT_FALSE(parse_kill(""));
  EXPECT_FALSE(parse_kill(std::string("\x0c\x05\x00", 3)));
}

TEST(KillStatement, EncodesTheSameCommandForAnotherId) {
  EXPECT_EQ(encode_kill(*parse_kill(query("kill query 1073741830")), 17), query("KILL QUERY 17"));
  EXPECT_EQ(encode_kill(*parse_kill(query("KILL HARD 9")), 3), query("KILL HARD 3"));
  EXPECT_EQ(encode_kill(*parse_kill(std::string("\x0c\x05\x00\x00\x40", 5)), 0x0102),
            std::string("\x0c\x02\x01\x00\x00", 5));
}

}  // namespace
}  // namespace borealis::mysql

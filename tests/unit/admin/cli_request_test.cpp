// The runtime API's line splitting, HAProxy's way, and its bounds.
#include "admin/cli_request.hpp"

#include <gtest/gtest.h>

namespace borealis::admin {
namespace {

std::vector<Words> commands_of(std::string_view line) {
  CliRequest request = parse_cli_request(line);
  EXPECT_EQ(request.error, "") << line;
  return request.commands;
}

TEST(CliRequest, WordsAndCommands) {
  EXPECT_EQ(commands_of("show info"), (std::vector<Words>{{"show", "info"}}));
  EXPECT_EQ(commands_of("  show\t  info  ;show databases;;  "),
            (std::vector<Words>{{"show", "info"}, {"show", "databases"}}));
  EXPECT_TRUE(commands_of("").empty());
  EXPECT_TRUE(commands_of(" ; ;\t").empty());
}

TEST(CliRequest, BackslashTakesTheNextCharacterAsItIs) {
  EXPECT_EQ(commands_of("a\\;b c\\ d e\\\\"), (std::vector<Words>{{"a;b", "c d", "e\\"}}));
  // A backslash at the very end is kept.
  EXPECT_EQ(commands_of("x\\"), (std::vector<Words>{{"x\\"}}));
}

TEST(CliRequest, ACarriageReturnBeforeTheEndOfLineIsDropped) {
  EXPECT_EQ(commands_of("show info\r"), (std::vector<Words>{{"show", "info"}}));
}

TEST(CliRequest, BoundsAreErrorsAndNothingRuns) {
  CliRequest too_long = parse_cli_request(std::string(kMaxLineBytes + 1, 'a'));
  EXPECT_EQ(too_long.error, "Command line too long (at most 16384 bytes).");
  EXPECT_TRUE(too_long.commands.empty());

  std::string many_words;
  for (std::size_t i = 0; i <= kMaxWords; ++i) many_words += "w ";
  CliRequest words = parse_cli_request(many_words);
  EXPECT_EQ(words.error, "Too many words in a command (at most 64).");
  EXPECT_TRUE(words.commands.empty());

  std::string many_commands = "show info";
  for (std::size_t i = 0; i < kMaxCommands; ++i) many_commands += ";help";
  CliRequest commands = parse_cli_request(many_commands);
  EXPECT_EQ(commands.error, "Too many commands on one line (at most 64).");
  EXPECT_TRUE(commands.commands.empty());

  CliRequest binary = parse_cli_request(std::string_view("show\0info", 9));
  EXPECT_EQ(binary.error, "Binary data in a command line.");
  EXPECT_TRUE(binary.commands.empty());
}

TEST(CliRequest, AtTheBoundsStillParses) {
  std::string words;
  for (std::size_t i = 0; i < kMaxWords; ++i) words += "w ";
  EXPECT_EQ(parse_cli_request(words).commands.at(0).size(), kMaxWords);
  EXPECT_EQ(parse_cli_request(std::string(kMaxLineBytes, 'a')).error, "");
}

}  // namespace
}  // namespace borealis::admin

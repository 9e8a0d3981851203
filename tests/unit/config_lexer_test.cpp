#include <gtest/gtest.h>

#include <cstdlib>

#include "config/lexer.hpp"

namespace borealis::config {
namespace {

using Words = std::vector<std::string>;

Words words(std::string_view line) {
  auto result = tokenize_line(line);
  EXPECT_TRUE(result.ok()) << result.error;
  return result.words;
}

std::string error_of(std::string_view line) { return tokenize_line(line).error; }

TEST(ConfigLexer, SplitsOnSpacesAndTabs) {
  EXPECT_EQ(words("  server  s1\t10.0.0.1:3306   check "),
            (Words{"server", "s1", "10.0.0.1:3306", "check"}));
  EXPECT_EQ(words(""), Words{});
  EXPECT_EQ(words("   \t "), Words{});
}

TEST(ConfigLexer, CommentsEndTheLineOutsideQuotes) {
  EXPECT_EQ(words("bind *:3306 # public port"), (Words{"bind", "*:3306"}));
  EXPECT_EQ(words("# only a comment"), Words{});
  EXPECT_EQ(words("a#b"), Words{"a"});
  EXPECT_EQ(words("x \"a#b\" 'c#d'"), (Words{"x", "a#b", "c#d"}));
}

TEST(ConfigLexer, LineEndsAtNewlineOrCarriageReturn) {
  EXPECT_EQ(words("a b\r\n"), (Words{"a", "b"}));
  EXPECT_EQ(words("a\rb"), Words{"a"});
}

TEST(ConfigLexer, BackslashEscapes) {
  EXPECT_EQ(words(R"(a\ b)"), Words{"a b"});
  EXPECT_EQ(words(R"(a\\b)"), Words{R"(a\b)"});
  EXPECT_EQ(words(R"(a\#b)"), Words{"a#b"});
  EXPECT_EQ(words(R"(a\"b\'c)"), Words{"a\"b'c"});
  EXPECT_EQ(words(R"(\t\n\r)"), Words{"\t\n\r"});
  EXPECT_EQ(words(R"(\x41\x6a)"), Words{"Aj"});
  // Not an escape sequence: the backslash stays.
  EXPECT_EQ(words(R"(a\1)"), Words{R"(a\1)"});
  EXPECT_EQ(words(R"(a\$b)"), Words{R"(a\$b)"});
  EXPECT_EQ(words(R"("a\$b")"), Words{"a$b"});
  EXPECT_EQ(words(R"(a\)"), Words{R"(a\)"});
}

TEST(ConfigLexer, BadHexEscapeIsAnError) {
  EXPECT_EQ(error_of(R"(a \x4)"), "truncated or invalid hexadecimal sequence at position 3");
  EXPECT_EQ(error_of(R"(a \xZZ)"), "truncated or invalid hexadecimal sequence at position 3");
}

TEST(ConfigLexer, SingleQuotesAreLiteral) {
  EXPECT_EQ(words(R"('a b\x41 $HOME "q"')"), Words{R"(a b\x41 $HOME "q")"});
  EXPECT_EQ(words(R"(pre'mid dle'post)"), Words{"premid dlepost"});
}

TEST(ConfigLexer, DoubleQuotesKeepSpacesAndEscapes) {
  EXPECT_EQ(words(R"("a b" "c\"d" "e'f")"), (Words{"a b", "c\"d", "e'f"}));
  EXPECT_EQ(words(R"("tab\there")"), Words{"tab\there"});
}

TEST(ConfigLexer, EmptyQuotedWords) {
  EXPECT_EQ(words(R"(a "" b)"), (Words{"a", "", "b"}));
  EXPECT_EQ(words(R"('' b)"), (Words{"", "b"}));
  // As in HAProxy, a trailing empty word is dropped.
  EXPECT_EQ(words(R"(a "")"), Words{"a"});
}

TEST(ConfigLexer, UnterminatedQuoteIsAnError) {
  EXPECT_EQ(error_of(R"(log "abc)"), "unmatched quote at position 5");
  EXPECT_EQ(error_of(R"(log 'abc)"), "unmatched quote at position 5");
  EXPECT_EQ(error_of(R"(a "b' c)"), "unmatched quote at position 3");
}

TEST(ConfigLexer, EnvironmentVariablesExpandInsideDoubleQuotes) {
  ::setenv("BOREALIS_LEX_A", "10.0.0.1", 1);
  ::setenv("BOREALIS_LEX_LIST", "one two  three", 1);
  ::unsetenv("BOREALIS_LEX_UNSET");
  EXPECT_EQ(words(R"(bind "$BOREALIS_LEX_A:3306")"), (Words{"bind", "10.0.0.1:3306"}));
  EXPECT_EQ(words(R"(bind "${BOREALIS_LEX_A}:3306")"), (Words{"bind", "10.0.0.1:3306"}));
  EXPECT_EQ(words(R"(x "${BOREALIS_LEX_UNSET-fallback}")"), (Words{"x", "fallback"}));
  EXPECT_EQ(words(R"(x "${BOREALIS_LEX_A-fallback}")"), (Words{"x", "10.0.0.1"}));
  EXPECT_EQ(words(R"(x "[$BOREALIS_LEX_UNSET]")"), (Words{"x", "[]"}));
  EXPECT_EQ(words(R"(x "${BOREALIS_LEX_LIST[*]}" y)"), (Words{"x", "one", "two", "three", "y"}));
  EXPECT_EQ(words(R"(x "${BOREALIS_LEX_LIST}")"), (Words{"x", "one two  three"}));
}

TEST(ConfigLexer, DollarOutsideDoubleQuotesIsPlain) {
  ::setenv("BOREALIS_LEX_A", "10.0.0.1", 1);
  EXPECT_EQ(words("x $BOREALIS_LEX_A"), (Words{"x", "$BOREALIS_LEX_A"}));
  EXPECT_EQ(words("x '$BOREALIS_LEX_A'"), (Words{"x", "$BOREALIS_LEX_A"}));
}

TEST(ConfigLexer, BadVariableSyntaxIsAnError) {
  EXPECT_EQ(error_of(R"(x "$1")"),
            "forbidden first char in environment variable name at "
            "position 5");
  EXPECT_EQ(error_of(R"(x "${ABC")"),
            "unmatched brace in environment variable name at "
            "position 5");
  EXPECT_EQ(error_of(R"(x "${ABC[x]}")"), "invalid word expansion at position 9");
  EXPECT_EQ(error_of(R"(x "$.NOPE")"), "unsupported internal variable '.NOPE' at position 10");
}

TEST(ConfigLexer, PseudoVariables) {
  const LexContext context{"haproxy.cfg", 12, "backend"};
  const auto result = tokenize_line(R"(x "${.FILE}:$.LINE" "$.SECTION")", context);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.words, (Words{"x", "haproxy.cfg:12", "backend"}));
}

TEST(ConfigLexer, TooManyWords) {
  std::string line;
  for (int i = 0; i < 64; ++i) line += "w ";
  EXPECT_EQ(words(line).size(), 64u);
  line += "w";
  EXPECT_EQ(error_of(line), "too many words, the limit is 64 per line");
}

}  // namespace
}  // namespace borealis::config

#include <gtest/gtest.h>

#include "config/units.hpp"

namespace borealis::config {
namespace {

std::int64_t ms(std::string_view text) {
  const auto value = parse_time(text);
  EXPECT_TRUE(value.has_value()) << text;
  return value ? value->count() : -1;
}

TEST(ConfigUnits, TimeUnits) {
  EXPECT_EQ(ms("0"), 0);
  EXPECT_EQ(ms("1500"), 1500);
  EXPECT_EQ(ms("250ms"), 250);
  EXPECT_EQ(ms("3s"), 3000);
  EXPECT_EQ(ms("2m"), 120000);
  EXPECT_EQ(ms("1h"), 3600000);
  EXPECT_EQ(ms("1d"), 86400000);
  EXPECT_EQ(ms("24d"), 24LL * 86400000);
}

TEST(ConfigUnits, MicrosecondsRoundUp) {
  EXPECT_EQ(ms("1us"), 1);
  EXPECT_EQ(ms("999us"), 1);
  EXPECT_EQ(ms("1000us"), 1);
  EXPECT_EQ(ms("1001us"), 2);
  EXPECT_EQ(ms("0us"), 0);
}

TEST(ConfigUnits, TimeLimits) {
  EXPECT_EQ(ms("2147483647"), 2147483647);
  EXPECT_EQ(ms("2147483647ms"), 2147483647);
  EXPECT_EQ(parse_time_detailed("2147483648").error, TimeError::overflow);
  EXPECT_EQ(parse_time_detailed("25d").error, TimeError::overflow);
  EXPECT_EQ(parse_time_detailed("99999999999999999999999").error, TimeError::overflow);
  EXPECT_EQ(parse_time_detailed("18446744073709551615h").error, TimeError::overflow);
}

TEST(ConfigUnits, TimeGarbage) {
  EXPECT_EQ(parse_time_detailed("").error, TimeError::empty);
  EXPECT_EQ(parse_time_detailed("abc").error, TimeError::bad_number);
  EXPECT_EQ(parse_time_detailed("-1s").error, TimeError::bad_number);
  EXPECT_EQ(parse_time_detailed(" 1s").error, TimeError::bad_number);
  EXPECT_EQ(parse_time_detailed("1S").error, TimeError::bad_unit);
  EXPECT_EQ(parse_time_detailed("1sec").error, TimeError::bad_unit);
  EXPECT_EQ(parse_time_detailed("1ms5").error, TimeError::bad_unit);
  EXPECT_EQ(parse_time_detailed("1.5s").error, TimeError::bad_unit);
  EXPECT_FALSE(parse_time("s"));
}

TEST(ConfigUnits, Sizes) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("16k"), 16u * 1024);
  EXPECT_EQ(parse_size("16K"), 16u * 1024);
  EXPECT_EQ(parse_size("3m"), 3u * 1024 * 1024);
  EXPECT_EQ(parse_size("2G"), 2ULL * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_size("18446744073709551615"), 18446744073709551615ULL);
}

TEST(ConfigUnits, SizeGarbageAndOverflow) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("k"));
  EXPECT_FALSE(parse_size("1kb"));
  EXPECT_FALSE(parse_size("1t"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("18446744073709551616"));
  EXPECT_FALSE(parse_size("18014398509481984k"));
}

TEST(ConfigUnits, Integers) {
  EXPECT_EQ(parse_integer("0"), 0);
  EXPECT_EQ(parse_integer("-42"), -42);
  EXPECT_EQ(parse_integer("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_integer("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(parse_integer("9223372036854775808"));
  EXPECT_FALSE(parse_integer(""));
  EXPECT_FALSE(parse_integer("-"));
  EXPECT_FALSE(parse_integer("12a"));
  EXPECT_FALSE(parse_integer("+1"));
}

TEST(ConfigUnits, Decimals) {
  EXPECT_EQ(parse_decimal("0"), 0.0);
  EXPECT_EQ(parse_decimal("2"), 2.0);
  EXPECT_EQ(parse_decimal("0.25"), 0.25);
  EXPECT_EQ(parse_decimal("1.50"), 1.5);
  EXPECT_EQ(parse_decimal("-0.5"), -0.5);
  EXPECT_EQ(parse_decimal("123456789012345"), 123456789012345.0);
  EXPECT_FALSE(parse_decimal("1234567890123456"));  // more than 15 digits
  for (const char* bad : {"", "-", ".", ".5", "1.", "1..2", "1.2.3", "+1", "1e3", "inf", "nan",
                          "0x10", " 1", "1 ", "1,5", "--1"}) {
    EXPECT_FALSE(parse_decimal(bad)) << bad;
  }
}

}  // namespace
}  // namespace borealis::config

// The health check status table: one row per status, HAProxy's short names
// and the descriptions the "Server ... is UP/DOWN, reason: ..." lines carry.
#include "backend/check_status.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace borealis::backend;

namespace {

TEST(CheckStatus, OneRowPerStatusInOrder) {
  auto table = check_status_table();
  ASSERT_EQ(table.size(), kCheckStatusCount);
  std::set<std::string_view> names, descriptions;
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(table[i].status), i);
    EXPECT_FALSE(table[i].name.empty());
    EXPECT_FALSE(table[i].description.empty());
    EXPECT_TRUE(names.insert(table[i].name).second) << table[i].name;
    EXPECT_TRUE(descriptions.insert(table[i].description).second) << table[i].description;
    EXPECT_EQ(&describe(table[i].status), &table[i]);
  }
}

struct Expected {
  CheckStatus status;
  bool passed;
  const char* name;
  const char* description;
};

// HAProxy's words, byte for byte.
TEST(CheckStatus, HAProxysNamesAndWords) {
  const Expected expected[] = {
      {CheckStatus::l4_ok, true, "L4OK", "Layer4 check passed"},
      {CheckStatus::l4_timeout, false, "L4TOUT", "Layer4 timeout"},
      {CheckStatus::l4_connection, false, "L4CON", "Layer4 connection problem"},
      {CheckStatus::l7_ok, true, "L7OK", "Layer7 check passed"},
      {CheckStatus::l7_timeout, false, "L7TOUT", "Layer7 timeout"},
      {CheckStatus::l7_invalid_answer, false, "L7RSP", "Layer7 invalid response"},
      {CheckStatus::l7_wrong_status, false, "L7STS", "Layer7 wrong status"},
  };
  ASSERT_EQ(std::size(expected), kCheckStatusCount);
  for (const auto& want : expected) {
    const CheckStatusRow& row = describe(want.status);
    EXPECT_EQ(row.passed, want.passed) << want.name;
    EXPECT_EQ(row.name, want.name);
    EXPECT_EQ(row.description, want.description);
  }
}

}  // namespace

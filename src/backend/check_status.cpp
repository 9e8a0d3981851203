#include "backend/check_status.hpp"

#include <array>

namespace borealis::backend {

namespace {

constexpr std::array<CheckStatusRow, kCheckStatusCount> kTable{{
    {CheckStatus::l4_ok, true, "L4OK", "Layer4 check passed", 6},
    {CheckStatus::l4_timeout, false, "L4TOUT", "Layer4 timeout", 7},
    {CheckStatus::l4_connection, false, "L4CON", "Layer4 connection problem", 8},
    {CheckStatus::l7_ok, true, "L7OK", "Layer7 check passed", 15},
    {CheckStatus::l7_timeout, false, "L7TOUT", "Layer7 timeout", 12},
    {CheckStatus::l7_invalid_answer, false, "L7RSP", "Layer7 invalid response", 13},
    {CheckStatus::l7_wrong_status, false, "L7STS", "Layer7 wrong status", 17},
}};

constexpr bool rows_follow_the_enum() {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<std::size_t>(kTable[i].status) != i || kTable[i].name.empty() ||
        kTable[i].description.empty())
      return false;
  return true;
}

static_assert(rows_follow_the_enum(), "check status table: one row per status, in order");

}  // namespace

std::span<const CheckStatusRow> check_status_table() { return kTable; }

const CheckStatusRow& describe(CheckStatus status) {
  return kTable[static_cast<std::size_t>(status)];
}

}  // namespace borealis::backend

// The result of one health check, as HAProxy names them (its check_statuses[]
// table): a short name ("L4CON") and the description the server state lines
// carry ("Layer4 connection problem"). Only the statuses borealis reaches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace borealis::backend {

enum class CheckStatus : std::uint8_t {
  l4_ok,              // L4OK   connected (TCP check)
  l4_timeout,         // L4TOUT no connection within the limit
  l4_connection,      // L4CON  connection refused, reset or closed
  l7_ok,              // L7OK   the MySQL server greeted (and accepted the check user)
  l7_timeout,         // L7TOUT connected, but the MySQL exchange took too long
  l7_invalid_answer,  // L7RSP  not a MySQL server reply
  l7_wrong_status,    // L7STS  the server answered with an error packet
};

inline constexpr std::size_t kCheckStatusCount = 7;

struct CheckStatusRow {
  CheckStatus status;
  bool passed;                   // HAProxy's CHK_RES_PASSED, otherwise FAILED
  std::string_view name;         // "L4CON"
  std::string_view description;  // "Layer4 connection problem"
  int code;                      // HAProxy's number for it (`show servers state`)
};

// The whole table, in the enum's order.
std::span<const CheckStatusRow> check_status_table();

[[nodiscard]] const CheckStatusRow& describe(CheckStatus status);

}  // namespace borealis::backend

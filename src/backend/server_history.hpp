// What `show stat` and `show servers state` say of a server beyond its
// current state: its last check, how often checks failed, when it last
// changed and how long it has been unusable in all. Kept by the control
// thread with the server's state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "backend/check_status.hpp"
#include "core/clock.hpp"

namespace borealis::backend {

struct ServerHistory {
  std::optional<CheckStatus> last_check;  // none before the first
  std::string last_check_info;            // "Connection refused", an error
  long long last_check_ms = -1;
  std::uint64_t failed_checks = 0;  // chkfail
  std::uint64_t went_down = 0;      // chkdown: UP to DOWN transitions
  core::SteadyTime last_change = core::SteadyClock::now();
  // Time spent unusable before `down_since` (downtime), and since when it
  // is unusable now.
  std::chrono::nanoseconds downtime{0};
  std::optional<core::SteadyTime> down_since;

  // Called after every change that may make the server (un)usable.
  void note_usable(bool usable, core::SteadyTime now);
  std::chrono::nanoseconds total_downtime(core::SteadyTime now) const;
};

}  // namespace borealis::backend

#include "backend/server_history.hpp"

namespace borealis::backend {

void ServerHistory::note_usable(bool usable, core::SteadyTime now) {
  if (usable == !down_since) return;
  last_change = now;
  if (usable) {
    downtime += now - *down_since;
    down_since.reset();
  } else {
    down_since = now;
  }
}

std::chrono::nanoseconds ServerHistory::total_downtime(core::SteadyTime now) const {
  return downtime + (down_since ? now - *down_since : std::chrono::nanoseconds(0));
}

}  // namespace borealis::backend

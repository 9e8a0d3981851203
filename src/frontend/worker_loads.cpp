#include "frontend/worker_loads.hpp"

namespace borealis::frontend {

int WorkerLoads::choose(int here) const {
  int least = here;
  int least_sessions =
      counts_[static_cast<std::size_t>(here)].value.load(std::memory_order_relaxed);
  const int here_sessions = least_sessions;
  for (int worker = 0; worker < size(); ++worker) {
    const int sessions =
        counts_[static_cast<std::size_t>(worker)].value.load(std::memory_order_relaxed);
    if (sessions < least_sessions) {
      least = worker;
      least_sessions = sessions;
    }
  }
  return here_sessions > least_sessions ? least : here;
}

}  // namespace borealis::frontend

#include "frontend/worker_loads.hpp"

namespace borealis::frontend {

// `here` stays the choice unless another worker runs strictly fewer.
int WorkerLoads::choose(int here) const {
  int least = here;
  int least_sessions =
      counts_[static_cast<std::size_t>(here)].value.load(std::memory_order_relaxed);
  for (int worker = 0; worker < size(); ++worker) {
    const int sessions =
        counts_[static_cast<std::size_t>(worker)].value.load(std::memory_order_relaxed);
    if (sessions < least_sessions) {
      least = worker;
      least_sessions = sessions;
    }
  }
  return least;
}

}  // namespace borealis::frontend

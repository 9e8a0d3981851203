#include "frontend/frontend.hpp"

namespace borealis::frontend {

Frontend::Frontend(const config::Proxy& proxy, logging::Logger logger, backend::Backend* backend,
                   ProcessLimits& process)
    : config_(proxy),
      logger_(std::move(logger)),
      backend_(backend),
      process_(process),
      maxconn_(proxy.maxconn > 0 ? proxy.maxconn : process.maxconn) {}

bool Frontend::has_room() const {
  if (maxconn_ > 0 && active_.load(std::memory_order_relaxed) >= maxconn_) return false;
  return process_.maxconn <= 0 || process_.active.load(std::memory_order_relaxed) < process_.maxconn;
}

}  // namespace borealis::frontend

#include "backend/continuity_counters.hpp"

#include <fmt/format.h>

namespace borealis::backend {

bool ContinuityCounts::any() const {
  return released || restored || not_restored || refused || fate_unknown || busy_retries;
}

std::string ContinuityCounts::describe() const {
  return fmt::format(
      "{} server connection(s) given back while idle, {} session(s) restored, {} not "
      "restored, {} command(s) refused (what the session held was lost), {} command(s) of "
      "unknown fate, {} login(s) asked again after 'Too many connections'",
      released, restored, not_restored, refused, fate_unknown, busy_retries);
}

ContinuityCounts ContinuityCounters::read() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  return {released_.load(relaxed), restored_.load(relaxed),     not_restored_.load(relaxed),
          refused_.load(relaxed),  fate_unknown_.load(relaxed), busy_retries_.load(relaxed)};
}

}  // namespace borealis::backend

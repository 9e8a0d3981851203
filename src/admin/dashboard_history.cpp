#include "admin/dashboard_history.hpp"

namespace borealis::admin {

void DatabaseTimeline::record(double at, serverless::DatabaseState state, double capacity) {
  const bool changed =
      points_.empty() || points_.back().state != state || points_.back().capacity != capacity;
  if (changed) points_.push_back({at, state, capacity});
  // Keep the point in force when the window begins; drop those before it.
  while (points_.size() > 1 && points_[1].at <= at - kWindowSeconds) points_.pop_front();
}

}  // namespace borealis::admin

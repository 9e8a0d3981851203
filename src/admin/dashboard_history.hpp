// The last hour of each database's state and capacity, for the dashboard's
// plots: a point whenever either changed since the last look (the
// dashboard looks every second), older points dropped but the last one
// before the hour (it says what the state was when the hour began).
// Bounded: at most one point per look, so 3,600 per database.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>

#include "serverless/database_gate.hpp"

namespace borealis::admin {

struct TimelinePoint {
  double at = 0;  // seconds since the epoch
  serverless::DatabaseState state = serverless::DatabaseState::stopped;
  double capacity = 0;
};

class DatabaseTimeline {
 public:
  static constexpr double kWindowSeconds = 3600;

  void record(double at, serverless::DatabaseState state, double capacity);
  const std::deque<TimelinePoint>& points() const { return points_; }

 private:
  std::deque<TimelinePoint> points_;
};

}  // namespace borealis::admin

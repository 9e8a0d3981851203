// When and how far a database's capacity moves, free of I/O so it can be
// tested alone. Up at once when a signal is high (doubling, capped at the
// maximum). Down as fast as load falls: to what the load of the last
// `scale-down-delay` needs with headroom (so the next second's load does
// not scale straight back up), one step per delay, at most halving per
// step (the buffer pool shrinks only as far as its hit rate stays
// healthy: misses above the low mark hold capacity where it is), and never
// again below a capacity whose step down the load undid within a minute.
// A database without a client session for two seconds drops at once to what
// its load needs (the minimum when nothing runs), and the load that comes
// back later is new load, not a sign that the step was too far (so is the
// load after a pause).
#pragma once

#include <optional>
#include <string>

#include "config/model.hpp"
#include "serverless/capacity.hpp"

namespace borealis::serverless {

struct ScalingDecision {
  double capacity = 0;  // the new capacity (equal to current: stay)
  std::string reason;   // "cpu 86% of 1 ACU", for the log
};

class ScalingPolicy {
 public:
  explicit ScalingPolicy(const config::Database& database) : database_(database) {}

  // Called once per sample, `seconds` apart.
  ScalingDecision decide(double current, const LoadSample& sample, double seconds);
  // The capacity the sample's load needs, on the half-ACU grid within the
  // bounds, with every signal at half of what scales up (the current
  // capacity when the buffer pool misses too often to shrink).
  double needed_for(double current, const LoadSample& sample) const;
  // Compute paused: what was learned about the load before says nothing
  // about the load that wakes it.
  void forget_load();

 private:
  std::optional<std::string> high_signal(double current, const LoadSample& sample) const;
  ScalingDecision scale_up(double current, std::string reason);
  ScalingDecision step_down(double current, double target, std::string reason);
  double floor() const;

  const config::Database& database_;
  double quiet_seconds_ = 0;  // since the load last needed the current capacity, or a step
  double highest_need_ = 0;   // the most the load needed over that time
  double since_step_down_ = 0;
  double stepped_down_from_ = 0;  // 0: no step down yet
  double learned_floor_ = 0;      // a step below it was undone: not again for a while
  double learned_floor_left_ = 0;
};

}  // namespace borealis::serverless

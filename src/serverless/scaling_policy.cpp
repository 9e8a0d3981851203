#include "serverless/scaling_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace borealis::serverless {

namespace {

constexpr double kStep = 0.5;
// Thresholds, as fractions of what the current capacity allows.
constexpr double kCpuHigh = 0.80;
constexpr double kConnectionsHigh = 0.80;
constexpr double kMissHigh = 0.01, kMissLow = 0.001;
constexpr std::uint64_t kMissMinimumRequests = 1000;
// Where load should sit after a step down: half of what scales up.
constexpr double kComfortable = 0.5;
// A step down that load undoes within this long was too far ...
constexpr double kRegretSeconds = 60;
// ... and is not taken again for this long.
constexpr double kLearnedFloorSeconds = 600;
// No client session for this long (or scale-down-delay, if shorter): what
// the load needs, in one step. Counted from the last session's end, so
// short connections one after the other keep it at 0.
constexpr double kWithoutSessionsSeconds = 2;

double round_up_to_step(double capacity) { return std::ceil(capacity / kStep - 1e-9) * kStep; }

}  // namespace

// Never above the maximum, which an operator may have lowered.
double ScalingPolicy::floor() const {
  return std::min(std::max({database_.capacity_min, kStep, learned_floor_}),
                  database_.capacity_max);
}

std::optional<std::string> ScalingPolicy::high_signal(double current,
                                                      const LoadSample& sample) const {
  if (sample.cpu_share_used >= kCpuHigh)
    return fmt::format("cpu {:.0f}% of {} ACU", sample.cpu_share_used * 100, format_acu(current));
  if (sample.max_connections > 0 && sample.connections >= kConnectionsHigh * sample.max_connections)
    return fmt::format("connections {} of {}", sample.connections, sample.max_connections);
  double cores = limits_for(database_.acu, current).cpu_cores;
  if (sample.threads_running > std::max(2.0, 2 * cores))
    return fmt::format("{} threads running for {:.2g} cores", sample.threads_running, cores);
  if (sample.buffer_pool_requests >= kMissMinimumRequests &&
      sample.buffer_pool_miss_ratio >= kMissHigh)
    return fmt::format("buffer pool misses {:.1f}%", sample.buffer_pool_miss_ratio * 100);
  return std::nullopt;
}

double ScalingPolicy::needed_for(double current, const LoadSample& sample) const {
  const config::CapacityUnit& acu = database_.acu;
  if (sample.buffer_pool_requests >= kMissMinimumRequests &&
      sample.buffer_pool_miss_ratio >= kMissLow)
    return std::clamp(current, floor(), database_.capacity_max);
  const double cores_used = sample.cpu_share_used * limits_for(acu, current).cpu_cores;
  double need = cores_used / (acu.cpu * kComfortable);
  // Up at more than two running threads per core (and more than two):
  // comfortable at one per core.
  if (sample.threads_running > 1) need = std::max(need, sample.threads_running / acu.cpu);
  need = std::max(need, sample.connections / (acu.connections * kComfortable));
  return std::clamp(round_up_to_step(need), floor(), database_.capacity_max);
}

ScalingDecision ScalingPolicy::scale_up(double current, std::string reason) {
  quiet_seconds_ = highest_need_ = 0;
  const double next = std::min(database_.capacity_max, round_up_to_step(current * 2));
  if (stepped_down_from_ > current && since_step_down_ <= kRegretSeconds) {
    learned_floor_ = std::min(stepped_down_from_, database_.capacity_max);
    learned_floor_left_ = kLearnedFloorSeconds;
    reason += fmt::format("; the step down from {} ACU was too far: not again for {:.0f} min",
                          format_acu(stepped_down_from_), kLearnedFloorSeconds / 60);
    stepped_down_from_ = 0;
  }
  return {std::max(next, current), std::move(reason)};
}

ScalingDecision ScalingPolicy::step_down(double current, double target, std::string reason) {
  quiet_seconds_ = highest_need_ = 0;
  if (target >= current) return {current, {}};
  since_step_down_ = 0;
  stepped_down_from_ = current;
  return {target, std::move(reason)};
}

void ScalingPolicy::forget_load() {
  quiet_seconds_ = highest_need_ = 0;
  stepped_down_from_ = learned_floor_ = learned_floor_left_ = 0;
}

ScalingDecision ScalingPolicy::decide(double current, const LoadSample& sample, double seconds) {
  since_step_down_ += seconds;
  if (learned_floor_left_ > 0 && (learned_floor_left_ -= seconds) <= 0) learned_floor_ = 0;
  if (auto reason = high_signal(current, sample)) return scale_up(current, std::move(*reason));
  const double delay = std::chrono::duration<double>(database_.scale_down_delay).count();
  const double idle_for = std::min(delay, kWithoutSessionsSeconds);
  const double need = needed_for(current, sample);
  const auto idle = sample.seconds_without_sessions;
  if (idle && *idle >= idle_for && need < current) {
    forget_load();
    return {need, fmt::format("no client session for {:.0f}s", *idle)};
  }
  if (need >= current) {
    quiet_seconds_ = highest_need_ = 0;
    return {current, {}};
  }
  quiet_seconds_ += seconds;
  highest_need_ = std::max(highest_need_, need);
  if (quiet_seconds_ < delay) return {current, {}};
  const double target = std::max({highest_need_, round_up_to_step(current / 2), floor()});
  return step_down(current, target,
                   fmt::format("load needs {} ACU for {:.0f}s", format_acu(highest_need_), delay));
}

}  // namespace borealis::serverless

#include "serverless/capacity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace borealis::serverless {

namespace {

constexpr double kStep = 0.5;
constexpr std::uint64_t kMiB = 1ull << 20;
// A capacity step's buffer pool is this many InnoDB chunks: small chunks
// let a warm pause shrink the pool to almost nothing. (MariaDB enlarges
// chunks at startup beyond 1000 of them: a start above 31 ACU.)
constexpr std::uint64_t kChunksPerStep = 16;
// MariaDB's least innodb_buffer_pool_size.
constexpr std::uint64_t kSmallestBufferPool = 2 * kMiB;

// Thresholds, as fractions of what the current capacity allows.
constexpr double kCpuHigh = 0.80, kCpuLow = 0.30;
constexpr double kConnectionsHigh = 0.80, kConnectionsLow = 0.40;
constexpr double kMissHigh = 0.01, kMissLow = 0.001;
constexpr std::uint64_t kMissMinimumRequests = 1000;

double clamp_capacity(const config::Database& database, double capacity) {
  double floor = std::max(database.capacity_min, kStep);
  return std::clamp(std::round(capacity / kStep) * kStep, floor, database.capacity_max);
}

}  // namespace

std::uint64_t buffer_pool_chunk_bytes(const config::CapacityUnit& acu) {
  std::uint64_t chunk = acu.memory_bytes / 2 / kChunksPerStep;
  return std::max<std::uint64_t>(kMiB, chunk / kMiB * kMiB);
}

std::uint64_t frozen_buffer_pool_bytes(const config::CapacityUnit& acu) {
  const std::uint64_t chunk = buffer_pool_chunk_bytes(acu);
  return (kSmallestBufferPool + chunk - 1) / chunk * chunk;
}

CapacityLimits limits_for(const config::CapacityUnit& acu, double capacity) {
  CapacityLimits limits;
  auto chunks = static_cast<std::uint64_t>(std::max(1.0, std::round(capacity / kStep)));
  limits.buffer_pool_bytes = chunks * kChunksPerStep * buffer_pool_chunk_bytes(acu);
  limits.max_connections = std::max(10, static_cast<int>(std::lround(acu.connections * capacity)));
  limits.cpu_cores = acu.cpu * capacity;
  return limits;
}

double starting_capacity(const config::Database& database) {
  return clamp_capacity(database, database.capacity_min);
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

bool ScalingPolicy::all_low(double current, const LoadSample& sample) const {
  double lower = current - kStep;
  if (lower <= 0) return false;
  // After stepping down, the same load must still look comfortable.
  double ratio = current / lower;
  bool cpu_low = sample.cpu_share_used * ratio < kCpuLow;
  bool connections_low =
      sample.max_connections == 0 ||
      sample.connections < kConnectionsLow * limits_for(database_.acu, lower).max_connections;
  bool misses_low = sample.buffer_pool_requests < kMissMinimumRequests ||
                    sample.buffer_pool_miss_ratio < kMissLow;
  return cpu_low && connections_low && misses_low;
}

ScalingDecision ScalingPolicy::decide(double current, const LoadSample& sample, double seconds) {
  if (auto reason = high_signal(current, sample)) {
    quiet_seconds_ = 0;
    return {clamp_capacity(database_, current * 2), *reason};
  }
  if (!all_low(current, sample)) {
    quiet_seconds_ = 0;
    return {current, {}};
  }
  quiet_seconds_ += seconds;
  double delay = std::chrono::duration<double>(database_.scale_down_delay).count();
  if (quiet_seconds_ < delay) return {current, {}};
  quiet_seconds_ = 0;
  return {clamp_capacity(database_, current - kStep), fmt::format("load low for {:.0f}s", delay)};
}

std::string format_acu(double capacity) { return fmt::format("{:g}", capacity); }

}  // namespace borealis::serverless

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

double clamp_capacity(const config::Database& database, double capacity) {
  double floor = std::max(database.capacity_min, kStep);
  return std::clamp(std::round(capacity / kStep) * kStep, floor, database.capacity_max);
}

double starting_capacity(const config::Database& database) {
  return clamp_capacity(database, database.capacity_min);
}

std::string format_acu(double capacity) { return fmt::format("{:g}", capacity); }

}  // namespace borealis::serverless

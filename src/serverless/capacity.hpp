// Capacity arithmetic, free of I/O: what a number of ACUs means for
// mariadbd, and what a running database's load looks like (the scaling
// policy, scaling_policy.hpp, decides from it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/model.hpp"

namespace borealis::serverless {

struct CapacityLimits {
  std::uint64_t buffer_pool_bytes = 0;
  int max_connections = 0;
  double cpu_cores = 0;
};

// Capacity is applied in steps of half an ACU; the buffer pool is a whole
// number of InnoDB chunks (16 to a step), so a resize never needs a
// restart.
std::uint64_t buffer_pool_chunk_bytes(const config::CapacityUnit& acu);
// The buffer pool of a frozen engine (a warm pause): the fewest chunks
// MariaDB accepts.
std::uint64_t frozen_buffer_pool_bytes(const config::CapacityUnit& acu);
CapacityLimits limits_for(const config::CapacityUnit& acu, double capacity);
// `capacity` on the half-ACU grid, within the database's bounds.
double clamp_capacity(const config::Database& database, double capacity);
// The capacity a database starts or resumes at.
double starting_capacity(const config::Database& database);

// One second's view of a running database.
struct LoadSample {
  double cpu_share_used = 0;  // CPU time used / CPU time the capacity allows (0..n)
  int threads_running = 0;
  int connections = 0;
  int max_connections = 0;
  double buffer_pool_miss_ratio = 0;  // disk reads / read requests in the interval
  std::uint64_t buffer_pool_requests = 0;
  // Since the gateway's last client session ended; none while one is open.
  std::optional<double> seconds_without_sessions;
};

// "1", "0.5", "2.5": capacities in log lines.
std::string format_acu(double capacity);

}  // namespace borealis::serverless

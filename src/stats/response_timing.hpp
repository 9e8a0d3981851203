// How long a `mode mysql` server takes to answer: from the last bytes of a
// client's command written to the server to the first bytes of the
// server's answer, per command, into the backend's and the server's
// response time histograms. One per relay, on its worker; the counters it
// adds to are the shared relaxed ones.
#pragma once

#include <cstdint>
#include <optional>

#include "core/clock.hpp"
#include "stats/traffic_counters.hpp"

namespace borealis::stats {

class ResponseTiming {
 public:
  // `commands`: how many commands the client has begun so far (those are
  // not timed).
  ResponseTiming(TrafficCounters& backend, TrafficCounters& server, std::uint64_t commands);

  // Client bytes reached the server; `commands` counts the commands begun,
  // these bytes' included.
  void client_bytes_written(std::uint64_t commands, core::SteadyTime now);
  // Server bytes arrived: the answer to the command waiting, if one is.
  void server_bytes_read(core::SteadyTime now);

 private:
  TrafficCounters& backend_;
  TrafficCounters& server_;
  std::uint64_t commands_;
  std::optional<core::SteadyTime> waiting_since_;
};

}  // namespace borealis::stats

#include "stats/response_timing.hpp"

namespace borealis::stats {

ResponseTiming::ResponseTiming(TrafficCounters& backend, TrafficCounters& server,
                               std::uint64_t commands)
    : backend_(backend), server_(server), commands_(commands) {}

// A command's answer is timed from its last bytes: a long one (a large
// INSERT) is not counted as the server's slowness while it is still sent.
void ResponseTiming::client_bytes_written(std::uint64_t commands, core::SteadyTime now) {
  if (commands > commands_) {
    commands_ = commands;
    waiting_since_ = now;
  } else if (waiting_since_) {
    waiting_since_ = now;
  }
}

void ResponseTiming::server_bytes_read(core::SteadyTime now) {
  if (!waiting_since_) return;
  const auto took = now - *waiting_since_;
  waiting_since_.reset();
  backend_.count_response(took);
  server_.count_response(took);
}

}  // namespace borealis::stats

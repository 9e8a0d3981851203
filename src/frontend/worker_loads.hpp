// Spreads new connections over the workers by the sessions each runs, as
// HAProxy's listeners do. Which worker accepts a connection is the kernel's
// SO_REUSEPORT hash, which splits a handful of long connections unevenly
// (8 clients over 2 workers: 6 and 2 about as often as 4 and 4), and the
// busier worker then holds them all back. A worker that accepts a
// connection while another runs fewer sessions hands it over.
#pragma once

#include <asio/io_context.hpp>
#include <atomic>
#include <vector>

#include "frontend/session_registry.hpp"

namespace borealis::frontend {

class WorkerLoads {
 public:
  explicit WorkerLoads(int workers) : counts_(static_cast<std::size_t>(workers)) {}

  // Where a connection accepted by worker `here` should run: here, unless
  // another worker runs fewer sessions; then the least busy (the
  // lowest-numbered of equals). The workers' counts so stay within one of
  // each other as connections arrive.
  int choose(int here) const;
  // Sessions running on (or being handed to) `worker`: raised by the
  // accept loop when it chooses the worker, lowered when the session ends.
  std::atomic<int>& sessions(int worker) { return counts_[static_cast<std::size_t>(worker)].value; }
  int size() const { return static_cast<int>(counts_.size()); }

 private:
  // One cache line each: every worker writes its own.
  struct alignas(64) Count {
    std::atomic<int> value{0};
  };
  std::vector<Count> counts_;
};

// What a connection needs to be served on a worker.
struct WorkerSeat {
  asio::io_context::executor_type executor;
  SessionRegistry* sessions;
};

// Every worker a connection may be handed to, and their loads.
struct Workers {
  std::vector<WorkerSeat> seats;
  WorkerLoads loads;
};

}  // namespace borealis::frontend

// What a reloading borealis is handed for one database, so that it takes
// the running compute over instead of starting another: the state machine's
// place, and the engine's process and descriptors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "serverless/database_state.hpp"

namespace borealis::serverless {

struct EngineHandover {
  pid_t pid = 0;  // the engine's process, 0 when none runs
  // Compute runs (or is frozen): not sent, derived from the database's
  // state by the adopting runtime.
  bool running = false;
  bool frozen = false;
  std::uint64_t frozen_resident_bytes = 0;
  // The engine's own, in its order (mariadb: the data directory's lock,
  // the client listener, the control listener, then the keeper's lifeline
  // when a process runs). Owned by whoever holds the handover.
  std::vector<int> descriptors;
};

struct DatabaseHandover {
  std::string name;
  DatabaseState state = DatabaseState::stopped;
  double capacity = 0;
  EngineHandover engine;
};

}  // namespace borealis::serverless

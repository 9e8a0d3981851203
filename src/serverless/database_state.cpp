#include "serverless/database_state.hpp"

namespace borealis::serverless {

const char* state_name(DatabaseState state) {
  switch (state) {
    case DatabaseState::stopped:
      return "stopped";
    case DatabaseState::starting:
      return "starting";
    case DatabaseState::running:
      return "running";
    case DatabaseState::pausing:
      return "pausing";
    case DatabaseState::paused:
      return "paused (deep)";
    case DatabaseState::frozen:
      return "paused (warm)";
    case DatabaseState::resuming:
      return "resuming";
    case DatabaseState::failed:
      return "failed";
  }
  return "unknown";
}

const char* state_key(DatabaseState state) {
  switch (state) {
    case DatabaseState::paused:
      return "paused_deep";
    case DatabaseState::frozen:
      return "paused_warm";
    default:
      return state_name(state);  // already one word
  }
}

}  // namespace borealis::serverless

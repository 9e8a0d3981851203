// The states of a serverless database, and their names.
#pragma once

namespace borealis::serverless {

// `paused`: compute stopped (a deep pause); `frozen`: compute frozen in
// place (a warm pause, "paused (warm)"). Both wake on a client.
enum class DatabaseState { stopped, starting, running, pausing, paused, frozen, resuming, failed };
constexpr int kDatabaseStateCount = 8;
const char* state_name(DatabaseState state);
// The state as one word, for column names and metric labels: "stopped",
// "paused_deep", "paused_warm", ...
const char* state_key(DatabaseState state);

}  // namespace borealis::serverless

// A reload (`-sf`/`-st PID...`, `-x SOCKET`): what this process takes from
// the running borealis it replaces before it binds anything, and how it
// lets the old one go once it listens itself.
#pragma once

#include <optional>

#include "app/command_line.hpp"
#include "app/gateway.hpp"
#include "config/model.hpp"

namespace borealis::app {

// The old process's listening sockets, taken over its runtime API socket.
// A takeover that fails only warns: new sockets are then bound beside the
// old ones.
std::optional<StartMode> take_over_listeners(const Options& options, const config::Config& config);

// The old process's databases (those this configuration names): held
// there until Gateway::commit_takeover(), adopted here. False (after
// saying why) when they cannot be: the reload then stops, and the old
// process supervises them again.
bool take_over_databases(const Options& options, const config::Config& config, StartMode& mode);

// -sf: SIGUSR1 (finish the sessions, then exit); -st: SIGTERM.
void release_previous(const Options& options);

}  // namespace borealis::app

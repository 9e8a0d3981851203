// The borealis a reload replaces (`-sf`/`-st PID...`, `-x SOCKET`): its
// listening sockets are taken over its runtime API socket before anything
// is bound, and it is told to stop once the new process listens.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace borealis::reload {

// Connects to the runtime API socket at `path` and asks `_getsocks`: the
// listening sockets come back as descriptors (close-on-exec, the caller's).
// Empty with `error` set when the old process could not hand them over.
std::vector<int> take_listeners(const std::string& path, std::string& error);

// Sends `signal` to each process; one message per process it could not reach.
std::vector<std::string> signal_previous(const std::vector<pid_t>& pids, int signal);

}  // namespace borealis::reload

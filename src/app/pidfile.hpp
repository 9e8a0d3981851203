// The `pidfile`: this process's PID, written before privileges are dropped
// (by the gateway, or by the master in master-worker mode, as HAProxy).
#pragma once

#include <string>

namespace borealis::app {

// Writes this process's PID to `path` (nothing for an empty path); returns
// an empty string, or the error.
std::string write_pidfile(const std::string& path);

}  // namespace borealis::app

// Master-worker mode (`-W`, `-Ws`), as HAProxy's: a master process that
// serves nothing itself runs borealis as a worker, re-runs it on SIGUSR2 or
// SIGHUP (a reload: the new worker takes the listening sockets and sends
// the old one SIGUSR1, see app/reload_steps.hpp), and passes stop signals
// on. Its PID does not change across reloads, which is what a service
// manager needs (systemd's `ExecReload=kill -USR2 $MAINPID`).
//
// The master tells the service manager READY=1 once the first worker
// listens, RELOADING=1 then READY=1 around each reload, STOPPING=1 when a
// stop begins. Workers report to the master with the same protocol, on a
// socket of the master's (NOTIFY_SOCKET in their environment): a worker
// that exits before it is ready is a failed reload, and the old worker
// serves on.
#pragma once

#include <string>

namespace borealis::app {

// The environment variable that tells a worker it has a master (which
// writes the pidfile, with its own PID, as HAProxy's master does).
inline constexpr const char* kWorkerMark = "BOREALIS_MASTER_PID";

// Runs the master until its last worker has exited; returns the exit code.
// `argv`: borealis's own command line, from which the workers' is made.
int run_master(const std::string& pidfile, int argc, char** argv);

}  // namespace borealis::app

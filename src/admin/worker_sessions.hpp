// The runtime API's questions about client sessions (`show sess`,
// `shutdown sessions server`), asked of every worker through its own
// queue: each answers about its sessions on its own thread, and the
// control thread gathers the copies. The workers' registries are never
// read from another thread.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <string>
#include <vector>

#include "admin/session_request.hpp"
#include "frontend/session_registry.hpp"

namespace borealis::admin {

struct WorkerSessions {
  asio::io_context* context = nullptr;
  frontend::SessionRegistry* registry = nullptr;
};

// `show sess`: one line per session, oldest first within each worker;
// `show sess ID`: that session's line. `shutdown sessions server`,
// `shutdown session ID`: nothing (as HAProxy), once the workers have
// closed the sessions. An ID no worker has: "No such session".
asio::awaitable<std::string> answer_on_workers(std::vector<WorkerSessions> workers,
                                               SessionRequest request);

// One `show sess` line, in HAProxy's key=value style: "0x101: proto=tcpv4
// src=10.0.0.1:5000 fe=fe be=be srv=app age=3s worker=1".
std::string describe_session(const frontend::SessionSummary& session);

}  // namespace borealis::admin

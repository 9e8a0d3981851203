// The line HAProxy writes for a TCP session with `option tcplog`:
// %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq
#pragma once

#include <string>

#include "core/clock.hpp"
#include "logging/termination.hpp"

namespace borealis::logging {

struct SessionRecord {
  std::string client_address;
  core::WallTime accepted_at;
  std::string frontend;
  std::string backend;
  std::string server = "<NOSRV>";
  long long queue_ms = -1;    // Tw
  long long connect_ms = -1;  // Tc: -1 when never connected
  long long total_ms = 0;     // Tt
  unsigned long long bytes_to_client = 0;
  unsigned long long bytes_from_client = 0;  // relayed to servers (not in the line)
  Termination termination;                   // %ts
  int active_process = 0, active_frontend = 0, active_backend = 0, active_server = 0;
  int retries = 0;
  unsigned client_port = 0;
  bool redispatched = false;  // HAProxy's '+' before the retries count
  // `mode mysql`: the MySQL user, appended as " {user}" (empty: nothing).
  std::string mysql_user;
};

std::string format_tcplog(const SessionRecord& record);
// "Connect from 10.0.0.1:5000 to 10.0.0.2:3306 (frontend/TCP)": the line
// HAProxy writes at accept time when `option tcplog` is not set.
std::string format_connect_line(const std::string& client, unsigned client_port,
                                const std::string& local, unsigned local_port,
                                const std::string& frontend);

}  // namespace borealis::logging

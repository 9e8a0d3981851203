// Where log lines go: a syslog unix socket, a UDP syslog server, or a stream
// (stdout/stderr). Sending is one system call per line, so workers share a
// sink without locking: the kernel keeps each datagram or write whole.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <string>
#include <string_view>

#include "config/model.hpp"

namespace borealis::logging {

class LogSink {
 public:
  explicit LogSink(const config::LogTarget& target);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  void send(std::string_view line);
  const config::LogTarget& target() const { return target_; }
  bool is_stream() const;

 private:
  void report_failure_once(int error);

  config::LogTarget target_;
  int fd_ = -1;
  sockaddr_storage address_{};
  socklen_t address_length_ = 0;
  std::atomic<bool> failure_reported_{false};
};

}  // namespace borealis::logging

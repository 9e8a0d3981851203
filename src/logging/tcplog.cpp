#include "logging/tcplog.hpp"

#include <fmt/format.h>

#include <ctime>

namespace borealis::logging {

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string accept_date(core::WallTime at) {
  auto since_epoch = at.time_since_epoch();
  std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm t{};
  localtime_r(&seconds, &t);
  return fmt::format("{:02}/{}/{:04}:{:02}:{:02}:{:02}.{:03}", t.tm_mday, kMonths[t.tm_mon],
                     t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec, millis);
}

}  // namespace

std::string format_tcplog(const SessionRecord& r) {
  std::string line = fmt::format(
      "{}:{} [{}] {} {}/{} {}/{}/{} {} {}{} {}/{}/{}/{}/{}{} 0/0", r.client_address, r.client_port,
      accept_date(r.accepted_at), r.frontend, r.backend, r.server, r.queue_ms, r.connect_ms,
      r.total_ms, r.bytes_to_client, letter(r.termination.cause), letter(r.termination.step),
      r.active_process, r.active_frontend, r.active_backend, r.active_server,
      r.redispatched ? "+" : "", r.retries);
  if (!r.mysql_user.empty()) line += fmt::format(" {{{}}}", r.mysql_user);
  return line;
}

std::string format_connect_line(const std::string& client, unsigned client_port,
                                const std::string& local, unsigned local_port,
                                const std::string& frontend) {
  return fmt::format("Connect from {}:{} to {}:{} ({}/TCP)", client, client_port, local, local_port,
                     frontend);
}

}  // namespace borealis::logging

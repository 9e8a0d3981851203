// `stats socket` and `stats timeout` in `global`: the runtime API's sockets.
#include <fmt/format.h>

#include "config/keywords.hpp"

namespace borealis::config {
namespace {

// HAProxy's bind options that mean something on a stats socket but that
// borealis does not take yet; any other word is an error.
constexpr std::string_view kUnsupportedSocketOptions[] = {
    "expose-fd", "uid", "gid", "maxconn", "process", "thread", "name", "accept-netscaler-cip",
};

bool is_unix_path(std::string_view address) {
  return address.starts_with('/') || address.starts_with("./") || address.starts_with("unix@");
}

bool read_level(const Statement& st, std::size_t index, ApiLevel& level, Reporter& report) {
  const std::string& word = st.arg(index);
  if (word == "user")
    level = ApiLevel::user;
  else if (word == "operator")
    level = ApiLevel::operator_level;
  else if (word == "admin")
    level = ApiLevel::admin;
  else {
    report.alert(st.where,
                 fmt::format("'stats socket' : 'level' only supports 'user', 'operator', and "
                             "'admin' (got '{}').",
                             word));
    return false;
  }
  return true;
}

bool read_mode(const Statement& st, std::size_t index, unsigned& mode, Reporter& report) {
  const std::string& word = st.arg(index);
  unsigned value = 0;
  bool valid = !word.empty() && word.size() <= 4;
  for (char c : word) {
    if (c < '0' || c > '7') valid = false;
    value = value * 8 + static_cast<unsigned>(c - '0');
  }
  if (!valid) {
    report.alert(st.where,
                 fmt::format("'stats socket' : 'mode' expects an octal mode such as 600 or 660 "
                             "(got '{}').",
                             word));
    return false;
  }
  mode = value & 0777;
  return true;
}

bool read_option(const Statement& st, std::size_t& index, StatsSocket& socket, Reporter& report) {
  const std::string& word = st.arg(index);
  // As HAProxy's: a reload may take the listening sockets (`_getsocks`)
  // from this socket whatever its level.
  if (word == "expose-fd" && st.arg(index + 1) == "listeners") {
    socket.expose_listeners = true;
    ++index;
    return true;
  }
  for (std::string_view unsupported : kUnsupportedSocketOptions) {
    if (word == unsupported) {
      report_unsupported(st, fmt::format("stats socket ... {}", word), report);
      return false;
    }
  }
  if (word != "mode" && word != "level" && word != "user" && word != "group") {
    report.alert(st.where, fmt::format("'stats socket' : unknown option '{}' (borealis supports "
                                       "'mode', 'level', 'user' and 'group').",
                                       word));
    return false;
  }
  if (st.arg(index + 1).empty()) {
    report.alert(st.where, fmt::format("'stats socket' : '{}' expects an argument.", word));
    return false;
  }
  ++index;
  if (word == "mode") return read_mode(st, index, socket.mode, report);
  if (word == "level") return read_level(st, index, socket.level, report);
  (word == "user" ? socket.user : socket.group) = st.arg(index);
  return true;
}

void parse_stats_socket(const Statement& st, Global& global, Reporter& report) {
  const std::string& address = st.arg(2);
  if (address.empty()) {
    report.alert(st.where, "'stats socket' expects a unix socket path.");
    return;
  }
  if (!is_unix_path(address)) {
    report_unsupported_feature(st, "stats sockets on TCP addresses", report);
    return;
  }
  StatsSocket socket;
  socket.path = address.starts_with("unix@") ? address.substr(5) : address;
  socket.where = st.where;
  for (std::size_t index = 3; index < st.size(); ++index)
    if (!read_option(st, index, socket, report)) return;
  for (const auto& other : global.stats_sockets) {
    if (other.path == socket.path) {
      report.alert(st.where, fmt::format("'stats socket' : '{}' is already declared at {}:{}.",
                                         socket.path, other.where.file, other.where.line));
      return;
    }
  }
  global.stats_sockets.push_back(std::move(socket));
}

}  // namespace

void parse_global_stats(const Statement& st, Global& global, Reporter& report) {
  const std::string& what = st.arg(1);
  if (what == "socket") return parse_stats_socket(st, global, report);
  if (what == "timeout") {
    Duration value{};
    if (expect_at_most(st, 3, "stats timeout", report) &&
        read_time(st, 2, "stats timeout", true, value, report))
      global.stats_timeout = value;
    return;
  }
  if (what == "maxconn" || what == "bind-process")
    return report_unsupported(st, fmt::format("stats {}", what), report);
  report.alert(st.where, fmt::format("'stats' in 'global' supports 'socket' and 'timeout' "
                                     "(got '{}').",
                                     what));
}

}  // namespace borealis::config

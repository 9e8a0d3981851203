// The `log` statement, shared by the global section and the proxies.
#include <fmt/format.h>

#include <array>

#include "config/address.hpp"
#include "config/keywords.hpp"

namespace borealis::config {
namespace {

// Index = syslog facility code, as HAProxy's log_facilities[].
constexpr std::array<std::string_view, 24> kFacilities = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "auth2",  "ftp",    "ntp",    "audit",  "alert",  "cron2",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};

// Index = syslog severity.
constexpr std::array<std::string_view, 8> kLevels = {"emerg",   "alert",  "crit", "err",
                                                     "warning", "notice", "info", "debug"};

template <std::size_t N>
int index_of(const std::array<std::string_view, N>& table, std::string_view word) {
  for (std::size_t i = 0; i < N; ++i)
    if (table[i] == word) return static_cast<int>(i);
  return -1;
}

bool parse_udp_target(const Statement& st, std::string_view text, LogTarget& target,
                      Reporter& report) {
  const auto address = parse_host_port(text);
  const bool udp_family = address && (address->prefix.empty() || address->prefix == "udp" ||
                                      address->prefix == "udp4" || address->prefix == "udp6" ||
                                      address->prefix == "ipv4" || address->prefix == "ipv6");
  if (!address || !udp_family || address->host.empty()) {
    report.alert(st.where, fmt::format("'log' : invalid log target '{}'.", text));
    return false;
  }
  target.kind = LogTarget::Kind::udp;
  target.host = address->host == "localhost" ? "127.0.0.1" : address->host;
  if (!is_ip_literal(target.host)) {
    // HAProxy resolves the name once while parsing; borealis keeps parsing
    // free of DNS, so it wants an address here.
    report.alert(st.where, fmt::format("'log' : '{}' is a host name; borealis needs an IP "
                                       "address for a log server (names are not supported yet).",
                                       address->host));
    return false;
  }
  if (address->has_port) {
    if (address->port == 0) {
      report.alert(st.where, fmt::format("'log' : invalid port in log target '{}'.", text));
      return false;
    }
    target.port = address->port;
  }
  return true;
}

bool parse_target(const Statement& st, std::string_view text, LogTarget& target, Reporter& report) {
  if (text == "stdout" || text == "fd@1") {
    target.kind = LogTarget::Kind::stdout_stream;
    return true;
  }
  if (text == "stderr" || text == "fd@2") {
    target.kind = LogTarget::Kind::stderr_stream;
    return true;
  }
  if (text.starts_with("unix@")) text.remove_prefix(5);
  if (text.starts_with("/")) {
    target.kind = LogTarget::Kind::unix_datagram;
    target.path = std::string(text);
    return true;
  }
  const auto prefix = address_prefix(text);
  if (prefix == "ring" || prefix == "fd" || prefix == "tcp" || prefix == "tcp4" ||
      prefix == "tcp6" || prefix == "abns" || prefix == "sockpair") {
    report_unsupported_feature(st, fmt::format("'{}@' log targets", prefix), report);
    return false;
  }
  return parse_udp_target(st, text, target, report);
}

bool parse_format(const Statement& st, std::string_view name, LogTarget& target, Reporter& report) {
  if (name == "rfc3164") {
    target.format = LogTarget::Format::rfc3164;
  } else if (name == "rfc5424") {
    target.format = LogTarget::Format::rfc5424;
  } else if (name == "raw") {
    target.format = LogTarget::Format::raw;
  } else if (name == "short" || name == "timed" || name == "iso" || name == "local" ||
             name == "priority") {
    report_unsupported(st, fmt::format("log format {}", name), report);
    return false;
  } else {
    report.alert(st.where, fmt::format("'log' : unknown log format '{}'.", name));
    return false;
  }
  return true;
}

// The optional `len N`, `format F`, `sample R:S` words after the target.
bool parse_options(const Statement& st, std::size_t& i, LogTarget& target, Reporter& report) {
  while (i < st.size()) {
    const std::string& word = st.arg(i);
    if (word == "len") {
      if (!read_int(st, i + 1, "log len", 80, 65535, target.max_length, report)) return false;
    } else if (word == "format") {
      if (!parse_format(st, st.arg(i + 1), target, report)) return false;
    } else if (word == "sample") {
      report_unsupported(st, "log sample", report);
      return false;
    } else {
      return true;
    }
    i += 2;
  }
  return true;
}

bool parse_levels(const Statement& st, std::size_t i, LogTarget& target, Reporter& report) {
  if (i < st.size()) {
    target.max_level = index_of(kLevels, st.arg(i));
    if (target.max_level < 0) {
      report.alert(st.where, fmt::format("'log' : unknown optional log level '{}'.", st.arg(i)));
      return false;
    }
  }
  if (i + 1 < st.size()) {
    target.min_level = index_of(kLevels, st.arg(i + 1));
    if (target.min_level < 0) {
      report.alert(st.where,
                   fmt::format("'log' : unknown optional minimum log level '{}'.", st.arg(i + 1)));
      return false;
    }
  }
  return expect_at_most(st, i + 2, "log", report);
}

}  // namespace

std::optional<LogTarget> parse_log_target(const Statement& st, Reporter& report) {
  if (st.size() < 3) {
    report.alert(st.where,
                 "'log' expects either <address[:port]> and <facility> or 'global' as "
                 "arguments.");
    return std::nullopt;
  }
  LogTarget target;
  target.where = st.where;
  if (!parse_target(st, st.arg(1), target, report)) return std::nullopt;
  std::size_t i = 2;
  if (!parse_options(st, i, target, report)) return std::nullopt;
  if (i >= st.size()) {
    report.alert(st.where, "'log' : missing facility.");
    return std::nullopt;
  }
  target.facility = index_of(kFacilities, st.arg(i));
  if (target.facility < 0) {
    report.alert(st.where, fmt::format("'log' : unknown log facility '{}'.", st.arg(i)));
    return std::nullopt;
  }
  if (!parse_levels(st, i + 1, target, report)) return std::nullopt;
  return target;
}

}  // namespace borealis::config

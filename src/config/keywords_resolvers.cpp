// Keywords of `resolvers` sections.
#include <fmt/format.h>

#include <climits>

#include "config/address.hpp"
#include "config/keywords.hpp"
#include "config/unsupported_keywords.hpp"

namespace borealis::config {
namespace {

void kw_nameserver(const Statement& st, Resolvers& resolvers, Reporter& report) {
  if (st.size() < 3 || st.arg(1).empty()) {
    report.alert(st.where, "'nameserver' expects <name> and <addr>[:<port>] as arguments.");
    return;
  }
  if (!expect_at_most(st, 3, "nameserver", report)) return;
  if (const char bad = invalid_name_char(st.arg(1))) {
    report.alert(st.where, fmt::format("character '{}' is not permitted in nameserver name '{}'.",
                                       bad, st.arg(1)));
    return;
  }
  for (const auto& other : resolvers.nameservers) {
    if (other.name == st.arg(1)) {
      report.alert(st.where, fmt::format("nameserver '{}' already exists at {}:{}.", st.arg(1),
                                         other.where.file, other.where.line));
      return;
    }
  }
  const auto prefix = address_prefix(st.arg(2));
  if (prefix == "tcp" || prefix == "tcp4" || prefix == "tcp6") {
    return report_unsupported_feature(st, "nameservers over TCP", report);
  }
  const auto address = parse_host_port(st.arg(2));
  if (!address || !is_ip_literal(address->host) || (address->has_port && address->port == 0)) {
    report.alert(st.where, fmt::format("'nameserver {}' : borealis needs an IP address with an "
                                       "optional port, got '{}'.",
                                       st.arg(1), st.arg(2)));
    return;
  }
  Nameserver nameserver;
  nameserver.name = st.arg(1);
  nameserver.host = address->host;
  if (address->has_port) nameserver.port = address->port;
  nameserver.where = st.where;
  resolvers.nameservers.push_back(std::move(nameserver));
}

void kw_parse_resolv_conf(const Statement& st, Resolvers& resolvers, Reporter& report) {
  if (expect_at_most(st, 1, "parse-resolv-conf", report)) resolvers.parse_resolv_conf = true;
}

void kw_hold(const Statement& st, Resolvers& resolvers, Reporter& report) {
  const std::string& status = st.arg(1);
  Duration* field = nullptr;
  if (status == "valid") field = &resolvers.hold_valid;
  if (status == "nx") field = &resolvers.hold_nx;
  if (status == "timeout") field = &resolvers.hold_timeout;
  if (status == "refused") field = &resolvers.hold_refused;
  if (status == "other") field = &resolvers.hold_other;
  if (status == "obsolete") field = &resolvers.hold_obsolete;
  if (!field) {
    report.alert(st.where, fmt::format("'hold' expects 'nx', 'other', 'refused', 'timeout', "
                                       "'valid' or 'obsolete', got '{}'.",
                                       status));
    return;
  }
  if (expect_at_most(st, 3, "hold", report))
    read_time(st, 2, fmt::format("hold {}", status), false, *field, report);
}

void kw_resolve_retries(const Statement& st, Resolvers& resolvers, Reporter& report) {
  if (expect_at_most(st, 2, "resolve_retries", report))
    read_int(st, 1, "resolve_retries", 1, INT_MAX, resolvers.resolve_retries, report);
}

void kw_timeout(const Statement& st, Resolvers& resolvers, Reporter& report) {
  const std::string& name = st.arg(1);
  Duration* field = nullptr;
  if (name == "resolve") field = &resolvers.timeout_resolve;
  if (name == "retry") field = &resolvers.timeout_retry;
  if (!field) {
    report.alert(st.where,
                 fmt::format("'timeout' supports 'resolve' and 'retry' (got '{}').", name));
    return;
  }
  if (expect_at_most(st, 3, "timeout", report))
    read_time(st, 2, fmt::format("timeout {}", name), true, *field, report);
}

void kw_accepted_payload_size(const Statement& st, Resolvers& resolvers, Reporter& report) {
  if (expect_at_most(st, 2, "accepted_payload_size", report)) {
    read_int(st, 1, "accepted_payload_size", 512, 65535, resolvers.accepted_payload_size, report);
  }
}

struct ResolversKeyword {
  std::string_view name;
  void (*parse)(const Statement&, Resolvers&, Reporter&);
};

constexpr ResolversKeyword kResolversKeywords[] = {
    {"nameserver", kw_nameserver},
    {"parse-resolv-conf", kw_parse_resolv_conf},
    {"hold", kw_hold},
    {"resolve_retries", kw_resolve_retries},
    {"timeout", kw_timeout},
    {"accepted_payload_size", kw_accepted_payload_size},
};

}  // namespace

void parse_resolvers_statement(const Statement& st, Resolvers& resolvers, Reporter& report) {
  for (const auto& keyword : kResolversKeywords) {
    if (keyword.name == st.arg(0)) return keyword.parse(st, resolvers, report);
  }
  if (is_unsupported_haproxy_keyword(KeywordScope::resolvers, st.arg(0))) {
    return report_unsupported(st, st.arg(0), report);
  }
  report.alert(st.where, fmt::format("unknown keyword '{}' in 'resolvers' section", st.arg(0)));
}

}  // namespace borealis::config

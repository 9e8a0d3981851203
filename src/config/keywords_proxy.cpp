// Keywords of `defaults`, `frontend`, `backend` and `listen` sections.
#include <fmt/format.h>

#include <climits>
#include <optional>
#include <string>
#include <string_view>

#include "config/keywords.hpp"
#include "config/unsupported_keywords.hpp"

namespace borealis::config {
namespace {

// Which side of a proxy a keyword acts on, as HAProxy's PR_CAP_FE/PR_CAP_BE.
enum class Side { any, frontend, backend };

// What HAProxy does when a keyword sits on the wrong side: most settings are
// ignored with a warning (so a shared snippet still loads), bind and server
// lines are errors.
enum class WrongSide { warn, alert };

bool has_side(const Proxy& proxy, Side side) {
  switch (side) {
    case Side::any:
      return true;
    case Side::frontend:
      return proxy.kind != Proxy::Kind::backend;
    case Side::backend:
      return proxy.kind != Proxy::Kind::frontend;
  }
  return false;
}

// True when `keyword` applies to this proxy; reports why not otherwise.
bool applies(const Statement& st, const Proxy& proxy, std::string_view keyword, Side side,
             WrongSide wrong, Reporter& report) {
  if (has_side(proxy, side)) return true;
  if (wrong == WrongSide::alert) {
    report.alert(st.where, fmt::format("'{}' is not allowed in '{}' section.", keyword,
                                       proxy_kind_name(proxy.kind)));
  } else {
    report.warning(st.where, fmt::format("'{}' ignored because {} '{}' has no {} capability.",
                                         keyword, proxy_kind_name(proxy.kind), proxy.name,
                                         side == Side::frontend ? "frontend" : "backend"));
  }
  return false;
}

bool not_in_defaults(const Statement& st, const Proxy& proxy, std::string_view keyword,
                     Reporter& report) {
  if (proxy.kind != Proxy::Kind::defaults) return true;
  report.alert(st.where, fmt::format("'{}' is not allowed in 'defaults' section.", keyword));
  return false;
}

void kw_mode(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!expect_at_most(st, 2, "mode", report)) return;
  const std::string& mode = st.arg(1);
  if (mode == "tcp") {
    proxy.mode = Mode::tcp;
  } else if (mode == "mysql") {
    proxy.mode = Mode::mysql;
  } else if (mode == "http") {
    proxy.mode = Mode::http;  // borealis's own services only (checked in validate)
  } else if (mode == "health" || mode == "log" || mode == "spop") {
    report_unsupported(st, fmt::format("mode {}", mode), report);
  } else if (mode.empty()) {
    report.alert(st.where, "'mode' expects one of 'tcp', 'mysql', 'http'.");
  } else {
    report.alert(st.where, fmt::format("unknown proxy mode '{}'.", mode));
  }
}

void kw_log(const Statement& st, Proxy& proxy, Reporter& report) {
  if (st.arg(1) == "global") {
    if (expect_at_most(st, 2, "log global", report)) proxy.log_global = true;
    return;
  }
  if (auto target = parse_log_target(st, report)) proxy.logs.push_back(std::move(*target));
}

void kw_retries(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "retries", Side::backend, WrongSide::warn, report)) return;
  if (expect_at_most(st, 2, "retries", report))
    read_int(st, 1, "retries", 0, INT_MAX, proxy.retries, report);
}

void kw_maxconn(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "maxconn", Side::frontend, WrongSide::warn, report)) return;
  if (expect_at_most(st, 2, "maxconn", report))
    read_int(st, 1, "maxconn", 0, INT_MAX, proxy.maxconn, report);
}

// `max-connect-errors N [block T]`: borealis's, after MariaDB's variable.
void kw_max_connect_errors(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "max-connect-errors", Side::frontend, WrongSide::warn, report)) return;
  if (!expect_at_most(st, 4, "max-connect-errors", report)) return;
  if (!read_int(st, 1, "max-connect-errors", 0, INT_MAX, proxy.max_connect_errors, report)) return;
  if (st.size() == 2) return;
  if (st.arg(2) != "block") {
    report.alert(st.where, fmt::format("'max-connect-errors' : expected 'block' after the limit, "
                                       "got '{}'.",
                                       st.arg(2)));
    return;
  }
  read_time(st, 3, "max-connect-errors block", true, proxy.connect_errors_block, report);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `*` and 40 hexadecimal digits, as the server shows it (SHOW GRANTS,
// mysql.user.authentication_string, PASSWORD()): 20 raw bytes.
std::optional<std::string> native_password_hash(std::string_view text) {
  if (text.size() != 41 || text.front() != '*') return std::nullopt;
  std::string raw;
  for (std::size_t i = 1; i < text.size(); i += 2) {
    const int high = hex_digit(text[i]), low = hex_digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    raw += static_cast<char>(high * 16 + low);
  }
  return raw;
}

// `mysql-user NAME password HASH`: borealis's own (HAProxy's `userlist`
// writes `user NAME password HASH` with a crypt(3) hash).
void kw_mysql_user(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "mysql-user", Side::backend, WrongSide::warn, report)) return;
  const auto hash =
      st.size() == 4 && st.arg(2) == "password" ? native_password_hash(st.arg(3)) : std::nullopt;
  if (st.arg(1).empty() || !hash) {
    report.alert(st.where,
                 "'mysql-user' expects '<name> password <hash>', where <hash> is the account's "
                 "mysql_native_password hash as the server stores it ('*' and 40 hexadecimal "
                 "digits).");
    return;
  }
  for (const MysqlUser& user : proxy.mysql_users) {
    if (user.name != st.arg(1)) continue;
    report.alert(st.where, fmt::format("'mysql-user' : user '{}' is already declared at line {}.",
                                       user.name, user.where.line));
    return;
  }
  proxy.mysql_users.push_back({st.arg(1), *hash, st.where});
}

void kw_bind(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!not_in_defaults(st, proxy, "bind", report)) return;
  if (!applies(st, proxy, "bind", Side::frontend, WrongSide::alert, report)) return;
  parse_bind(st, proxy, report);
}

void kw_default_backend(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "default_backend", Side::frontend, WrongSide::warn, report)) return;
  if (st.size() < 2 || st.arg(1).empty()) {
    report.alert(st.where, "'default_backend' expects a backend name.");
    return;
  }
  if (!expect_at_most(st, 2, "default_backend", report)) return;
  proxy.default_backend = st.arg(1);
  proxy.default_backend_where = st.where;
}

void kw_balance(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "balance", Side::backend, WrongSide::warn, report)) return;
  const std::string& algorithm = st.arg(1);
  if (is_unsupported_haproxy_keyword(KeywordScope::balance, algorithm) ||
      algorithm.starts_with("hdr(") || algorithm.starts_with("rdp-cookie(")) {
    return report_unsupported(st, fmt::format("balance {}", algorithm), report);
  }
  if (!expect_at_most(st, 2, "balance", report)) return;
  if (algorithm == "roundrobin") {
    proxy.balance = Balance::roundrobin;
  } else if (algorithm == "leastconn") {
    proxy.balance = Balance::leastconn;
  } else if (algorithm == "first") {
    proxy.balance = Balance::first;
  } else if (algorithm == "source") {
    proxy.balance = Balance::source;
  } else {
    report.alert(st.where, fmt::format("'balance' supports 'roundrobin', 'leastconn', 'first' and "
                                       "'source' (got '{}').",
                                       algorithm));
  }
}

void kw_server(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!not_in_defaults(st, proxy, st.arg(0), report)) return;
  if (!applies(st, proxy, st.arg(0), Side::backend, WrongSide::alert, report)) return;
  if (st.arg(0) == "server") return parse_server(st, proxy, report);
  parse_server_template(st, proxy, report);
}

// ---- timeout ----

struct TimeoutKeyword {
  std::string_view name;
  Side side;
  std::optional<Duration> Timeouts::*field;
};

constexpr TimeoutKeyword kTimeouts[] = {
    {"client", Side::frontend, &Timeouts::client},
    {"client-fin", Side::frontend, &Timeouts::client_fin},
    {"server", Side::backend, &Timeouts::server},
    {"server-fin", Side::backend, &Timeouts::server_fin},
    {"connect", Side::backend, &Timeouts::connect},
    {"queue", Side::backend, &Timeouts::queue},
    {"check", Side::backend, &Timeouts::check},
    {"tunnel", Side::backend, &Timeouts::tunnel},
    {"release", Side::backend, &Timeouts::release},
    {"http-request", Side::frontend, &Timeouts::http_request},
    {"http-keep-alive", Side::frontend, &Timeouts::http_keep_alive},
};

void kw_timeout(const Statement& st, Proxy& proxy, Reporter& report) {
  const std::string& name = st.arg(1);
  const std::string keyword = fmt::format("timeout {}", name);
  for (const auto& timeout : kTimeouts) {
    if (timeout.name != name) continue;
    if (!applies(st, proxy, keyword, timeout.side, WrongSide::warn, report)) return;
    if (!expect_at_most(st, 3, keyword, report)) return;
    Duration value{};
    if (read_time(st, 2, keyword, false, value, report)) proxy.timeouts.*timeout.field = value;
    return;
  }
  if (is_unsupported_haproxy_keyword(KeywordScope::timeout, name)) {
    return report_unsupported(st, keyword, report);
  }
  report.alert(st.where, fmt::format("'timeout' supports 'client', 'server', 'connect', 'check', "
                                     "'queue', 'tunnel', 'client-fin', 'server-fin', "
                                     "'http-request', 'http-keep-alive' and 'release' (got "
                                     "'{}').",
                                     name));
}

// ---- option ----

void opt_tcplog(const Statement& st, bool negated, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "option tcplog", Side::frontend, WrongSide::warn, report)) return;
  if (expect_at_most(st, negated ? 3 : 2, "option tcplog", report)) proxy.tcplog = !negated;
}

void opt_redispatch(const Statement& st, bool negated, Proxy& proxy, Reporter& report) {
  if (!applies(st, proxy, "option redispatch", Side::backend, WrongSide::warn, report)) return;
  const std::size_t words = negated ? 3 : 2;
  if (st.size() > words) return report_unsupported(st, "option redispatch <interval>", report);
  proxy.redispatch = !negated;
}

void opt_mysql_check(const Statement& st, bool negated, Proxy& proxy, Reporter& report) {
  if (negated) {
    report.alert(st.where, "negation is not supported for option 'mysql-check'.");
    return;
  }
  if (!applies(st, proxy, "option mysql-check", Side::backend, WrongSide::warn, report)) return;
  MysqlCheck check;
  if (st.size() > 2) {
    if (st.arg(2) != "user" || st.size() < 4 || st.arg(3).empty()) {
      report.alert(st.where, "'option mysql-check' only supports optional values: 'user'.");
      return;
    }
    check.user = st.arg(3);
    check.post41 = true;  // HAProxy documents post-41 as the default
    if (st.arg(4) == "pre-41") {
      check.post41 = false;
    } else if (!st.arg(4).empty() && st.arg(4) != "post-41") {
      report.alert(st.where, fmt::format("'option mysql-check user {}' only supports optional "
                                         "values: 'post-41' and 'pre-41' (got '{}').",
                                         check.user, st.arg(4)));
      return;
    }
    if (!expect_at_most(st, 5, "option mysql-check", report)) return;
  }
  proxy.mysql_check = check;
}

struct OptionKeyword {
  std::string_view name;
  void (*parse)(const Statement&, bool negated, Proxy&, Reporter&);
};

constexpr OptionKeyword kOptions[] = {
    {"tcplog", opt_tcplog},
    {"redispatch", opt_redispatch},
    {"mysql-check", opt_mysql_check},
};

// `option NAME ...` or, when negated, `no option NAME`.
void parse_option(const Statement& st, std::size_t name_index, Proxy& proxy, Reporter& report) {
  const bool negated = name_index == 2;
  const std::string& name = st.arg(name_index);
  for (const auto& option : kOptions) {
    if (option.name == name) return option.parse(st, negated, proxy, report);
  }
  if (is_unsupported_haproxy_keyword(KeywordScope::option, name)) {
    return report_unsupported(st, fmt::format("{}option {}", negated ? "no " : "", name), report);
  }
  if (name.empty()) {
    report.alert(st.where, "'option' expects an option name.");
    return;
  }
  report.alert(st.where, fmt::format("unknown option '{}'.", name));
}

void kw_option(const Statement& st, Proxy& proxy, Reporter& report) {
  parse_option(st, 1, proxy, report);
}

// `no option X` and `no log`.
void kw_no(const Statement& st, Proxy& proxy, Reporter& report) {
  if (st.arg(1) == "option") return parse_option(st, 2, proxy, report);
  if (st.arg(1) == "log") {
    if (!expect_at_most(st, 2, "no log", report)) return;
    proxy.logs.clear();
    proxy.log_global = false;
    return;
  }
  report.alert(st.where, fmt::format("'no' is only supported before 'option' and 'log' (got "
                                     "'{}').",
                                     st.arg(1)));
}

// `stats enable`, `stats uri PREFIX`, `stats refresh T`: each turns the
// dashboard on, as in HAProxy.
void kw_stats(const Statement& st, Proxy& proxy, Reporter& report) {
  const std::string& what = st.arg(1);
  const std::string keyword = fmt::format("stats {}", what);
  if (what != "enable" && what != "uri" && what != "refresh")
    return report_unsupported(st, keyword, report);
  if (!applies(st, proxy, keyword, Side::frontend, WrongSide::warn, report)) return;
  StatsPage page = proxy.stats_page.value_or(StatsPage{});
  page.where = st.where;
  if (what == "enable") {
    if (!expect_at_most(st, 2, keyword, report)) return;
  } else if (what == "uri") {
    if (!expect_at_most(st, 3, keyword, report)) return;
    if (st.arg(2).empty() || st.arg(2).front() != '/') {
      report.alert(st.where, "'stats uri' expects a URI prefix beginning with '/'.");
      return;
    }
    page.uri = st.arg(2);
  } else {
    if (!expect_at_most(st, 3, keyword, report)) return;
    Duration refresh{};
    if (!read_time(st, 2, keyword, true, refresh, report)) return;
    page.refresh = refresh;
  }
  proxy.stats_page = page;
}

struct ProxyKeyword {
  std::string_view name;
  void (*parse)(const Statement&, Proxy&, Reporter&);
};

constexpr ProxyKeyword kProxyKeywords[] = {
    {"mode", kw_mode},
    {"log", kw_log},
    {"option", kw_option},
    {"no", kw_no},
    {"timeout", kw_timeout},
    {"retries", kw_retries},
    {"maxconn", kw_maxconn},
    {"bind", kw_bind},
    {"default_backend", kw_default_backend},
    {"balance", kw_balance},
    {"server", kw_server},
    {"server-template", kw_server},
    {"acl", parse_acl},
    {"tcp-request", parse_tcp_request},
    {"http-request", parse_http_request},
    {"stats", kw_stats},
    {"max-connect-errors", kw_max_connect_errors},
    {"mysql-user", kw_mysql_user},
};

}  // namespace

std::string_view proxy_kind_name(Proxy::Kind kind) {
  switch (kind) {
    case Proxy::Kind::defaults:
      return "defaults";
    case Proxy::Kind::frontend:
      return "frontend";
    case Proxy::Kind::backend:
      return "backend";
    case Proxy::Kind::listen:
      return "listen";
  }
  return "proxy";
}

void parse_proxy_statement(const Statement& st, Proxy& proxy, Reporter& report) {
  for (const auto& keyword : kProxyKeywords) {
    if (keyword.name == st.arg(0)) return keyword.parse(st, proxy, report);
  }
  if (st.arg(0) == "default" && st.arg(1) == "option") {
    return report_unsupported(st, fmt::format("default option {}", st.arg(2)), report);
  }
  if (is_unsupported_haproxy_keyword(KeywordScope::proxy, st.arg(0))) {
    return report_unsupported(st, st.arg(0), report);
  }
  report.alert(st.where,
               fmt::format("unknown keyword '{}' in '{}' section", st.arg(0), st.section));
}

}  // namespace borealis::config

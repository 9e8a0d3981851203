#include "config/validate.hpp"

#include <fmt/format.h>

#include "config/keywords.hpp"

namespace borealis::config {
namespace {

void check_binds(const Proxy& proxy, Reporter& report) {
  if (!proxy.accepts_clients() || !proxy.binds.empty()) return;
  report.alert(proxy.where, fmt::format("{} '{}' has no 'bind' directive. Please declare it as a "
                                        "backend if this was intended.",
                                        proxy_kind_name(proxy.kind), proxy.name));
}

void check_default_backend(const Config& config, const Proxy& proxy, Reporter& report) {
  if (!proxy.accepts_clients() || proxy.default_backend.empty()) return;
  if (config.find_backend(proxy.default_backend)) return;
  const auto& where =
      proxy.default_backend_where.line > 0 ? proxy.default_backend_where : proxy.where;
  report.alert(where, fmt::format("{} '{}' : unable to find required default_backend: '{}'.",
                                  proxy_kind_name(proxy.kind), proxy.name, proxy.default_backend));
}

// The frontend's mode decides how a connection is served; a backend in
// another mode would be a configuration that means two things.
void check_modes(const Config& config, const Proxy& proxy, Reporter& report) {
  if (proxy.kind != Proxy::Kind::frontend || proxy.default_backend.empty()) return;
  const Proxy* backend = config.find_backend(proxy.default_backend);
  if (!backend || backend->mode == proxy.mode) return;
  report.alert(proxy.where, fmt::format("frontend '{}' (mode {}) cannot use backend '{}' (mode "
                                        "{}): both must have the same mode.",
                                        proxy.name, mode_name(proxy.mode), backend->name,
                                        mode_name(backend->mode)));
}

// TLS to a server is the MySQL protocol's own too; and as in HAProxy, a
// server certificate is verified unless `verify none` says not to, which
// needs a CA file.
void check_tls_servers(const Proxy& proxy, Reporter& report) {
  for (const auto& server : proxy.servers) {
    if (!server.ssl) continue;
    if (proxy.mode != Mode::mysql) {
      report.alert(server.where,
                   fmt::format("{} '{}', server '{}' : 'ssl' on a 'server' needs 'mode mysql' "
                               "(MySQL starts TLS inside its handshake).",
                               proxy_kind_name(proxy.kind), proxy.name, server.name));
      continue;
    }
    if (server.verify && server.ca_file.empty())
      report.alert(server.where,
                   fmt::format("Proxy '{}', server '{}' verify is enabled by default but no CA "
                               "file specified. If you're running on a LAN where you're certain "
                               "to trust the server's certificate, please set an explicit "
                               "'verify none' statement on the 'server' line.",
                               proxy.name, server.name));
  }
}

// TLS on a bind is the MySQL protocol's own (it starts inside the
// handshake); `mode tcp` would need TLS from the first byte.
void check_tls_binds(const Proxy& proxy, Reporter& report) {
  if (!proxy.accepts_clients() || proxy.mode == Mode::mysql) return;
  for (const auto& bind : proxy.binds) {
    if (!bind.ssl) continue;
    report.alert(bind.where,
                 fmt::format("{} '{}' : 'ssl' on a 'bind' needs 'mode mysql' (TLS "
                             "termination in mode {} is not supported yet).",
                             proxy_kind_name(proxy.kind), proxy.name, mode_name(proxy.mode)));
  }
}

// `mysql-user` accounts are for logins borealis makes in `mode mysql`.
void check_mysql_users(const Proxy& proxy, Reporter& report) {
  if (proxy.mode == Mode::mysql || !proxy.has_servers() || proxy.mysql_users.empty()) return;
  report.warning(proxy.mysql_users.front().where,
                 fmt::format("{} '{}' : 'mysql-user' ignored: it needs 'mode mysql'.",
                             proxy_kind_name(proxy.kind), proxy.name));
}

void check_servers(const Config& config, const Proxy& proxy, Reporter& report) {
  if (!proxy.has_servers()) return;
  if (proxy.servers.empty() &&
      (proxy.kind == Proxy::Kind::backend || proxy.default_backend.empty())) {
    report.warning(proxy.where, fmt::format("{} '{}' has no server; connections to it will fail.",
                                            proxy_kind_name(proxy.kind), proxy.name));
  }
  for (const auto& server : proxy.servers) {
    if (!server.database.empty() && !config.find_database(server.database)) {
      report.alert(server.where, fmt::format("server '{}/{}' : no database named '{}'.", proxy.name,
                                             server.name, server.database));
    }
    if (server.resolvers.empty() || config.find_resolvers(server.resolvers)) continue;
    report.alert(server.where, fmt::format("{} '{}', server '{}': unable to find required "
                                           "resolvers '{}'.",
                                           proxy_kind_name(proxy.kind), proxy.name, server.name,
                                           server.resolvers));
  }
}

// `mode http` is for borealis's own services (the Prometheus exporter); it
// never relays HTTP to servers, so a section that would is refused rather
// than silently serving something else.
void check_http_mode(const Proxy& proxy, Reporter& report) {
  if (proxy.mode != Mode::http || proxy.kind == Proxy::Kind::defaults) return;
  constexpr std::string_view why =
      "borealis serves only its own HTTP services ('http-request use-service "
      "prometheus-exporter') and does not relay HTTP to servers; use 'mode tcp' to relay it";
  if (proxy.has_servers()) {
    report.alert(proxy.where, fmt::format("{} '{}' : 'mode http' needs a frontend: {}.",
                                          proxy_kind_name(proxy.kind), proxy.name, why));
    return;
  }
  if (!proxy.default_backend.empty())
    report.alert(proxy.default_backend_where,
                 fmt::format("frontend '{}' (mode http) cannot have a 'default_backend': {}.",
                             proxy.name, why));
  for (const auto& bind : proxy.binds)
    if (bind.accept_proxy)
      report.alert(bind.where, fmt::format("frontend '{}' : 'accept-proxy' on a 'mode http' bind "
                                           "is not supported yet.",
                                           proxy.name));
  if (proxy.stats_page) return;
  for (const auto& rule : proxy.http_request_rules)
    if (rule.action == HttpRequestRule::Action::prometheus_exporter) return;
  report.warning(proxy.where, fmt::format("frontend '{}' (mode http) has no 'http-request "
                                          "use-service' rule and no 'stats uri': it answers "
                                          "every request with 503.",
                                          proxy.name));
}

void check_http_rules(const Proxy& proxy, Reporter& report) {
  if (proxy.mode == Mode::http) return;
  // Inherited by a backend from `defaults`, it simply does not apply.
  if (proxy.stats_page && proxy.accepts_clients())
    report.warning(proxy.stats_page->where,
                   fmt::format("'stats' ignored for {} '{}' as it requires 'mode http'.",
                               proxy_kind_name(proxy.kind), proxy.name));
  if (proxy.http_request_rules.empty()) return;
  report.warning(proxy.http_request_rules.front().where,
                 fmt::format("'http-request' rules ignored for {} '{}' as they require 'mode "
                             "http'.",
                             proxy_kind_name(proxy.kind), proxy.name));
}

// A path is an HTTP request's: a `tcp-request` rule has none to match.
void check_tcp_rule_acls(const Proxy& proxy, Reporter& report) {
  for (const auto& rule : proxy.tcp_request_rules) {
    if (!rule.condition) continue;
    for (const auto& group : rule.condition->any_of)
      for (const auto& term : group)
        if (term.acl->matches_paths())
          report.alert(rule.where,
                       fmt::format("{} '{}' : a 'tcp-request' rule cannot use ACL "
                                   "'{}': it matches an HTTP path, which only "
                                   "'http-request' rules see.",
                                   proxy_kind_name(proxy.kind), proxy.name, term.acl->name));
  }
}

void check_resolvers(const Resolvers& resolvers, Reporter& report) {
  if (!resolvers.nameservers.empty() || resolvers.parse_resolv_conf) return;
  report.alert(resolvers.where, fmt::format("resolvers '{}' has no 'nameserver' and no "
                                            "'parse-resolv-conf'; it cannot resolve anything.",
                                            resolvers.name));
}

}  // namespace

void validate(const Config& config, Reporter& report) {
  for (const auto& proxy : config.proxies) {
    check_binds(proxy, report);
    check_default_backend(config, proxy, report);
    check_modes(config, proxy, report);
    check_tls_servers(proxy, report);
    check_tls_binds(proxy, report);
    check_mysql_users(proxy, report);
    check_servers(config, proxy, report);
    check_http_mode(proxy, report);
    check_http_rules(proxy, report);
    check_tcp_rule_acls(proxy, report);
  }
  for (const auto& resolvers : config.resolvers) check_resolvers(resolvers, report);
  for (const auto& database : config.databases) check_database(database, report);
}

}  // namespace borealis::config

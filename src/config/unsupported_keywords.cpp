#include "config/unsupported_keywords.hpp"

#include <algorithm>
#include <span>

namespace borealis::config {
namespace {

constexpr std::string_view kSections[] = {
    "userlist", "peers",    "mailers", "program", "http-errors", "ring",
    "cache",    "log-forward", "fcgi-app", "dynamic-update", "crt-store", "traces",
};

constexpr std::string_view kGlobal[] = {
    "daemon", "master-worker", "chroot", "stats", "ca-base", "crt-base", "nbproc", "cpu-map",
    "uid", "gid", "ulimit-n", "node", "description", "log-tag", "log-send-hostname",
    "spread-checks", "hard-stop-after", "lua-load", "lua-load-per-thread", "lua-prepend-path",
    "server-state-file", "server-state-base", "set-var", "set-var-fmt", "setenv", "presetenv",
    "unsetenv", "resetenv", "quiet", "debug", "insecure-fork-wanted", "insecure-setuid-wanted",
    "h1-case-adjust", "h1-case-adjust-file", "localpeer", "maxsslconn", "maxconnrate",
    "maxsessrate", "maxsslrate", "maxcomprate", "maxpipes", "maxzlibmem", "noepoll", "nokqueue",
    "noevports", "nopoll", "nosplice", "nogetaddrinfo", "noreuseport", "expose-experimental-directives",
    "busy-polling", "strict-limits", "external-check", "pp2-never-send-local", "grace",
    "set-dumpable", "zero-warning", "numa-cpu-mapping", "profiling.tasks", "profiling.memory",
    "thread-groups", "thread-group", "issuers-chain-path", "unix-bind", "log-send-hostname",
    "mworker-max-reloads", "pidfile-mode", "default-path", "fd-hard-limit", "cluster-secret",
    "close-spread-time", "anonkey", "idle-pool", "stats-file", "httpclient.resolvers.id",
    "httpclient.resolvers.prefer", "httpclient.ssl.verify", "httpclient.ssl.ca-file",
    "httpclient.retries", "httpclient.timeout.connect", "deviceatlas-json-file",
    "51degrees-data-file", "wurfl-data-file", "no-memory-trimming", "prealloc-fd",
};

constexpr std::string_view kProxy[] = {
    "acl", "use_backend", "use-server", "tcp-request", "tcp-response", "http-request",
    "http-response", "http-after-response", "stats", "cookie", "hash-type",
    "hash-balance-factor", "stick-table", "stick", "capture", "errorfile", "errorloc",
    "errorloc302", "errorloc303", "errorfiles", "http-check", "tcp-check", "http-reuse",
    "http-send-name-header", "monitor-uri", "monitor", "monitor-net", "redirect", "rate-limit",
    "source", "dispatch", "fullconn", "grace", "id", "description", "disabled", "enabled",
    "backlog", "bind-process", "compression", "filter", "force-persist", "ignore-persist",
    "persist", "load-server-state-from-file", "server-state-file-name", "log-format",
    "log-format-sd", "error-log-format", "log-tag", "unique-id-format", "unique-id-header",
    "max-keep-alive-queue", "max-session-srv-conns", "email-alert", "external-check", "declare",
    "default-server", "dynamic-cookie-key", "retry-on", "http-error", "use-fcgi-app",
    "clitimeout", "contimeout", "srvtimeout", "transparent", "log-steps", "guid",
    "reqadd", "reqdel", "reqrep", "rspadd", "rspdel", "rsprep", "block",
};

constexpr std::string_view kOptions[] = {
    "httplog", "httpchk", "forwardfor", "http-server-close", "httpclose", "http-keep-alive",
    "dontlognull", "dontlog-normal", "log-health-checks", "tcpka", "clitcpka", "srvtcpka",
    "tcp-check", "ssl-hello-chk", "pgsql-check", "redis-check", "smtpchk", "ldap-check",
    "spop-check", "abortonclose", "allbackups", "persist", "splice-auto", "splice-request",
    "splice-response", "log-separate-errors", "logasap", "socket-stats", "transparent",
    "http-buffer-request", "http-pretend-keepalive", "http-no-delay", "http-use-proxy-header",
    "independent-streams", "nolinger", "originalto", "prefer-last-server", "external-check",
    "checkcache", "accept-invalid-http-request", "accept-invalid-http-response",
    "http-ignore-probes", "http-restrict-req-hdr-names", "h1-case-adjust-bogus-client",
    "h1-case-adjust-bogus-server", "contstats", "disable-h2-upgrade", "idle-close-on-response",
    "http_proxy", "http-use-htx", "assume-rfc6587-ntf", "dont-parse-log",
};

constexpr std::string_view kTimeouts[] = {
    "http-request", "http-keep-alive", "tarpit", "handshake",
    "clitimeout", "srvtimeout", "contimeout", "appsession",
};

constexpr std::string_view kBalance[] = {
    "static-rr", "uri", "url_param", "hdr", "random", "rdp-cookie", "hash",
};

constexpr std::string_view kServer[] = {
    "ssl", "no-ssl", "verify", "verifyhost", "ca-file", "crt", "sni", "alpn", "npn",
    "send-proxy", "send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn", "no-send-proxy",
    "no-send-proxy-v2", "proxy-v2-options", "agent-check", "no-agent-check", "agent-port",
    "agent-inter", "agent-addr", "agent-send", "observe", "on-error", "on-marked-down",
    "on-marked-up", "error-limit", "slowstart", "cookie", "track", "id", "source", "usesrc",
    "redir", "check-ssl", "no-check-ssl", "check-send-proxy", "check-sni", "check-alpn",
    "check-proto", "check-via-socks4", "socks4", "tfo", "namespace", "minconn", "maxqueue",
    "max-reuse", "pool-max-conn", "pool-low-conn", "pool-purge-delay", "tcp-ut", "ws", "proto",
    "resolve-net", "resolve-opts", "ciphers", "ciphersuites", "crl-file", "curves", "sigalgs",
    "client-sigalgs", "force-sslv3", "force-tlsv10", "force-tlsv11", "force-tlsv12",
    "force-tlsv13", "no-sslv3", "no-tlsv10", "no-tlsv11", "no-tlsv12", "no-tlsv13",
    "ssl-min-ver", "ssl-max-ver", "ssl-reuse", "no-ssl-reuse", "tls-tickets", "no-tls-tickets",
    "allow-0rtt", "stick", "non-stick", "shard", "log-proto", "addr", "set-proxy-v2-tlv-fmt",
    "no-tfo", "no-verifyhost", "check-pool-conn-name", "guid", "hash-key", "init-state",
};

constexpr std::string_view kBind[] = {
    "ssl", "crt", "crt-list", "ca-file", "alpn", "npn", "accept-proxy", "accept-netscaler-cip",
    "transparent", "interface", "name", "id", "process", "thread", "tfo", "defer-accept",
    "backlog", "maxconn", "mss", "namespace", "nice", "strict-sni", "tcp-ut", "uid", "gid",
    "user", "group", "mode", "level", "severity-output", "expose-fd", "ciphers", "ciphersuites",
    "crl-file", "curves", "ecdhe", "no-sslv3", "no-tlsv10", "no-tlsv11", "no-tlsv12",
    "no-tlsv13", "force-sslv3", "force-tlsv10", "force-tlsv11", "force-tlsv12", "force-tlsv13",
    "ssl-min-ver", "ssl-max-ver", "verify", "prefer-client-ciphers", "generate-certificates",
    "allow-0rtt", "proto", "shards", "no-ca-names", "ca-ignore-err", "crt-ignore-err",
    "ca-sign-file", "ca-sign-pass", "ca-verify-file", "no-tls-tickets", "tls-ticket-keys",
    "quic-cc-algo", "quic-force-retry", "label", "guid-prefix", "idle-ping", "sigalgs",
    "client-sigalgs", "no-alpn", "ocsp-update", "nbconn",
};

constexpr std::string_view kResolvers[] = {
    "resolution_pool_size",
};

bool contains(std::span<const std::string_view> table, std::string_view word) {
  return std::find(table.begin(), table.end(), word) != table.end();
}

}  // namespace

bool is_unsupported_haproxy_keyword(KeywordScope scope, std::string_view word) {
  switch (scope) {
    case KeywordScope::section: return contains(kSections, word);
    case KeywordScope::global:
      // Whole families: tuning knobs, TLS defaults, module settings.
      return word.starts_with("tune.") || word.starts_with("ssl-") ||
             word.starts_with("httpclient.") || word.starts_with("51degrees-") ||
             word.starts_with("deviceatlas-") || word.starts_with("wurfl-") ||
             word.starts_with("lua-") || contains(kGlobal, word);
    case KeywordScope::proxy: return contains(kProxy, word);
    case KeywordScope::option: return contains(kOptions, word);
    case KeywordScope::timeout: return contains(kTimeouts, word);
    case KeywordScope::balance: return contains(kBalance, word);
    case KeywordScope::server: return contains(kServer, word);
    case KeywordScope::bind: return contains(kBind, word);
    case KeywordScope::resolvers: return contains(kResolvers, word);
  }
  return false;
}

}  // namespace borealis::config

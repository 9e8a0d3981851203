// The typed configuration: what the parser produces and the rest of borealis
// reads. Plain values only; defaults here are HAProxy 2.6's unless a comment
// says otherwise (docs/configuration.md lists every difference).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace borealis::config {

using Duration = std::chrono::milliseconds;

// Where a statement came from, for messages that name file and line.
struct SourceLocation {
  std::string file;
  int line = 0;
};

// One `log` target. `global` inside a proxy means "use the global targets".
struct LogTarget {
  enum class Kind { unix_datagram, udp, stdout_stream, stderr_stream };
  Kind kind = Kind::unix_datagram;
  std::string path;          // unix_datagram: socket path (e.g. /dev/log)
  std::string host;          // udp: IPv4/IPv6 literal
  std::uint16_t port = 514;  // udp
  int facility = 16;         // syslog facility code (local0 = 16)
  int max_level = 7;         // most verbose level sent (debug = 7)
  int min_level = 0;         // least verbose level sent (emerg = 0)
  enum class Format { rfc3164, rfc5424, raw };
  Format format = Format::rfc3164;
  int max_length = 1024;  // `len`: longer lines are truncated
  SourceLocation where;
};

// What a runtime API socket lets its clients do (HAProxy's `level`): `user`
// reads what is not sensitive, `operator` reads everything, `admin` also
// changes things.
enum class ApiLevel { user, operator_level, admin };

// `stats socket PATH [mode OCTAL] [level L] [user U] [group G]` in `global`:
// a unix socket serving the runtime API (docs/operations.md).
struct StatsSocket {
  std::string path;
  unsigned mode = 0600;  // HAProxy: the process's umask decides
  ApiLevel level = ApiLevel::operator_level;
  std::string user, group;        // owner given to the socket file
  bool expose_listeners = false;  // `expose-fd listeners`: `_getsocks` at any level
  SourceLocation where;
};

struct Global {
  std::vector<LogTarget> logs;
  std::vector<StatsSocket> stats_sockets;
  Duration stats_timeout = std::chrono::seconds(10);  // an idle API connection is closed
  int maxconn = 0;                                    // 0: unlimited
  int nbthread = 0;                                   // 0: one worker per core
  std::string pidfile;
  std::string user;   // drop to this user after binding
  std::string group;  // drop to this group after binding
};

struct Timeouts {
  std::optional<Duration> connect, client, server, queue, check, client_fin, server_fin, tunnel;
  // borealis's: a `mode mysql` session idle at a safe point gives its server
  // connection back after this long (docs/session-continuity.md).
  std::optional<Duration> release;
  // `mode http` frontends: a whole request's head, and the wait for the next
  // request on a kept-alive connection (both default to `timeout client`).
  std::optional<Duration> http_request, http_keep_alive;
};

// `bind ADDR:PORT [v4v6|v6only]`. An empty host means every IPv4 address
// (`*`); `::` means every IPv6 address (and IPv4 too unless v6only).
struct Bind {
  std::string host;
  std::uint16_t port = 0;
  bool v4v6 = false;
  bool v6only = false;
  bool accept_proxy = false;  // a PROXY protocol header (v1 or v2) comes first
  // `ssl crt FILE` (mode mysql): TLS inside the MySQL handshake, required
  // unless `allow-plaintext`.
  bool ssl = false;
  std::string crt;
  bool allow_plaintext = false;
  SourceLocation where;
};

// `mode mysql` is borealis's: a MySQL-speaking front end (docs/configuration.md).
// `mode http` serves borealis's own HTTP services (the Prometheus
// exporter) and never relays HTTP to servers.
enum class Mode { tcp, mysql, http };
inline std::string_view mode_name(Mode mode) {
  return mode == Mode::mysql ? "mysql" : mode == Mode::http ? "http" : "tcp";
}
enum class Balance { roundrobin, leastconn, first, source };
enum class AddressFamily { ipv4, ipv6 };
enum class InitAddr { last, libc, none, ip };

// `send-proxy` / `send-proxy-v2` on a server line.
enum class SendProxy { none, v1, v2 };

// An address or network of an ACL: `bytes` in network order (IPv4 in the
// first 4), `length` the prefix length in bits. IPv4-mapped IPv6 patterns
// are stored as IPv4.
struct AddressPrefix {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> bytes{};
  int length = 32;
};

// `acl NAME src|path|path_beg PATTERN... [-f FILE]...`: every line with the
// same name adds patterns to one ACL, which matches when any of them does.
// Anonymous ACLs (`{ src ... }`) get a name no `acl` line can have
// ("{anonymous}"). Paths exist only in HTTP requests: only `http-request`
// rules may name an ACL that has them.
struct Acl {
  std::string name;
  std::vector<AddressPrefix> prefixes;     // src
  std::vector<std::string> paths;          // path: the whole path, exactly
  std::vector<std::string> path_prefixes;  // path_beg: how the path begins
  SourceLocation where;                    // first line that declared it

  bool matches_paths() const { return !paths.empty() || !path_prefixes.empty(); }
};

// `if|unless TERM...`: terms are ANDed, `||`/`or` separates ORed groups.
// Terms point at ACLs resolved while parsing, as HAProxy does: an ACL is
// known by the name it had when the rule was written.
struct AclTerm {
  bool negated = false;
  std::shared_ptr<const Acl> acl;
};
struct Condition {
  bool unless = false;
  std::vector<std::vector<AclTerm>> any_of;  // OR of ANDs
};

// `tcp-request connection|session accept|reject [if|unless COND]`.
struct TcpRequestRule {
  enum class Phase { connection, session };
  enum class Action { accept, reject };
  Phase phase = Phase::connection;
  Action action = Action::accept;
  std::optional<Condition> condition;  // none: always applies
  SourceLocation where;
};

// `http-request allow|deny [deny_status N]|use-service prometheus-exporter
// [if|unless COND]` (mode http): judged in order for each request, the
// first whose condition holds decides.
struct HttpRequestRule {
  enum class Action { allow, deny, prometheus_exporter };
  Action action = Action::allow;
  int deny_status = 403;
  std::optional<Condition> condition;  // none: always applies
  SourceLocation where;
};

// `stats enable|uri PREFIX|refresh T` (mode http): the live dashboard,
// served at requests whose target begins with `uri`.
struct StatsPage {
  std::string uri = "/haproxy?stats";  // HAProxy's default
  Duration refresh{5000};
  SourceLocation where;
};

struct MysqlCheck {
  std::string user;  // empty: connect and read the greeting only
  bool post41 = false;
};

// `mysql-user NAME password HASH` (mode mysql): an account whose
// mysql_native_password hash borealis knows, so that it can prove a
// client's password itself and log in for it again on a new connection.
struct MysqlUser {
  std::string name;
  std::string stage2;  // SHA1(SHA1(password)), 20 raw bytes
  SourceLocation where;
};

struct Server {
  std::string name;
  std::string host;  // IP literal or DNS name
  std::uint16_t port = 0;
  std::string resolvers;  // name of a `resolvers` section, or empty
  AddressFamily resolve_prefer = AddressFamily::ipv6;
  std::vector<InitAddr> init_addr;  // empty: HAProxy's "last,libc"
  std::string init_addr_ip;         // for InitAddr::ip
  bool check = false;
  Duration inter{2000};
  std::optional<Duration> fastinter;  // unset: inter
  std::optional<Duration> downinter;  // unset: inter
  int rise = 2;
  int fall = 3;
  std::optional<std::uint16_t> check_port;
  int weight = 1;
  int maxconn = 0;  // 0: unlimited
  SendProxy send_proxy = SendProxy::none;
  // `ssl` (mode mysql): TLS to the server, started inside the MySQL
  // handshake. `verify required` (HAProxy's default) checks the server's
  // certificate against `ca-file`, and its name against `verifyhost` when
  // given.
  bool ssl = false;
  bool verify = true;
  std::string ca_file;
  std::string verifyhost;
  bool backup = false;
  bool disabled = false;
  // server-template: servers PREFIX1..PREFIXN share one name; each takes a
  // different address from its answer. 0 for a plain `server`.
  int template_index = 0;
  std::string template_prefix;
  // `server NAME database@DB`: the server is the endpoint of the serverless
  // database DB (a `database` section); host and port are then unused.
  std::string database;
  SourceLocation where;
};

// A frontend, backend, listen or defaults section. Fields that only make
// sense on one side are simply unused on the other.
struct Proxy {
  enum class Kind { defaults, frontend, backend, listen };
  Kind kind = Kind::frontend;
  std::string name;
  Mode mode = Mode::tcp;
  bool log_global = false;
  std::vector<LogTarget> logs;
  bool tcplog = false;
  Timeouts timeouts;
  int retries = 3;
  bool redispatch = false;
  int maxconn = 0;  // 0: inherit global maxconn
  // `max-connect-errors N [block T]` (mode mysql): failed logins from one
  // address before it is blocked for T; 0: no limit.
  int max_connect_errors = 100;
  Duration connect_errors_block{600000};
  std::vector<Bind> binds;
  std::string default_backend;
  SourceLocation default_backend_where;  // the `default_backend` line
  Balance balance = Balance::roundrobin;
  std::optional<MysqlCheck> mysql_check;
  std::vector<MysqlUser> mysql_users;
  std::vector<Server> servers;
  // ACLs by name, visible to this section's own rules only (a section that
  // inherits from a `defaults` gets its rules, not its ACL names).
  std::vector<std::shared_ptr<Acl>> acls;
  // `tcp-request` rules in order: the inherited defaults' rules first.
  std::vector<TcpRequestRule> tcp_request_rules;
  std::vector<HttpRequestRule> http_request_rules;
  std::optional<StatsPage> stats_page;
  // Kinds of sections that took this defaults section's rules (HAProxy lets
  // frontends or backends inherit rules, not both, and no listen).
  bool rules_inherited_by_frontend = false, rules_inherited_by_backend = false;
  SourceLocation where;

  bool accepts_clients() const { return kind == Kind::frontend || kind == Kind::listen; }
  bool has_servers() const { return kind == Kind::backend || kind == Kind::listen; }
};

struct Nameserver {
  std::string name;
  std::string host;  // IP literal
  std::uint16_t port = 53;
  SourceLocation where;
};

struct Resolvers {
  std::string name;
  std::vector<Nameserver> nameservers;
  bool parse_resolv_conf = false;
  // How long the last good answer is kept after each kind of failure.
  Duration hold_valid{10000}, hold_nx{30000}, hold_timeout{30000}, hold_refused{30000},
      hold_other{30000}, hold_obsolete{0};
  int resolve_retries = 3;
  Duration timeout_resolve{1000};
  Duration timeout_retry{1000};
  int accepted_payload_size = 512;
  SourceLocation where;
};

// What one capacity unit (ACU) buys. Capacity is a number of ACUs in steps
// of 0.5; every limit scales linearly with it.
struct CapacityUnit {
  std::uint64_t memory_bytes = 256ull << 20;  // InnoDB buffer pool per ACU
  double cpu = 0.25;                          // CPU cores per ACU
  int connections = 50;                       // max_connections per ACU
};

// One keyword line of a section, kept for checks that need the whole
// section (a keyword that depends on another given later).
struct KeywordLine {
  std::string keyword;
  SourceLocation where;
};

// A serverless database (`database NAME` section): compute that borealis
// starts, pauses, resumes and resizes while its storage stays.
struct Database {
  enum class Engine { mariadb, exec };
  std::string name;
  Engine engine = Engine::mariadb;
  std::string datadir;
  double capacity_min = 0.5;
  double capacity_max = 1;
  CapacityUnit acu;
  std::optional<Duration> auto_pause{300000};  // nullopt: `auto-pause off`
  // Idle time (counted as `auto-pause` is) after which a warm pause (the
  // engine frozen in place) becomes a deep one (the engine stopped);
  // nullopt: `off`, warm until memory runs short. Not above `auto-pause`:
  // every pause is deep.
  std::optional<Duration> auto_pause_deep{3600000};
  Duration timeout_resume{30000};
  Duration timeout_command{60000};   // exec engine commands, mariadbd start/stop
  Duration scale_down_delay{15000};  // load below a smaller capacity this long: step down
  std::string user = "app";          // application user created with the data directory
  // Most client connections held while the database wakes or while all of
  // its connections are taken; beyond it they wait in the kernel's queue.
  int maxqueue = 10000;
  // mariadb: the account mariadbd runs as when borealis is root (empty:
  // global `user`, else Debian's `mysql`).
  std::string system_user;
  // mariadb engine
  std::string mariadbd = "/usr/sbin/mariadbd";
  std::vector<std::string> mariadbd_options;
  // exec engine
  std::string start_command, stop_command, scale_command;
  // exec: `address HOST:PORT`, where the started database listens; `address`
  // holds the IP literal (HOST, without brackets), `port` the port.
  std::string address;
  std::uint16_t port = 0;
  // Every keyword line of the section, in order (`engine` may come after
  // the keywords it allows).
  std::vector<KeywordLine> keyword_lines;
  SourceLocation where;
};

struct Config {
  Global global;
  std::vector<Database> databases;
  std::vector<Proxy> proxies;  // frontends, backends and listens, in file order
  std::vector<Resolvers> resolvers;

  const Proxy* find_backend(const std::string& name) const {
    for (const auto& p : proxies)
      if (p.has_servers() && p.name == name) return &p;
    return nullptr;
  }
  const Database* find_database(const std::string& name) const {
    for (const auto& d : databases)
      if (d.name == name) return &d;
    return nullptr;
  }
  const Resolvers* find_resolvers(const std::string& name) const {
    for (const auto& r : resolvers)
      if (r.name == name) return &r;
    return nullptr;
  }
};

}  // namespace borealis::config

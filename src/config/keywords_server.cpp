// `server` and `server-template` lines and their parameters.
#include <fmt/format.h>

#include <climits>
#include <unordered_set>

#include "config/address.hpp"
#include "config/keywords.hpp"
#include "config/units.hpp"
#include "config/unsupported_keywords.hpp"

namespace borealis::config {
namespace {

// Each parameter parser reads st.arg(i) (its own name) and following values,
// advances `i` past what it consumed, and returns false to stop the line.
using ServerParamFn = bool (*)(const Statement& st, std::size_t& i, Server& server,
                               Reporter& report);

// The value after a parameter, or an alert naming the parameter.
const std::string* value_of(const Statement& st, std::size_t i, std::string_view what,
                            Reporter& report) {
  if (i + 1 < st.size() && !st.arg(i + 1).empty()) return &st.arg(i + 1);
  report.alert(st.where, fmt::format("'{}' expects {} as argument.", st.arg(i), what));
  return nullptr;
}

bool p_resolvers(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  const auto* value = value_of(st, i, "<resolvers id>", report);
  if (!value) return false;
  server.resolvers = *value;
  i += 2;
  return true;
}

bool p_resolve_prefer(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  const auto* value = value_of(st, i, "'ipv4' or 'ipv6'", report);
  if (!value) return false;
  if (*value == "ipv4") {
    server.resolve_prefer = AddressFamily::ipv4;
  } else if (*value == "ipv6") {
    server.resolve_prefer = AddressFamily::ipv6;
  } else {
    report.alert(st.where,
                 fmt::format("'resolve-prefer' expects 'ipv4' or 'ipv6', got '{}'.", *value));
    return false;
  }
  i += 2;
  return true;
}

bool add_init_addr_method(const Statement& st, std::string_view method, Server& server,
                          Reporter& report) {
  if (method == "last") {
    server.init_addr.push_back(InitAddr::last);
  } else if (method == "libc") {
    server.init_addr.push_back(InitAddr::libc);
  } else if (method == "none") {
    server.init_addr.push_back(InitAddr::none);
  } else if (is_ip_literal(method) && server.init_addr_ip.empty()) {
    server.init_addr.push_back(InitAddr::ip);
    server.init_addr_ip = std::string(method);
  } else {
    report.alert(st.where, fmt::format("'init-addr' : unknown init-addr method '{}', supported "
                                       "methods are 'libc', 'last', 'none' and one IP address.",
                                       method));
    return false;
  }
  return true;
}

bool p_init_addr(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  const auto* value = value_of(st, i, "a comma-delimited list of methods", report);
  if (!value) return false;
  server.init_addr.clear();
  server.init_addr_ip.clear();
  std::string_view rest = *value;
  while (true) {
    const auto comma = rest.find(',');
    if (!add_init_addr_method(st, rest.substr(0, comma), server, report)) return false;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  i += 2;
  return true;
}

bool p_flag(const Statement& st, std::size_t& i, Server& server, Reporter&) {
  const std::string& name = st.arg(i);
  if (name == "check") server.check = true;
  if (name == "no-check") server.check = false;
  if (name == "backup") server.backup = true;
  if (name == "no-backup") server.backup = false;
  if (name == "disabled") server.disabled = true;
  if (name == "enabled") server.disabled = false;
  ++i;
  return true;
}

bool p_delay(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  Duration value{};
  if (!read_time(st, i + 1, st.arg(i), true, value, report)) return false;
  if (st.arg(i) == "inter") server.inter = value;
  if (st.arg(i) == "fastinter") server.fastinter = value;
  if (st.arg(i) == "downinter") server.downinter = value;
  i += 2;
  return true;
}

bool p_count(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  const std::string& name = st.arg(i);
  bool ok = false;
  if (name == "rise") ok = read_int(st, i + 1, name, 1, INT_MAX, server.rise, report);
  if (name == "fall") ok = read_int(st, i + 1, name, 1, INT_MAX, server.fall, report);
  if (name == "weight") ok = read_int(st, i + 1, name, 0, 256, server.weight, report);
  if (name == "maxconn") ok = read_int(st, i + 1, name, 0, INT_MAX, server.maxconn, report);
  i += 2;
  return ok;
}

// `send-proxy` / `send-proxy-v2`: a PROXY protocol header starts every
// connection to the server (the last of the two on a line wins, as in HAProxy).
bool p_send_proxy(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  if (!server.database.empty()) {
    report.alert(st.where, fmt::format("'{} {}' : '{}' does not apply to a 'database@' server: "
                                       "the database borealis runs does not read PROXY headers.",
                                       st.arg(0), st.arg(1), st.arg(i)));
    return false;
  }
  server.send_proxy = st.arg(i) == "send-proxy" ? SendProxy::v1 : SendProxy::v2;
  ++i;
  return true;
}

// TLS to the server: `ssl`, `no-ssl`, `verify none|required`, `ca-file
// FILE`, `verifyhost NAME`, in HAProxy's words.
bool p_tls(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  const std::string& name = st.arg(i);
  if (name == "ssl" && !server.database.empty()) {
    report.alert(st.where, fmt::format("'{} {}' : 'ssl' does not apply to a 'database@' server: "
                                       "borealis reaches the database it runs on loopback.",
                                       st.arg(0), st.arg(1)));
    return false;
  }
  if (name == "ssl" || name == "no-ssl") {
    server.ssl = name == "ssl";
    ++i;
    return true;
  }
  const auto* value = value_of(st, i,
                               name == "verify"    ? "'none' or 'required'"
                               : name == "ca-file" ? "<cafile>"
                                                   : "<hostname>",
                               report);
  if (!value) return false;
  if (name == "verify") {
    if (*value != "none" && *value != "required") {
      report.alert(st.where, fmt::format("'verify' : unknown verify method '{}', only 'none' and "
                                         "'required' are supported",
                                         *value));
      return false;
    }
    server.verify = *value == "required";
  } else if (name == "ca-file") {
    server.ca_file = *value;
  } else {
    server.verifyhost = *value;
  }
  i += 2;
  return true;
}

bool p_port(const Statement& st, std::size_t& i, Server& server, Reporter& report) {
  int port = 0;
  if (!read_int(st, i + 1, "port", 1, 65535, port, report)) return false;
  server.check_port = static_cast<std::uint16_t>(port);
  i += 2;
  return true;
}

struct ServerParam {
  std::string_view name;
  ServerParamFn parse;
};

constexpr ServerParam kServerParams[] = {
    {"resolvers", p_resolvers},
    {"resolve-prefer", p_resolve_prefer},
    {"init-addr", p_init_addr},
    {"check", p_flag},
    {"no-check", p_flag},
    {"backup", p_flag},
    {"no-backup", p_flag},
    {"disabled", p_flag},
    {"enabled", p_flag},
    {"inter", p_delay},
    {"fastinter", p_delay},
    {"downinter", p_delay},
    {"rise", p_count},
    {"fall", p_count},
    {"weight", p_count},
    {"maxconn", p_count},
    {"port", p_port},
    {"send-proxy", p_send_proxy},
    {"send-proxy-v2", p_send_proxy},
    {"ssl", p_tls},
    {"no-ssl", p_tls},
    {"verify", p_tls},
    {"ca-file", p_tls},
    {"verifyhost", p_tls},
};

// Parameters about finding the address, which a `database@` server takes
// from its database instead.
constexpr std::string_view kAddressParams[] = {"resolvers", "resolve-prefer", "init-addr"};

// Parameters start at st.arg(first). Returns false after an alert.
bool parse_params(const Statement& st, std::size_t first, Server& server, Reporter& report) {
  std::size_t i = first;
  while (i < st.size()) {
    const std::string& word = st.arg(i);
    const ServerParam* param = nullptr;
    for (const auto& candidate : kServerParams)
      if (candidate.name == word) param = &candidate;
    if (param && !server.database.empty()) {
      for (const auto address_param : kAddressParams) {
        if (address_param != word) continue;
        report.alert(st.where, fmt::format("'{} {}' : '{}' does not apply to a 'database@' "
                                           "server; its database gives the address.",
                                           st.arg(0), st.arg(1), word));
        return false;
      }
    }
    if (param) {
      if (!param->parse(st, i, server, report)) return false;
      continue;
    }
    if (is_unsupported_haproxy_keyword(KeywordScope::server, word)) {
      report.alert(st.where, fmt::format("'{}' is an HAProxy 'server' keyword that borealis does "
                                         "not support yet in '{}' section",
                                         word, st.section));
    } else {
      report.alert(st.where,
                   fmt::format("'{} {}' unknown keyword '{}'.", st.arg(0), st.arg(1), word));
    }
    return false;
  }
  return true;
}

bool check_name(const Statement& st, std::string_view name, Reporter& report) {
  if (name.empty()) {
    report.alert(st.where, fmt::format("'{}' expects <name> as an argument.", st.arg(0)));
    return false;
  }
  if (const char bad = invalid_name_char(name)) {
    report.alert(st.where,
                 fmt::format("character '{}' is not permitted in server name '{}'.", bad, name));
    return false;
  }
  return true;
}

constexpr std::string_view kDatabasePrefix = "database@";

// `database@NAME`: the server is the endpoint of database NAME, which
// validation checks exists once every section is read.
bool parse_database_target(const Statement& st, std::string_view text, Server& server,
                           Reporter& report) {
  const auto name = text.substr(kDatabasePrefix.size());
  if (name.empty()) {
    report.alert(st.where, fmt::format("'{} {}' : 'database@' expects a database name.", st.arg(0),
                                       st.arg(1)));
    return false;
  }
  if (const char bad = invalid_name_char(name)) {
    report.alert(st.where,
                 fmt::format("character '{}' is not permitted in database name '{}'.", bad, name));
    return false;
  }
  server.database = std::string(name);
  return true;
}

// Fills host and port from the address word; alerts on anything borealis
// cannot connect to.
bool parse_address(const Statement& st, std::string_view text, Server& server, Reporter& report) {
  if (text.starts_with(kDatabasePrefix)) {
    if (st.arg(0) == "server") return parse_database_target(st, text, server, report);
    report.alert(st.where, fmt::format("'{} {}' : 'database@' addresses are only valid on "
                                       "'server' lines.",
                                       st.arg(0), st.arg(1)));
    return false;
  }
  const auto prefix = address_prefix(text);
  if (text.starts_with("/") || prefix == "unix" || prefix == "abns" || prefix == "sockpair" ||
      prefix == "fd") {
    report_unsupported_feature(st, fmt::format("UNIX socket addresses in '{}'", st.arg(0)), report);
    return false;
  }
  const auto address = parse_host_port(text);
  if (!address) {
    report.alert(st.where,
                 fmt::format("'{} {}' : invalid address: '{}'.", st.arg(0), st.arg(1), text));
    return false;
  }
  if (address->host.empty() || address->host == "::") {
    report.alert(st.where, fmt::format("'{} {}' : '{}' has no host; borealis needs the server's "
                                       "address.",
                                       st.arg(0), st.arg(1), text));
    return false;
  }
  if (!address->has_port || address->port == 0) {
    // HAProxy would reuse the port the client connected to.
    report.alert(st.where, fmt::format("'{} {}' : '{}' has no port; borealis needs an explicit "
                                       "server port (port-less servers are not supported yet).",
                                       st.arg(0), st.arg(1), text));
    return false;
  }
  server.host = address->host;
  server.port = address->port;
  return true;
}

const Server* find_server(const Proxy& proxy, std::string_view name) {
  for (const auto& server : proxy.servers)
    if (server.name == name) return &server;
  return nullptr;
}

bool check_unique(const Statement& st, const Proxy& proxy, const std::string& name,
                  Reporter& report) {
  const Server* other = find_server(proxy, name);
  if (!other) return true;
  report.alert(st.where, fmt::format("{} '{}' : server name '{}' is already used at {}:{}.",
                                     proxy_kind_name(proxy.kind), proxy.name, name,
                                     other->where.file, other->where.line));
  return false;
}

bool parse_range(const Statement& st, std::string_view text, int& low, int& high,
                 Reporter& report) {
  const auto dash = text.find('-');
  std::int64_t a = 0;
  std::int64_t b = 0;
  const auto first = parse_integer(text.substr(0, dash));
  const auto second = dash == std::string_view::npos ? std::optional<std::int64_t>(1)
                                                     : parse_integer(text.substr(dash + 1));
  if (first && second) {
    a = dash == std::string_view::npos ? 1 : *first;
    b = dash == std::string_view::npos ? *first : *second;
  }
  if (!first || !second || a < 1 || b < a || b - a >= kMaxTemplateServers) {
    report.alert(st.where, fmt::format("'server-template {}' : invalid range '{}', expects a "
                                       "number or <low>-<high> of 1 to {} servers.",
                                       st.arg(1), text, kMaxTemplateServers));
    return false;
  }
  low = static_cast<int>(a);
  high = static_cast<int>(b);
  return true;
}

}  // namespace

void parse_server(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!check_name(st, st.arg(1), report)) return;
  if (st.size() < 3) {
    report.alert(st.where,
                 fmt::format("'server {}' : expects <addr>[:<port>] as an argument.", st.arg(1)));
    return;
  }
  Server server;
  server.name = st.arg(1);
  server.where = st.where;
  if (!parse_address(st, st.arg(2), server, report)) return;
  if (!parse_params(st, 3, server, report)) return;
  if (!check_unique(st, proxy, server.name, report)) return;
  proxy.servers.push_back(std::move(server));
}

void parse_server_template(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!check_name(st, st.arg(1), report)) return;
  if (st.size() < 4) {
    report.alert(st.where, fmt::format("'server-template {}' : expects <num | range> and "
                                       "<fqdn>[:<port>] as arguments.",
                                       st.arg(1)));
    return;
  }
  int low = 0;
  int high = 0;
  if (!parse_range(st, st.arg(2), low, high, report)) return;
  Server model;
  model.where = st.where;
  model.template_prefix = st.arg(1);
  if (!parse_address(st, st.arg(3), model, report)) return;
  if (!parse_params(st, 4, model, report)) return;
  // One set lookup per name keeps large templates linear.
  std::unordered_set<std::string> existing;
  for (const auto& server : proxy.servers) existing.insert(server.name);
  for (int index = low; index <= high; ++index) {
    Server server = model;
    server.name = fmt::format("{}{}", model.template_prefix, index);
    server.template_index = index;
    if (existing.count(server.name) && !check_unique(st, proxy, server.name, report)) return;
    proxy.servers.push_back(std::move(server));
  }
}

}  // namespace borealis::config

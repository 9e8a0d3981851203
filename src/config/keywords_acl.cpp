// `acl NAME src|path|path_beg ...`, `tcp-request connection|session
// accept|reject [if|unless COND]` (the source allowlists of frontends and
// listens) and `http-request allow|deny|use-service ... [if|unless COND]`
// (the rules of `mode http` frontends).
#include <fmt/format.h>

#include <charconv>
#include <fstream>

#include "config/address.hpp"
#include "config/address_prefix.hpp"
#include "config/keywords.hpp"

namespace borealis::config {
namespace {

// Bounds on what a list file may cost to load (a 100,000-line list is about
// 2 MB).
constexpr std::size_t kMaxPatternFileBytes = 256u << 20;
constexpr std::size_t kMaxPatternLine = 1024;

// HAProxy's fetch methods that borealis does not match on yet, so that the
// message can say "not supported" rather than "unknown".
constexpr std::string_view kKnownHaproxyFetches[] = {
    "dst",        "dst_port",     "src_port",     "so_id",        "always_true",  "always_false",
    "req.len",    "req_len",      "payload",      "req.payload",  "req.ssl_sni",  "ssl_fc",
    "ssl_fc_sni", "sc0_conn_cur", "sc1_conn_cur", "sc2_conn_cur", "src_conn_cur", "fe_conn",
    "be_conn",    "nbsrv",        "var",          "env",          "int",          "str",
};

std::string acl_error(std::string_view acl_name, std::string_view message) {
  return fmt::format("error detected while parsing ACL '{}' : {}", acl_name, message);
}

std::string bad_pattern_message(std::string_view pattern) {
  if (is_hostname(pattern))
    return fmt::format(
        "'{}' is not a valid IPv4 or IPv6 address (host names are resolved by HAProxy "
        "while parsing; borealis needs addresses).",
        pattern);
  return fmt::format("'{}' is not a valid IPv4 or IPv6 address.", pattern);
}

std::string_view trim(std::string_view line) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!line.empty() && space(line.front())) line.remove_prefix(1);
  while (!line.empty() && space(line.back())) line.remove_suffix(1);
  return line;
}

// One address or network per line; blank lines and lines starting with '#'
// are skipped, spaces around a pattern ignored.
bool read_pattern_file(const Statement& st, std::string_view acl_name, const std::string& path,
                       std::vector<AddressPrefix>& out, Reporter& report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    report.alert(st.where,
                 acl_error(acl_name, fmt::format("failed to open pattern file <{}>.", path)));
    return false;
  }
  std::string line;
  std::size_t bytes = 0;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    bytes += line.size() + 1;
    if (bytes > kMaxPatternFileBytes || line.size() > kMaxPatternLine) {
      report.alert(st.where,
                   acl_error(acl_name, fmt::format("pattern file <{}> is too large at "
                                                   "line {} (the limit is {} MB, {} "
                                                   "bytes per line).",
                                                   path, number, kMaxPatternFileBytes >> 20,
                                                   kMaxPatternLine)));
      return false;
    }
    const auto pattern = trim(line);
    if (pattern.empty() || pattern.front() == '#') continue;
    auto prefix = parse_address_prefix(pattern);
    if (!prefix) {
      auto message = bad_pattern_message(pattern);
      message.pop_back();  // the final '.'
      report.alert(st.where, acl_error(acl_name, fmt::format("{} at line {} of file '{}'.", message,
                                                             number, path)));
      return false;
    }
    out.push_back(*prefix);
  }
  return true;
}

bool is_known_fetch(std::string_view criterion) {
  for (auto known : kKnownHaproxyFetches)
    if (known == criterion) return true;
  return false;
}

enum class Criterion { src, path, path_beg };

std::optional<Criterion> criterion_of(std::string_view word) {
  if (word == "src") return Criterion::src;
  if (word == "path") return Criterion::path;
  if (word == "path_beg") return Criterion::path_beg;
  return std::nullopt;
}

// The match method `-m` may name: the criterion's own only.
bool is_own_match(Criterion criterion, std::string_view method) {
  switch (criterion) {
    case Criterion::src:
      return method == "ip";
    case Criterion::path:
      return method == "str";
    case Criterion::path_beg:
      return method == "beg";
  }
  return false;
}

// Adds one pattern word to `out`; false (after saying why) when it is not
// one the criterion can match.
bool add_pattern(const Statement& st, Criterion criterion, std::string_view acl_name,
                 const std::string& word, Acl& out, Reporter& report) {
  if (criterion == Criterion::path) {
    out.paths.push_back(word);
    return true;
  }
  if (criterion == Criterion::path_beg) {
    out.path_prefixes.push_back(word);
    return true;
  }
  auto prefix = parse_address_prefix(word);
  if (!prefix) {
    report.alert(st.where, acl_error(acl_name, bad_pattern_message(word)));
    return false;
  }
  out.prefixes.push_back(*prefix);
  return true;
}

// `CRITERION [-f FILE | -n | -m METHOD | --]... PATTERN...` from st.arg(first)
// up to `last`. Known: `src` (addresses), `path` and `path_beg` (HTTP).
bool parse_acl_expression(const Statement& st, std::size_t first, std::size_t last,
                          std::string_view acl_name, Acl& out, Reporter& report) {
  const std::string& word0 = st.arg(first);
  if (first >= last || word0.empty()) {
    report.alert(st.where, acl_error(acl_name, "missing fetch method in ACL expression ''."));
    return false;
  }
  const auto criterion = criterion_of(word0);
  if (!criterion) {
    report.alert(
        st.where,
        acl_error(acl_name,
                  fmt::format("{} fetch method '{}' in ACL expression '{}' (borealis matches "
                              "'src', 'path' and 'path_beg').",
                              is_known_fetch(word0) ? "unsupported" : "unknown", word0, word0)));
    return false;
  }
  bool options_done = false;
  bool any_pattern = false;
  for (std::size_t i = first + 1; i < last; ++i) {
    const std::string& word = st.arg(i);
    if (!options_done && word.starts_with("-")) {
      if (word == "--") {
        options_done = true;
      } else if (word == "-f") {
        if (i + 1 >= last || st.arg(i + 1).empty()) {
          report.alert(st.where, acl_error(acl_name, "'-f' expects a file name."));
          return false;
        }
        if (*criterion != Criterion::src) {
          report.alert(st.where, acl_error(acl_name, fmt::format("borealis reads pattern files "
                                                                 "for 'src' only, not '{}'.",
                                                                 word0)));
          return false;
        }
        if (!read_pattern_file(st, acl_name, st.arg(++i), out.prefixes, report)) return false;
        any_pattern = true;
      } else if (word == "-n") {
        // "no duplicate pattern names": nothing to do.
      } else if (word == "-m") {
        if (!is_own_match(*criterion, st.arg(i + 1))) {
          report.alert(st.where, acl_error(acl_name, fmt::format("borealis matches '{}' with its "
                                                                 "own method only, not '-m {}'.",
                                                                 word0, st.arg(i + 1))));
          return false;
        }
        ++i;
      } else if (word == "-i" || word == "-u" || word == "-M") {
        report.alert(st.where, acl_error(acl_name, fmt::format("'{}' is an HAProxy ACL option "
                                                               "that borealis does not support "
                                                               "yet.",
                                                               word)));
        return false;
      } else {
        report.alert(st.where,
                     acl_error(acl_name, fmt::format("'{}' is not a valid ACL option. Please use "
                                                     "'--' before any pattern beginning with a "
                                                     "'-'.",
                                                     word)));
        return false;
      }
      continue;
    }
    options_done = true;
    if (!add_pattern(st, *criterion, acl_name, word, out, report)) return false;
    any_pattern = true;
  }
  if (!any_pattern)
    report.warning(st.where, fmt::format("ACL '{}' : no pattern to match against was provided, "
                                         "so this ACL will never match.",
                                         acl_name));
  return true;
}

std::shared_ptr<Acl> find_acl(const Proxy& proxy, std::string_view name) {
  for (const auto& acl : proxy.acls)
    if (acl->name == name) return acl;
  return nullptr;
}

// Parses `if|unless TERM... [|| TERM...]...` starting at st.arg(index).
class ConditionParser {
 public:
  ConditionParser(const Statement& st, const Proxy& proxy, std::string rule, Reporter& report)
      : st_(st), proxy_(proxy), rule_(std::move(rule)), report_(report) {}

  std::optional<Condition> parse(std::size_t index) {
    keyword_index_ = index;
    Condition condition;
    condition.unless = st_.arg(index) == "unless";
    std::vector<AclTerm> group;
    for (std::size_t i = index + 1; i < st_.size(); ++i) {
      const std::string& word = st_.arg(i);
      if (word == "||" || word == "or") {
        if (group.empty()) return fail(fmt::format("missing ACL before '{}'", word));
        condition.any_of.push_back(std::move(group));
        group.clear();
        continue;
      }
      auto term = parse_term(i);
      if (!term) return std::nullopt;
      group.push_back(std::move(*term));
    }
    if (group.empty())
      return fail(condition.any_of.empty() ? "missing ACL after the condition keyword"
                                           : "missing ACL after '||'");
    condition.any_of.push_back(std::move(group));
    return condition;
  }

 private:
  // `[!]NAME` or `[!]{ CRITERION PATTERN... }`; `i` ends on the term's last word.
  std::optional<AclTerm> parse_term(std::size_t& i) {
    AclTerm term;
    std::string_view word = st_.arg(i);
    while (word.starts_with("!")) {
      term.negated = !term.negated;
      word.remove_prefix(1);
      if (word.empty()) {
        if (++i >= st_.size()) return fail("missing ACL after '!'");
        word = st_.arg(i);
      }
    }
    if (word == "{") return parse_anonymous(i, term);
    auto acl = find_acl(proxy_, word);
    if (!acl) return fail(fmt::format("no such ACL : '{}'", word));
    term.acl = std::move(acl);
    return term;
  }

  std::optional<AclTerm> parse_anonymous(std::size_t& i, AclTerm term) {
    std::size_t first = i + 1;
    std::size_t close = first;
    while (close < st_.size() && st_.arg(close) != "}") ++close;
    if (close >= st_.size()) return fail("missing closing '}' in condition");
    auto acl = std::make_shared<Acl>();
    acl->name = "{anonymous}";
    acl->where = st_.where;
    if (!parse_acl_expression(st_, first, close, acl->name, *acl, report_)) return std::nullopt;
    term.acl = std::move(acl);
    i = close;
    return term;
  }

  std::nullopt_t fail(std::string_view message) {
    report_.alert(st_.where, fmt::format("'{}' : error detected in {} '{}' while parsing '{}' "
                                         "condition : {}",
                                         rule_, proxy_kind_name(proxy_.kind), proxy_.name,
                                         st_.arg(keyword_index_), message));
    return std::nullopt;
  }

  const Statement& st_;
  const Proxy& proxy_;
  std::string rule_;
  Reporter& report_;
  std::size_t keyword_index_ = 0;  // where `if` or `unless` is
};

constexpr std::string_view kUnsupportedTcpActions[] = {
    "capture",      "expect-proxy", "expect-netscaler-cip",
    "track-sc0",    "track-sc1",    "track-sc2",
    "sc-inc-gpc",   "sc-inc-gpc0",  "sc-inc-gpc1",
    "sc-set-gpt",   "sc-set-gpt0",  "set-var-fmt",
    "set-var",      "unset-var",    "set-dst",
    "set-dst-port", "set-mark",     "set-src",
    "set-src-port", "set-tos",      "silent-drop",
    "attach-srv",
};

bool is_unsupported_tcp_action(std::string_view action) {
  const auto open = action.find('(');
  const auto bare = action.substr(0, open);
  for (auto known : kUnsupportedTcpActions)
    if (known == bare) return true;
  return false;
}

bool tcp_request_allowed(const Statement& st, const Proxy& proxy, std::string_view phase,
                         Reporter& report) {
  if (proxy.kind == Proxy::Kind::defaults && proxy.name.empty()) {
    report.alert(st.where, fmt::format("tcp-request {} is not allowed in anonymous 'defaults' "
                                       "sections",
                                       phase));
    return false;
  }
  if (proxy.kind == Proxy::Kind::backend) {
    report.alert(st.where, fmt::format("tcp-request {} is not allowed because backend {} is not "
                                       "a frontend",
                                       phase, proxy.name));
    return false;
  }
  return true;
}

}  // namespace

void parse_acl(const Statement& st, Proxy& proxy, Reporter& report) {
  if (proxy.kind == Proxy::Kind::defaults && proxy.name.empty()) {
    report.alert(st.where, "'acl' not allowed in anonymous 'defaults' section.");
    return;
  }
  const std::string& name = st.arg(1);
  if (name.empty()) {
    report.alert(st.where, "'acl' expects an ACL name and a criterion.");
    return;
  }
  if (const char bad = invalid_name_char(name)) {
    report.alert(st.where,
                 fmt::format("character '{}' is not permitted in acl name '{}'.", bad, name));
    return;
  }
  Acl patterns;
  if (!parse_acl_expression(st, 2, st.size(), name, patterns, report)) return;
  auto acl = find_acl(proxy, name);
  if (!acl) {
    acl = std::make_shared<Acl>();
    acl->name = name;
    acl->where = st.where;
    proxy.acls.push_back(acl);
  }
  const auto append = [](auto& to, const auto& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(acl->prefixes, patterns.prefixes);
  append(acl->paths, patterns.paths);
  append(acl->path_prefixes, patterns.path_prefixes);
}

void parse_tcp_request(const Statement& st, Proxy& proxy, Reporter& report) {
  const std::string& phase = st.arg(1);
  TcpRequestRule rule;
  rule.where = st.where;
  if (phase == "connection") {
    rule.phase = TcpRequestRule::Phase::connection;
  } else if (phase == "session") {
    rule.phase = TcpRequestRule::Phase::session;
  } else if (phase == "content" || phase == "inspect-delay") {
    return report_unsupported(st, fmt::format("tcp-request {}", phase), report);
  } else {
    report.alert(st.where, fmt::format("'tcp-request' expects 'connection' or 'session' in {} "
                                       "'{}' (got '{}')",
                                       proxy_kind_name(proxy.kind), proxy.name, phase));
    return;
  }
  if (!tcp_request_allowed(st, proxy, phase, report)) return;
  const std::string& action = st.arg(2);
  const std::string rule_name = fmt::format("tcp-request {} {}", phase, action);
  if (action == "accept") {
    rule.action = TcpRequestRule::Action::accept;
  } else if (action == "reject") {
    rule.action = TcpRequestRule::Action::reject;
  } else if (is_unsupported_tcp_action(action)) {
    return report_unsupported(st, rule_name, report);
  } else {
    report.alert(st.where, fmt::format("'tcp-request {}' expects 'accept' or 'reject' in {} '{}' "
                                       "(got '{}').",
                                       phase, proxy_kind_name(proxy.kind), proxy.name, action));
    return;
  }
  if (st.size() > 3) {
    const std::string& keyword = st.arg(3);
    if (keyword != "if" && keyword != "unless") {
      report.alert(st.where,
                   fmt::format("'{}' only accepts 'if' or 'unless', in {} '{}' (got "
                               "'{}')",
                               rule_name, proxy_kind_name(proxy.kind), proxy.name, keyword));
      return;
    }
    rule.condition = ConditionParser(st, proxy, rule_name, report).parse(3);
    if (!rule.condition) return;
  }
  proxy.tcp_request_rules.push_back(std::move(rule));
}

namespace {

bool http_request_allowed(const Statement& st, const Proxy& proxy, Reporter& report) {
  if (proxy.kind == Proxy::Kind::defaults) {
    report.alert(st.where,
                 "'http-request' rules in a 'defaults' section are not supported by "
                 "borealis: write them in the frontend.");
    return false;
  }
  if (proxy.kind == Proxy::Kind::backend) {
    report.alert(st.where, fmt::format("'http-request' is not allowed because backend {} is not "
                                       "a frontend (borealis serves HTTP on frontends only)",
                                       proxy.name));
    return false;
  }
  return true;
}

// `deny [deny_status N]`: the status, or 0 after saying why not. The words
// after the action start at `next`, which is moved past what was read.
int read_deny_status(const Statement& st, std::size_t& next, Reporter& report) {
  if (st.arg(next) != "deny_status") return 403;
  const std::string& word = st.arg(next + 1);
  int status = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), status);
  if (error != std::errc() || end != word.data() + word.size() || status < 200 || status > 599) {
    report.alert(st.where, fmt::format("'http-request deny': 'deny_status' expects an HTTP status "
                                       "from 200 to 599 (got '{}').",
                                       word));
    return 0;
  }
  next += 2;
  return status;
}

}  // namespace

void parse_http_request(const Statement& st, Proxy& proxy, Reporter& report) {
  if (!http_request_allowed(st, proxy, report)) return;
  const std::string& action = st.arg(1);
  HttpRequestRule rule;
  rule.where = st.where;
  std::size_t next = 2;
  if (action == "allow") {
    rule.action = HttpRequestRule::Action::allow;
  } else if (action == "deny") {
    rule.action = HttpRequestRule::Action::deny;
    rule.deny_status = read_deny_status(st, next, report);
    if (rule.deny_status == 0) return;
  } else if (action == "use-service") {
    if (st.arg(2) != "prometheus-exporter") {
      report.alert(st.where, fmt::format("'http-request use-service' : borealis has one service, "
                                         "'prometheus-exporter' (got '{}').",
                                         st.arg(2)));
      return;
    }
    rule.action = HttpRequestRule::Action::prometheus_exporter;
    next = 3;
  } else if (action.empty()) {
    report.alert(st.where, "'http-request' expects 'allow', 'deny' or 'use-service'.");
    return;
  } else {
    return report_unsupported(st, fmt::format("http-request {}", action), report);
  }
  const std::string rule_name = fmt::format("http-request {}", action);
  if (st.size() > next) {
    const std::string& keyword = st.arg(next);
    if (keyword != "if" && keyword != "unless") {
      report.alert(st.where,
                   fmt::format("'{}' only accepts 'if' or 'unless', in {} '{}' (got "
                               "'{}')",
                               rule_name, proxy_kind_name(proxy.kind), proxy.name, keyword));
      return;
    }
    rule.condition = ConditionParser(st, proxy, rule_name, report).parse(next);
    if (!rule.condition) return;
  }
  proxy.http_request_rules.push_back(std::move(rule));
}

}  // namespace borealis::config

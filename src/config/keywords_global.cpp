// Keywords of the `global` section.
#include <fmt/format.h>

#include <climits>

#include "config/keywords.hpp"
#include "config/unsupported_keywords.hpp"

namespace borealis::config {
namespace {

void kw_log(const Statement& st, Global& global, Reporter& report) {
  if (st.arg(1) == "global") {
    report.alert(st.where,
                 "'log global' is only allowed in 'defaults', 'frontend', 'listen' and "
                 "'backend' sections.");
    return;
  }
  if (auto target = parse_log_target(st, report)) global.logs.push_back(std::move(*target));
}

void kw_maxconn(const Statement& st, Global& global, Reporter& report) {
  if (expect_at_most(st, 2, "maxconn", report))
    read_int(st, 1, "maxconn", 0, INT_MAX, global.maxconn, report);
}

// HAProxy's default build caps threads at 64; borealis allows more workers.
void kw_nbthread(const Statement& st, Global& global, Reporter& report) {
  if (expect_at_most(st, 2, "nbthread", report))
    read_int(st, 1, "nbthread", 1, 4096, global.nbthread, report);
}

void read_string(const Statement& st, std::string& out, Reporter& report) {
  if (st.size() < 2 || st.arg(1).empty()) {
    report.alert(st.where, fmt::format("'{}' expects an argument.", st.arg(0)));
    return;
  }
  if (!out.empty()) {
    report.warning(st.where, fmt::format("'{}' already specified. Continuing.", st.arg(0)));
    return;  // HAProxy keeps the first value
  }
  if (expect_at_most(st, 2, st.arg(0), report)) out = st.arg(1);
}

void kw_pidfile(const Statement& st, Global& global, Reporter& report) {
  read_string(st, global.pidfile, report);
}
void kw_user(const Statement& st, Global& global, Reporter& report) {
  read_string(st, global.user, report);
}
void kw_group(const Statement& st, Global& global, Reporter& report) {
  read_string(st, global.group, report);
}

struct GlobalKeyword {
  std::string_view name;
  void (*parse)(const Statement&, Global&, Reporter&);
};

constexpr GlobalKeyword kGlobalKeywords[] = {
    {"log", kw_log},
    {"maxconn", kw_maxconn},
    {"nbthread", kw_nbthread},
    {"pidfile", kw_pidfile},
    {"user", kw_user},
    {"group", kw_group},
    {"stats", parse_global_stats},
};

}  // namespace

void parse_global_statement(const Statement& st, Global& global, Reporter& report) {
  for (const auto& keyword : kGlobalKeywords) {
    if (keyword.name == st.arg(0)) return keyword.parse(st, global, report);
  }
  if (is_unsupported_haproxy_keyword(KeywordScope::global, st.arg(0))) {
    return report_unsupported(st, st.arg(0), report);
  }
  report.alert(st.where, fmt::format("unknown keyword '{}' in 'global' section", st.arg(0)));
}

}  // namespace borealis::config

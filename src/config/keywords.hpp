// Keyword parsers, one table per section (as HAProxy's cfg_kw_list). Each
// takes one statement and updates the model or reports what is wrong.
// Internal to the parser.
#pragma once

#include <optional>

#include "config/diagnostics.hpp"
#include "config/model.hpp"
#include "config/statement.hpp"

namespace borealis::config {

void parse_global_statement(const Statement& st, Global& global, Reporter& report);
// `stats socket ...` and `stats timeout T`, st.arg(0) is "stats".
void parse_global_stats(const Statement& st, Global& global, Reporter& report);
void parse_proxy_statement(const Statement& st, Proxy& proxy, Reporter& report);
void parse_resolvers_statement(const Statement& st, Resolvers& resolvers, Reporter& report);
void parse_database_statement(const Statement& st, Database& database, Reporter& report);

// Checks of a `database` section that need all of it (engine-specific
// keywords, required keywords, auto-pause with a minimum above 0).
void check_database(const Database& database, Reporter& report);

// "mariadb" or "exec".
std::string_view engine_name(Database::Engine engine);

// `log TARGET [len N] [format F] FACILITY [LEVEL [MINLEVEL]]`, st.arg(0) is
// "log". `log global` is handled by the callers.
std::optional<LogTarget> parse_log_target(const Statement& st, Reporter& report);

void parse_bind(const Statement& st, Proxy& proxy, Reporter& report);
void parse_server(const Statement& st, Proxy& proxy, Reporter& report);
void parse_server_template(const Statement& st, Proxy& proxy, Reporter& report);
void parse_acl(const Statement& st, Proxy& proxy, Reporter& report);
void parse_tcp_request(const Statement& st, Proxy& proxy, Reporter& report);
void parse_http_request(const Statement& st, Proxy& proxy, Reporter& report);

// Section word of a proxy kind: "defaults", "frontend", "backend", "listen".
std::string_view proxy_kind_name(Proxy::Kind kind);

// Upper bound on servers one server-template line may create, to keep the
// work bounded on hostile input.
inline constexpr int kMaxTemplateServers = 4096;

}  // namespace borealis::config

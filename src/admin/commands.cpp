#include "admin/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <optional>
#include <string_view>

#include "admin/servers_state_report.hpp"
#include "backend/backend_control.hpp"
#include "config/capacity_bounds.hpp"
#include "frontend/frontend.hpp"
#include "serverless/database_runtime.hpp"

namespace borealis::admin {
namespace {

using config::ApiLevel;

struct Command {
  std::array<std::string_view, 2> words;  // the command's own words ("" past the end)
  std::size_t arguments;                  // words it takes after its own, at least ...
  std::size_t most_arguments;             // ... and at most
  ApiLevel level;
  std::string_view usage;
  std::string_view summary;
  Answer (Commands::*handler)(const Words&) const;  // nullptr: the connection answers it
};

std::size_t word_count(const Command& command) { return command.words[1].empty() ? 1 : 2; }

std::string format_uptime(long long seconds) {
  return fmt::format("{}d {}h{:02}m{:02}s", seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60,
                     seconds % 60);
}

}  // namespace

// Sorted as `help` shows them. HAProxy's words where HAProxy has the
// command; the database ones are borealis's.
const Command kCommands[] = {
    {{"disable", "server"},
     1,
     1,
     ApiLevel::admin,
     "disable server <backend>/<server>",
     "put a server in maintenance (as 'set server ... state maint')",
     &Commands::disable_server},
    {{"enable", "server"},
     1,
     1,
     ApiLevel::admin,
     "enable server <backend>/<server>",
     "take a server out of maintenance (as 'set server ... state ready')",
     &Commands::enable_server},
    {{"help", ""},
     0,
     0,
     ApiLevel::user,
     "help",
     "list the commands this socket's level allows",
     nullptr},
    {{"pause", "database"},
     1,
     1,
     ApiLevel::admin,
     "pause database <name>",
     "pause a running database that has no client session now",
     &Commands::pause_database},
    {{"prompt", ""},
     0,
     0,
     ApiLevel::user,
     "prompt",
     "toggle interactive mode (a prompt, the connection stays open)",
     nullptr},
    {{"quit", ""}, 0, 0, ApiLevel::user, "quit", "close this connection", nullptr},
    {{"resume", "database"},
     1,
     1,
     ApiLevel::admin,
     "resume database <name>",
     "resume a paused database without waiting for a client",
     &Commands::resume_database},
    {{"set", "database"},
     4,
     4,
     ApiLevel::admin,
     "set database <name> capacity <min> <max>",
     "new capacity bounds in ACU (a minimum above 0 resumes it and keeps it running)",
     &Commands::set_database},
    {{"set", "server"},
     2,
     5,
     ApiLevel::admin,
     "set server <backend>/<server> state ready|drain|maint | addr <ip> [port <port>]",
     "keep new sessions away from a server or let them in again; give it a new address",
     &Commands::set_server},
    {{"show", "databases"},
     0,
     0,
     ApiLevel::user,
     "show databases",
     "serverless databases: state, capacity, ACU-seconds, sessions, time in each state (CSV)",
     &Commands::show_databases},
    {{"show", "info"},
     0,
     0,
     ApiLevel::user,
     "show info",
     "report information about the running process",
     &Commands::show_info},
    {{"show", "servers"},
     1,
     2,
     ApiLevel::user,
     "show servers state [<backend>]",
     "every server's address, state and last check, as HAProxy's state file",
     &Commands::show_servers_state},
    {{"show", "sess"},
     0,
     1,
     ApiLevel::operator_level,  // as HAProxy's: it names every client
     "show sess [<id>]",
     "every client session (or one): its client, frontend, backend, server and age",
     &Commands::show_sess},
    {{"show", "stat"},
     0,
     3,
     ApiLevel::user,
     "show stat [{<iid>|<proxy>} <type> <sid>]",
     "traffic and state of frontends, backends and servers (HAProxy's CSV)",
     &Commands::show_stat},
    {{"shutdown", "session"},
     1,
     1,
     ApiLevel::admin,
     "shutdown session <id>",
     "close one client session, as 'show sess' names it (logged with 'K')",
     &Commands::shutdown_session},
    {{"shutdown", "sessions"},
     2,
     2,
     ApiLevel::admin,
     "shutdown sessions server <backend>/<server>",
     "close every session relaying to a server (logged with 'K')",
     &Commands::shutdown_sessions},
};

std::string Commands::help(ApiLevel level) const {
  std::string text = "The following commands are valid at this level:\n";
  for (const auto& command : kCommands)
    if (level >= command.level)
      text += fmt::format("  {:<32} : {}\n", command.usage, command.summary);
  return text;
}

Answer Commands::run(const Words& words, ApiLevel level) const {
  for (const auto& command : kCommands) {
    const std::size_t own = word_count(command);
    if (words.size() < own || words[0] != command.words[0] ||
        (own == 2 && words[1] != command.words[1]))
      continue;
    if (level < command.level) return "Permission denied\n";
    if (words.size() < own + command.arguments || words.size() > own + command.most_arguments)
      return fmt::format("Usage: {}\n", command.usage);
    if (!command.handler) return help(level);
    const Words arguments(words.begin() + static_cast<std::ptrdiff_t>(own), words.end());
    return (this->*command.handler)(arguments);
  }
  return fmt::format("Unknown command: '{}'. 'help' lists the commands.\n",
                     words.empty() ? std::string() : words[0]);
}

Answer Commands::show_info(const Words&) const {
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - targets_.started)
                          .count();
  int running = 0, paused = 0;
  for (auto* database : targets_.databases) {
    auto state = database->state();
    if (state == serverless::DatabaseState::running) ++running;
    if (state == serverless::DatabaseState::paused || state == serverless::DatabaseState::frozen)
      ++paused;
  }
  const int current = targets_.limits ? targets_.limits->active.load() : 0;
  const int maxconn = targets_.limits ? targets_.limits->maxconn : 0;
  return fmt::format(
      "Name: borealis\nVersion: {}\nPid: {}\nUptime: {}\nUptime_sec: {}\nNbthread: {}\n"
      "Maxconn: {}\nCurrConns: {}\nDatabases: {}\nDatabases_running: {}\nDatabases_paused: {}\n",
      BOREALIS_VERSION, ::getpid(), format_uptime(uptime), uptime, targets_.nbthread, maxconn,
      current, targets_.databases.size(), running, paused);
}

Answer Commands::show_databases(const Words&) const {
  std::string text =
      "# name,state,capacity,min,max,acu_seconds,warm_mib_seconds,sessions,active,held,"
      "failed_starts,crashes";
  for (int state = 0; state < serverless::kDatabaseStateCount; ++state)
    text += fmt::format(",time_{}",
                        serverless::state_key(static_cast<serverless::DatabaseState>(state)));
  text += '\n';
  for (auto* database : targets_.databases) {
    const serverless::DatabaseReport r = database->report();
    text += fmt::format("{},{},{},{},{},{:.1f},{:.0f},{},{},{},{},{}", r.name,
                        serverless::state_name(r.state), serverless::format_acu(r.capacity),
                        serverless::format_acu(r.capacity_min),
                        serverless::format_acu(r.capacity_max), r.acu_seconds, r.frozen_mib_seconds,
                        r.sessions, r.active, r.held, r.failed_starts, r.crashes);
    for (double seconds : r.seconds_in_state) text += fmt::format(",{:.1f}", seconds);
    text += '\n';
  }
  return text;
}

serverless::DatabaseRuntime* Commands::find_database(const std::string& name) const {
  for (auto* database : targets_.databases)
    if (database->name() == name) return database;
  return nullptr;
}

Answer Commands::pause_database(const Words& arguments) const {
  auto* database = find_database(arguments[0]);
  if (!database) return fmt::format("No such database: '{}'.\n", arguments[0]);
  if (core::Status asked = database->request_pause(); !asked)
    return fmt::format("Database '{}' not paused: {}.\n", arguments[0], asked.error());
  return {};
}

Answer Commands::resume_database(const Words& arguments) const {
  auto* database = find_database(arguments[0]);
  if (!database) return fmt::format("No such database: '{}'.\n", arguments[0]);
  database->request_resume();
  return {};
}

Commands::FoundServer Commands::find_server(const std::string& path) const {
  FoundServer found;
  const auto slash = path.find('/');
  if (slash == std::string::npos) {
    found.error = "Require 'backend/server'.\n";
    return found;
  }
  const std::string backend_name = path.substr(0, slash);
  for (const auto& proxy : targets_.proxies)
    if (proxy.backend && proxy.backend->backend().name() == backend_name)
      found.control = proxy.backend;
  if (!found.control) {
    found.error = "No such backend.\n";
    return found;
  }
  found.id = found.control->find(path.substr(slash + 1));
  if (found.id < 0) found.error = "No such server.\n";
  return found;
}

std::string Commands::set_admin_state(const std::string& path, backend::AdminState state) const {
  FoundServer found = find_server(path);
  if (!found.error.empty()) return found.error;
  found.control->set_admin_state(found.id, state, "set by the runtime API");
  return {};
}

// HAProxy's `set server` has more fields (weight, health, ...); borealis
// takes `state` and `addr` so far.
Answer Commands::set_server(const Words& arguments) const {
  const std::string& what = arguments[1];
  if (what == "addr") return set_address(arguments[0], arguments);
  if (what != "state")
    return fmt::format(
        "'set server <backend>/<server> {}' is not supported yet (only 'state' and 'addr').\n",
        what);
  using backend::AdminState;
  const std::string state = arguments.size() == 3 ? arguments[2] : std::string();
  if (state == "ready") return set_admin_state(arguments[0], AdminState::ready);
  if (state == "drain") return set_admin_state(arguments[0], AdminState::drain);
  if (state == "maint") return set_admin_state(arguments[0], AdminState::maint);
  return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
}

Answer Commands::enable_server(const Words& arguments) const {
  return set_admin_state(arguments[0], backend::AdminState::ready);
}

Answer Commands::disable_server(const Words& arguments) const {
  return set_admin_state(arguments[0], backend::AdminState::maint);
}

// As HAProxy's: the new address is used by new connections at once, said
// in HAProxy's words and logged; a `resolvers` answer later replaces it, as
// it would in HAProxy. A server that stands for a `database` has no address
// to set.
std::string Commands::set_address(const std::string& path, const Words& words) const {
  FoundServer found = find_server(path);
  if (!found.error.empty()) return found.error;
  auto& server = found.control->server(found.id);
  if (server.database) return "A database server's address is its engine's: it cannot be set.\n";
  const bool has_port = words.size() == 5 && words[3] == "port";
  if (words.size() < 3 || (words.size() > 3 && !has_port))
    return "'set server <srv> addr' requires an address and optionally a port.\n";
  constexpr std::string_view by = "by 'stats socket command'";
  asio::error_code invalid;
  const auto address = asio::ip::make_address(words[2], invalid);
  if (invalid) return fmt::format("Invalid addr '{}' {}\n", words[2], by);
  const std::uint16_t old_port = server.address ? server.address->port() : server.config.port;
  std::uint16_t port = old_port;
  if (has_port) {
    int parsed = 0;
    const auto& text = words[4];
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || end != text.data() + text.size() || parsed < 1 || parsed > 65535)
      return fmt::format("Invalid port '{}' {}\n", text, by);
    port = static_cast<std::uint16_t>(parsed);
  }
  const std::string old_address = server.address ? server.address->address().to_string() : "-";
  const std::string ip_part =
      server.address && server.address->address() == address
          ? std::string("no need to change the addr")
          : fmt::format("IP changed from '{}' to '{}'", old_address, address.to_string());
  std::string port_part;
  if (has_port)
    port_part = port == old_port ? ", no need to change the port"
                                 : fmt::format(", port changed from '{}' to '{}'", old_port, port);
  found.control->apply_address(found.id, asio::ip::tcp::endpoint(address, port),
                               std::string(by.substr(3)));
  return fmt::format("{}{} {}\n", ip_part, port_part, by);
}

// `show stat` alone, or with HAProxy's three filters: a proxy (its rank
// from 1, or its name; -1 for all), a type mask (1 frontends, 2 backends,
// 4 servers; -1 for all) and a server id (-1 for all). HAProxy's output
// options (typed, json, desc, up, no-maint) are not taken.
Answer Commands::show_stat(const Words& arguments) const {
  if (arguments.size() != 0 && arguments.size() != 3)
    return "Usage: show stat [{<iid>|<proxy>} <type> <sid>]\n";
  StatFilter filter;
  if (arguments.size() == 3) {
    auto number = [](const std::string& text, int& into) {
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), into);
      return error == std::errc() && end == text.data() + text.size();
    };
    if (!number(arguments[0], filter.proxy_id)) filter.proxy_name = arguments[0];
    if (!number(arguments[1], filter.types) || !number(arguments[2], filter.server_id))
      return "Usage: show stat [{<iid>|<proxy>} <type> <sid>]\n";
    bool known = filter.proxy_name.empty();
    for (const auto& proxy : targets_.proxies) {
      const std::string& name =
          proxy.frontend ? proxy.frontend->name() : proxy.backend->backend().name();
      if (name == filter.proxy_name) known = true;
    }
    if (!known) return "No such proxy.\n";
  }
  std::string text = stats::csv_header();
  for (const auto& row : stat_rows(targets_.proxies, filter)) text += row.csv();
  return text;
}

Answer Commands::show_servers_state(const Words& arguments) const {
  if (arguments[0] != "state") return "Usage: show servers state [<backend>]\n";
  const std::string backend = arguments.size() == 2 ? arguments[1] : std::string();
  if (!backend.empty()) {
    bool known = false;
    for (const auto& proxy : targets_.proxies)
      if (proxy.backend && proxy.backend->backend().name() == backend) known = true;
    if (!known) return "Can't find backend.\n";
  }
  return servers_state(targets_.proxies, backend);
}

namespace {

// "0x101", as `show sess` writes it (HAProxy's are pointers, written the
// same way); nullopt for anything else.
std::optional<std::uint64_t> session_id(const std::string& word) {
  if (word.size() < 3 || word.size() > 18 || word[0] != '0' || (word[1] != 'x' && word[1] != 'X'))
    return std::nullopt;
  std::uint64_t id = 0;
  auto [end, failure] = std::from_chars(word.data() + 2, word.data() + word.size(), id, 16);
  if (failure != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return id;
}

}  // namespace

Answer Commands::show_sess(const Words& arguments) const {
  SessionRequest request;
  if (arguments.empty() || arguments[0] == "all") return request;
  request.session = session_id(arguments[0]);
  if (!request.session)
    return "Session id must be hexadecimal, as 'show sess' writes it (0x...).\n";
  return request;
}

Answer Commands::shutdown_session(const Words& arguments) const {
  SessionRequest request;
  request.kind = SessionRequest::Kind::shut_down_one;
  request.session = session_id(arguments[0]);
  if (!request.session)
    return "Session id must be hexadecimal, as 'show sess' writes it (0x...).\n";
  return request;
}

Answer Commands::shutdown_sessions(const Words& arguments) const {
  if (arguments[0] != "server") return "Usage: shutdown sessions server <backend>/<server>\n";
  FoundServer found = find_server(arguments[1]);
  if (!found.error.empty()) return found.error;
  return SessionRequest{SessionRequest::Kind::shut_down_server, &found.control->backend(), found.id,
                        std::nullopt};
}

Answer Commands::set_database(const Words& arguments) const {
  auto* database = find_database(arguments[0]);
  if (!database) return fmt::format("No such database: '{}'.\n", arguments[0]);
  if (arguments[1] != "capacity") return "Usage: set database <name> capacity <min> <max>\n";
  const auto bounds = config::parse_capacity_bounds(arguments[2], arguments[3]);
  if (const auto* error = std::get_if<std::string>(&bounds)) return *error + "\n";
  database->set_capacity_bounds(std::get<config::CapacityBounds>(bounds));
  return {};
}

}  // namespace borealis::admin

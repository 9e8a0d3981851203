// Keywords of `database` sections, a borealis addition: a serverless
// database whose compute borealis starts, pauses, resumes and resizes.
#include <fmt/format.h>

#include <charconv>

#include "config/address.hpp"
#include "config/capacity_bounds.hpp"
#include "config/keywords.hpp"
#include "config/units.hpp"

namespace borealis::config {
namespace {

// Bounds on what one ACU buys, so capacity * unit stays far from overflow.
constexpr std::uint64_t kMaxAcuMemory = 1024ull << 30;  // 1024g
constexpr double kMaxAcuCpu = 1024;
constexpr int kMaxAcuConnections = 100000;  // MariaDB's own max_connections limit
// MySQL 5.7 and every MariaDB accept user names of 32 characters.
constexpr std::size_t kMaxUserName = 32;

// The single argument of `st`, or an alert saying what it should be.
const std::string* single_argument(const Statement& st, std::string_view what, Reporter& report) {
  if (st.size() < 2 || st.arg(1).empty()) {
    report.alert(st.where, fmt::format("'{}' expects {} as an argument.", st.arg(0), what));
    return nullptr;
  }
  if (!expect_at_most(st, 2, st.arg(0), report)) return nullptr;
  return &st.arg(1);
}

void kw_engine(const Statement& st, Database& database, Reporter& report) {
  if (!expect_at_most(st, 2, "engine", report)) return;
  const std::string& engine = st.arg(1);
  if (engine == "mariadb") {
    database.engine = Database::Engine::mariadb;
  } else if (engine == "exec") {
    database.engine = Database::Engine::exec;
  } else {
    report.alert(st.where, fmt::format("'engine' expects 'mariadb' or 'exec', got '{}'.", engine));
  }
}

void kw_datadir(const Statement& st, Database& database, Reporter& report) {
  if (const auto* path = single_argument(st, "<path>", report)) database.datadir = *path;
}

void kw_capacity(const Statement& st, Database& database, Reporter& report) {
  if (st.size() < 3) {
    report.alert(st.where, "'capacity' expects <min> and <max> in ACU (e.g. 'capacity 0 8').");
    return;
  }
  if (!expect_at_most(st, 3, "capacity", report)) return;
  const auto bounds = parse_capacity_bounds(st.arg(1), st.arg(2));
  if (const auto* error = std::get_if<std::string>(&bounds)) {
    report.alert(st.where, *error);
    return;
  }
  database.capacity_min = std::get<CapacityBounds>(bounds).min;
  database.capacity_max = std::get<CapacityBounds>(bounds).max;
}

bool acu_memory(const Statement& st, std::size_t i, CapacityUnit& unit, Reporter& report) {
  const auto size = parse_size(st.arg(i));
  if (!size || *size == 0 || *size > kMaxAcuMemory) {
    report.alert(st.where, fmt::format("'acu memory' expects a size above 0 and at most 1024g "
                                       "(units k, m, g), got '{}'.",
                                       st.arg(i)));
    return false;
  }
  unit.memory_bytes = *size;
  return true;
}

bool acu_cpu(const Statement& st, std::size_t i, CapacityUnit& unit, Reporter& report) {
  const auto cores = parse_decimal(st.arg(i));
  if (!cores || *cores <= 0 || *cores > kMaxAcuCpu) {
    report.alert(st.where, fmt::format("'acu cpu' expects a number of cores above 0 and at most "
                                       "{} (e.g. 0.25), got '{}'.",
                                       kMaxAcuCpu, st.arg(i)));
    return false;
  }
  unit.cpu = *cores;
  return true;
}

bool acu_connections(const Statement& st, std::size_t i, CapacityUnit& unit, Reporter& report) {
  return read_int(st, i, "acu connections", 1, kMaxAcuConnections, unit.connections, report);
}

struct AcuSetting {
  std::string_view name;
  std::string_view value;  // for messages
  bool (*parse)(const Statement&, std::size_t, CapacityUnit&, Reporter&);
};

constexpr AcuSetting kAcuSettings[] = {
    {"memory", "<size>", acu_memory},
    {"cpu", "<cores>", acu_cpu},
    {"connections", "<number>", acu_connections},
};

// `acu [memory SIZE] [cpu CORES] [connections N]`: any subset, any order;
// settings not given keep their value. Nothing changes if a word is wrong.
void kw_acu(const Statement& st, Database& database, Reporter& report) {
  if (st.size() < 2) {
    report.alert(st.where,
                 "'acu' expects 'memory <size>', 'cpu <cores>' or 'connections "
                 "<number>'.");
    return;
  }
  CapacityUnit unit = database.acu;
  bool seen[std::size(kAcuSettings)] = {};
  for (std::size_t i = 1; i < st.size(); i += 2) {
    const AcuSetting* setting = nullptr;
    for (const auto& candidate : kAcuSettings)
      if (candidate.name == st.arg(i)) setting = &candidate;
    if (!setting) {
      report.alert(st.where, fmt::format("'acu' : unknown setting '{}', expects 'memory', 'cpu' "
                                         "or 'connections'.",
                                         st.arg(i)));
      return;
    }
    bool& given = seen[setting - kAcuSettings];
    if (given) {
      report.alert(st.where, fmt::format("'acu' : '{}' is given twice.", setting->name));
      return;
    }
    given = true;
    if (i + 1 >= st.size() || st.arg(i + 1).empty()) {
      report.alert(st.where,
                   fmt::format("'acu {}' expects {} as argument.", setting->name, setting->value));
      return;
    }
    if (!setting->parse(st, i + 1, unit, report)) return;
  }
  database.acu = unit;
}

// `KEYWORD T|off`: a delay, or none.
void delay_or_off(const Statement& st, std::string_view keyword, bool positive,
                  std::optional<Duration>& out, Reporter& report) {
  if (!expect_at_most(st, 2, keyword, report)) return;
  if (st.arg(1) == "off") {
    out.reset();
    return;
  }
  Duration delay{};
  if (read_time(st, 1, keyword, positive, delay, report)) out = delay;
}

void kw_auto_pause(const Statement& st, Database& database, Reporter& report) {
  delay_or_off(st, "auto-pause", true, database.auto_pause, report);
}

void kw_auto_pause_deep(const Statement& st, Database& database, Reporter& report) {
  delay_or_off(st, "auto-pause-deep", false, database.auto_pause_deep, report);
}

void kw_timeout(const Statement& st, Database& database, Reporter& report) {
  const std::string& name = st.arg(1);
  Duration* field = nullptr;
  if (name == "resume") field = &database.timeout_resume;
  if (name == "command") field = &database.timeout_command;
  if (!field) {
    report.alert(st.where,
                 fmt::format("'timeout' supports 'resume' and 'command' (got '{}').", name));
    return;
  }
  if (expect_at_most(st, 3, "timeout", report))
    read_time(st, 2, fmt::format("timeout {}", name), true, *field, report);
}

void kw_scale_down_delay(const Statement& st, Database& database, Reporter& report) {
  if (expect_at_most(st, 2, "scale-down-delay", report))
    read_time(st, 1, "scale-down-delay", false, database.scale_down_delay, report);
}

bool is_user_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxUserName) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

void kw_user(const Statement& st, Database& database, Reporter& report) {
  const auto* name = single_argument(st, "<name>", report);
  if (!name) return;
  if (!is_user_name(*name)) {
    report.alert(st.where, fmt::format("'user' expects a name of 1 to {} letters, digits or '_', "
                                       "got '{}'.",
                                       kMaxUserName, *name));
    return;
  }
  database.user = *name;
}

// The operating-system account that runs mariadbd when borealis is root.
void kw_system_user(const Statement& st, Database& database, Reporter& report) {
  const auto* name = single_argument(st, "<account>", report);
  if (!name) return;
  if (name->empty() || *name == "root" || *name == "0") {
    report.alert(st.where,
                 "'system-user' must name an unprivileged account: mariadbd never runs "
                 "as root.");
    return;
  }
  database.system_user = *name;
}

void kw_maxqueue(const Statement& st, Database& database, Reporter& report) {
  const auto* text = single_argument(st, "<number>", report);
  if (!text) return;
  int value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < 1) {
    report.alert(
        st.where,
        fmt::format("'maxqueue' expects a positive number of connections, got '{}'.", *text));
    return;
  }
  database.maxqueue = value;
}

void kw_mariadbd(const Statement& st, Database& database, Reporter& report) {
  if (const auto* path = single_argument(st, "<path>", report)) database.mariadbd = *path;
}

void kw_mariadbd_option(const Statement& st, Database& database, Reporter& report) {
  const auto* option = single_argument(st, "<option>", report);
  if (!option) return;
  if (!option->starts_with("-")) {
    report.alert(st.where, fmt::format("'mariadbd-option' expects a mariadbd option starting "
                                       "with '-' (e.g. --innodb-log-file-size=48M), got '{}'.",
                                       *option));
    return;
  }
  database.mariadbd_options.push_back(*option);
}

// A shell command is one word: quoted when it has spaces.
void read_command(const Statement& st, std::string& out, Reporter& report) {
  if (st.size() < 2 || st.arg(1).empty()) {
    report.alert(st.where, fmt::format("'{}' expects a shell command as an argument.", st.arg(0)));
    return;
  }
  if (st.size() > 2) {
    report.alert(st.where, fmt::format("'{}' expects one argument; quote a command with spaces: "
                                       "{} \"{}\".",
                                       st.arg(0), st.arg(0), st.joined(1, st.size())));
    return;
  }
  out = st.arg(1);
}

void kw_start_command(const Statement& st, Database& database, Reporter& report) {
  read_command(st, database.start_command, report);
}
void kw_stop_command(const Statement& st, Database& database, Reporter& report) {
  read_command(st, database.stop_command, report);
}
void kw_scale_command(const Statement& st, Database& database, Reporter& report) {
  read_command(st, database.scale_command, report);
}

void kw_address(const Statement& st, Database& database, Reporter& report) {
  const auto* text = single_argument(st, "<ip>:<port>", report);
  if (!text) return;
  const auto address = parse_host_port(*text);
  if (!address || !address->prefix.empty() || !is_ip_literal(address->host) || !address->has_port ||
      address->port == 0) {
    report.alert(st.where, fmt::format("'address' expects an IP address and a port (e.g. "
                                       "127.0.0.1:3306), got '{}'.",
                                       *text));
    return;
  }
  database.address = address->host;
  database.port = address->port;
}

struct DatabaseKeyword {
  std::string_view name;
  void (*parse)(const Statement&, Database&, Reporter&);
};

constexpr DatabaseKeyword kDatabaseKeywords[] = {
    {"engine", kw_engine},
    {"datadir", kw_datadir},
    {"capacity", kw_capacity},
    {"acu", kw_acu},
    {"auto-pause", kw_auto_pause},
    {"auto-pause-deep", kw_auto_pause_deep},
    {"timeout", kw_timeout},
    {"scale-down-delay", kw_scale_down_delay},
    {"user", kw_user},
    {"system-user", kw_system_user},
    {"maxqueue", kw_maxqueue},
    {"mariadbd", kw_mariadbd},
    {"mariadbd-option", kw_mariadbd_option},
    {"start-command", kw_start_command},
    {"stop-command", kw_stop_command},
    {"scale-command", kw_scale_command},
    {"address", kw_address},
};

// Keywords that only one engine uses.
struct EngineKeyword {
  std::string_view name;
  Database::Engine engine;
};

constexpr EngineKeyword kEngineKeywords[] = {
    {"datadir", Database::Engine::mariadb},
    {"user", Database::Engine::mariadb},
    {"system-user", Database::Engine::mariadb},
    {"mariadbd", Database::Engine::mariadb},
    {"mariadbd-option", Database::Engine::mariadb},
    {"start-command", Database::Engine::exec},
    {"stop-command", Database::Engine::exec},
    {"scale-command", Database::Engine::exec},
    {"address", Database::Engine::exec},
};

void check_engine_keywords(const Database& database, Reporter& report) {
  for (const auto& line : database.keyword_lines) {
    for (const auto& keyword : kEngineKeywords) {
      if (keyword.name != line.keyword || keyword.engine == database.engine) continue;
      report.alert(line.where, fmt::format("'{}' is only valid with 'engine {}' (database '{}' "
                                           "uses 'engine {}').",
                                           line.keyword, engine_name(keyword.engine), database.name,
                                           engine_name(database.engine)));
    }
  }
}

void require(const Database& database, bool present, std::string_view keyword, Reporter& report) {
  if (present) return;
  report.alert(database.where, fmt::format("database '{}' : engine '{}' requires '{}'.",
                                           database.name, engine_name(database.engine), keyword));
}

void check_auto_pause(const Database& database, Reporter& report) {
  if (database.capacity_min == 0 || !database.auto_pause) return;
  const KeywordLine* last = nullptr;
  for (const auto& line : database.keyword_lines)
    if (line.keyword == "auto-pause") last = &line;
  if (!last) return;  // the default: nothing to warn about
  report.warning(last->where, "'auto-pause' has no effect: capacity minimum is above 0.");
}

// The exec engine has no warm pause: its commands only start and stop.
void check_auto_pause_deep(const Database& database, Reporter& report) {
  if (database.engine != Database::Engine::exec) return;
  for (const auto& line : database.keyword_lines)
    if (line.keyword == "auto-pause-deep")
      report.warning(line.where,
                     "'auto-pause-deep' has no effect with 'engine exec': its pauses are deep.");
}

}  // namespace

std::string_view engine_name(Database::Engine engine) {
  switch (engine) {
    case Database::Engine::mariadb:
      return "mariadb";
    case Database::Engine::exec:
      return "exec";
  }
  return "engine";
}

void parse_database_statement(const Statement& st, Database& database, Reporter& report) {
  for (const auto& keyword : kDatabaseKeywords) {
    if (keyword.name != st.arg(0)) continue;
    // Only lines that took effect count for the whole-section checks.
    const auto before = report.diagnostics().size();
    keyword.parse(st, database, report);
    if (report.diagnostics().size() == before)
      database.keyword_lines.push_back(KeywordLine{st.arg(0), st.where});
    return;
  }
  report.alert(st.where, fmt::format("unknown keyword '{}' in 'database' section", st.arg(0)));
}

void check_database(const Database& database, Reporter& report) {
  check_engine_keywords(database, report);
  if (database.engine == Database::Engine::mariadb) {
    require(database, !database.datadir.empty(), "datadir", report);
  } else {
    require(database, !database.start_command.empty(), "start-command", report);
    require(database, !database.stop_command.empty(), "stop-command", report);
    require(database, !database.address.empty(), "address", report);
  }
  check_auto_pause(database, report);
  check_auto_pause_deep(database, report);
}

}  // namespace borealis::config

// Splits the text into lines and words, tracks the current section and hands
// each statement to that section's keyword table.
#include "config/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "config/keywords.hpp"
#include "config/lexer.hpp"
#include "config/statement.hpp"
#include "config/unsupported_keywords.hpp"
#include "config/validate.hpp"

namespace borealis::config {
namespace {

class ConfigReader {
 public:
  void read_text(std::string_view text, const std::string& file_name);
  void alert_unreadable(const std::string& path, const std::string& reason);
  ParseResult finish();

 private:
  enum class Section { none, global, proxy, resolvers, database, skipped };

  void read_line(std::string_view line, const SourceLocation& where);
  bool section_header(const Statement& st);
  void dispatch(const Statement& st);

  void open_global(const Statement& st);
  void open_defaults(const Statement& st);
  void open_proxy(const Statement& st, Proxy::Kind kind);
  void open_resolvers(const Statement& st);
  void open_database(const Statement& st);

  bool check_section_name(const Statement& st, std::string_view name);
  // The defaults a new section starts from: `from NAME`, else the last one.
  // `source`, when given, is pointed at that defaults section (or null).
  bool base_defaults(const Statement& st, std::size_t from_index, Proxy& out,
                     Proxy** source = nullptr);
  bool inherit_rules(const Statement& st, Proxy::Kind kind, Proxy* source);
  bool check_unique_proxy(const Statement& st, Proxy::Kind kind, const std::string& name);
  Proxy& current_proxy();

  Config config_;
  Reporter report_;
  Section section_ = Section::none;
  std::string section_word_;
  std::vector<Proxy> defaults_;  // every defaults section, in file order
  bool in_defaults_ = false;     // the current proxy is defaults_.back()
};

bool ConfigReader::check_section_name(const Statement& st, std::string_view name) {
  if (name.empty()) {
    report_.alert(st.where, fmt::format("'{}' expects <name> as an argument.", st.arg(0)));
    return false;
  }
  if (const char bad = invalid_name_char(name)) {
    report_.alert(st.where, fmt::format("character '{}' is not permitted in '{}' name '{}'.", bad,
                                        st.arg(0), name));
    return false;
  }
  return true;
}

bool ConfigReader::base_defaults(const Statement& st, std::size_t from_index, Proxy& out,
                                 Proxy** source) {
  if (source) *source = nullptr;
  out = Proxy{};
  if (st.size() > from_index) {
    if (st.arg(from_index) != "from" || st.arg(from_index + 1).empty()) {
      report_.alert(st.where, fmt::format("'{}' : unexpected argument '{}', expects 'from "
                                          "<defaults name>'.",
                                          st.arg(0), st.arg(from_index)));
      return false;
    }
    if (!expect_at_most(st, from_index + 2, st.arg(0), report_)) return false;
    const std::string& name = st.arg(from_index + 1);
    const auto found = std::find_if(defaults_.rbegin(), defaults_.rend(),
                                    [&](const Proxy& d) { return d.name == name; });
    if (found == defaults_.rend()) {
      report_.alert(st.where, fmt::format("defaults section '{}' not found for {} '{}'.", name,
                                          st.arg(0), st.arg(1)));
      return false;
    }
    out = *found;
    if (source) *source = &*found;
  } else if (!defaults_.empty() && st.arg(0) != "defaults") {
    out = defaults_.back();
    if (source) *source = &defaults_.back();
  }
  // ACL names stay in the section that declared them; rules keep theirs.
  out.acls.clear();
  return true;
}

// HAProxy lets the rules of a defaults section go to frontends or to
// backends, not both, and never to a listen (which is both).
bool ConfigReader::inherit_rules(const Statement& st, Proxy::Kind kind, Proxy* source) {
  if (!source || source->tcp_request_rules.empty()) return true;
  if (kind == Proxy::Kind::listen) {
    report_.alert(st.where,
                  "a listen section cannot inherit from a defaults section defining "
                  "TCP/HTTP rules.");
    return false;
  }
  const bool frontend = kind == Proxy::Kind::frontend;
  if (frontend ? source->rules_inherited_by_backend : source->rules_inherited_by_frontend) {
    report_.alert(st.where, fmt::format("frontends and backends cannot inherit from the same "
                                        "defaults section if it defines TCP/HTTP rules "
                                        "(defaults section at {}:{}).",
                                        source->where.file, source->where.line));
    return false;
  }
  (frontend ? source->rules_inherited_by_frontend : source->rules_inherited_by_backend) = true;
  return true;
}

bool ConfigReader::check_unique_proxy(const Statement& st, Proxy::Kind kind,
                                      const std::string& name) {
  // A frontend and a backend may share a name; a listen is both.
  const auto conflicts = [kind](Proxy::Kind other) {
    if (kind == Proxy::Kind::listen || other == Proxy::Kind::listen) return true;
    return kind == other;
  };
  for (const auto& other : config_.proxies) {
    if (other.name != name || !conflicts(other.kind)) continue;
    report_.alert(st.where, fmt::format("{} '{}' has the same name as {} '{}' declared at {}:{}.",
                                        proxy_kind_name(kind), name, proxy_kind_name(other.kind),
                                        other.name, other.where.file, other.where.line));
    return false;
  }
  return true;
}

void ConfigReader::open_global(const Statement& st) {
  expect_at_most(st, 1, "global", report_);
  section_ = Section::global;
}

void ConfigReader::open_defaults(const Statement& st) {
  // `defaults`, `defaults NAME`, `defaults NAME from OTHER`.
  const bool named = st.size() > 1 && st.arg(1) != "from";
  if (named && !check_section_name(st, st.arg(1))) return;
  Proxy proxy;
  if (!base_defaults(st, named ? 2 : 1, proxy)) return;
  proxy.kind = Proxy::Kind::defaults;
  proxy.name = named ? st.arg(1) : std::string();
  proxy.rules_inherited_by_frontend = proxy.rules_inherited_by_backend = false;
  proxy.where = st.where;
  defaults_.push_back(std::move(proxy));
  in_defaults_ = true;
  section_ = Section::proxy;
}

void ConfigReader::open_proxy(const Statement& st, Proxy::Kind kind) {
  if (!check_section_name(st, st.arg(1))) return;
  Proxy proxy;
  Proxy* source = nullptr;
  if (!base_defaults(st, 2, proxy, &source)) return;
  if (!inherit_rules(st, kind, source)) return;
  if (!check_unique_proxy(st, kind, st.arg(1))) return;
  proxy.kind = kind;
  proxy.name = st.arg(1);
  proxy.where = st.where;
  proxy.binds.clear();
  proxy.servers.clear();
  proxy.rules_inherited_by_frontend = proxy.rules_inherited_by_backend = false;
  // A backend has no use for connection and session rules.
  if (kind == Proxy::Kind::backend) proxy.tcp_request_rules.clear();
  config_.proxies.push_back(std::move(proxy));
  in_defaults_ = false;
  section_ = Section::proxy;
}

void ConfigReader::open_resolvers(const Statement& st) {
  if (!check_section_name(st, st.arg(1))) return;
  if (!expect_at_most(st, 2, "resolvers", report_)) return;
  if (const auto* other = config_.find_resolvers(st.arg(1))) {
    report_.alert(st.where, fmt::format("resolvers '{}' has the same name as another resolvers "
                                        "section declared at {}:{}.",
                                        st.arg(1), other->where.file, other->where.line));
    return;
  }
  Resolvers resolvers;
  resolvers.name = st.arg(1);
  resolvers.where = st.where;
  config_.resolvers.push_back(std::move(resolvers));
  section_ = Section::resolvers;
}

void ConfigReader::open_database(const Statement& st) {
  if (!check_section_name(st, st.arg(1))) return;
  if (!expect_at_most(st, 2, "database", report_)) return;
  if (const auto* other = config_.find_database(st.arg(1))) {
    report_.alert(st.where, fmt::format("database '{}' has the same name as another database "
                                        "section declared at {}:{}.",
                                        st.arg(1), other->where.file, other->where.line));
    return;
  }
  Database database;
  database.name = st.arg(1);
  database.where = st.where;
  config_.databases.push_back(std::move(database));
  section_ = Section::database;
}

// Returns true when the statement opened (or tried to open) a section. A
// section whose header is wrong is skipped so its lines do not land in the
// previous one.
bool ConfigReader::section_header(const Statement& st) {
  const std::string& word = st.arg(0);
  const bool known = word == "global" || word == "defaults" || word == "frontend" ||
                     word == "backend" || word == "listen" || word == "resolvers" ||
                     word == "database";
  if (!known && !is_unsupported_haproxy_keyword(KeywordScope::section, word)) return false;
  section_word_ = word;
  section_ = Section::skipped;
  if (word == "global") open_global(st);
  if (word == "defaults") open_defaults(st);
  if (word == "frontend") open_proxy(st, Proxy::Kind::frontend);
  if (word == "backend") open_proxy(st, Proxy::Kind::backend);
  if (word == "listen") open_proxy(st, Proxy::Kind::listen);
  if (word == "resolvers") open_resolvers(st);
  if (word == "database") open_database(st);
  if (!known) {
    report_.alert(st.where, fmt::format("'{}' is an HAProxy section that borealis does not "
                                        "support yet",
                                        word));
  }
  return true;
}

Proxy& ConfigReader::current_proxy() {
  return in_defaults_ ? defaults_.back() : config_.proxies.back();
}

void ConfigReader::dispatch(const Statement& st) {
  switch (section_) {
    case Section::none:
      report_.alert(st.where, fmt::format("unknown keyword '{}' out of section.", st.arg(0)));
      return;
    case Section::global:
      return parse_global_statement(st, config_.global, report_);
    case Section::proxy:
      return parse_proxy_statement(st, current_proxy(), report_);
    case Section::resolvers:
      return parse_resolvers_statement(st, config_.resolvers.back(), report_);
    case Section::database:
      return parse_database_statement(st, config_.databases.back(), report_);
    case Section::skipped:
      return;
  }
}

void ConfigReader::read_line(std::string_view line, const SourceLocation& where) {
  if (const auto nul = line.find('\0'); nul != std::string_view::npos) {
    report_.alert(where, fmt::format("stray NUL character at position {}.", nul + 1));
    return;
  }
  const LexContext context{where.file, where.line, section_word_};
  auto lexed = tokenize_line(line, context);
  if (!lexed.ok()) {
    report_.alert(where, lexed.error);
    return;
  }
  if (lexed.words.empty()) return;
  Statement st{std::move(lexed.words), where, section_word_};
  if (st.arg(0).starts_with(".")) {
    // Conditional blocks and .diag/.notice/.warning/.alert directives.
    return report_unsupported_feature(st, fmt::format("'{}' directives", st.arg(0)), report_);
  }
  if (section_header(st)) return;
  dispatch(st);
}

void ConfigReader::read_text(std::string_view text, const std::string& file_name) {
  // Each file starts outside any section, as in HAProxy; defaults carry on.
  section_ = Section::none;
  section_word_.clear();
  int line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    ++line_number;
    read_line(text.substr(0, end), SourceLocation{file_name, line_number});
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

void ConfigReader::alert_unreadable(const std::string& path, const std::string& reason) {
  report_.alert({}, fmt::format("Could not open configuration file {} : {}", path, reason));
}

ParseResult ConfigReader::finish() {
  validate(config_, report_);
  return ParseResult{std::move(config_), report_.take()};
}

// The files a -f argument stands for: itself, or a directory's *.cfg files.
std::vector<std::string> expand_path(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return {path};
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    if (entry.path().extension() == ".cfg" && !entry.is_directory(ec))
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool ParseResult::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::alert;
  });
}

ParseResult parse_text(std::string_view text, const std::string& file_name) {
  ConfigReader reader;
  reader.read_text(text, file_name);
  return reader.finish();
}

ParseResult parse_files(const std::vector<std::string>& paths) {
  ConfigReader reader;
  for (const auto& argument : paths) {
    for (const auto& path : expand_path(argument)) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        reader.alert_unreadable(path, std::strerror(errno));
        continue;
      }
      std::ostringstream buffer;
      buffer << in.rdbuf();
      if (in.bad()) {
        reader.alert_unreadable(path, std::strerror(errno));
        continue;
      }
      reader.read_text(buffer.str(), path);
    }
  }
  return reader.finish();
}

}  // namespace borealis::config

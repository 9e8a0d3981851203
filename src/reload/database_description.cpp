#include "reload/database_description.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>

namespace borealis::reload {
namespace {

using serverless::DatabaseState;

// The states a database can be handed over in: the supervisor is held
// between steps, never inside a transition.
constexpr DatabaseState kSteadyStates[] = {DatabaseState::stopped, DatabaseState::running,
                                           DatabaseState::paused, DatabaseState::frozen,
                                           DatabaseState::failed};

std::optional<DatabaseState> steady_state(std::string_view key) {
  for (DatabaseState state : kSteadyStates)
    if (key == serverless::state_key(state)) return state;
  return std::nullopt;
}

template <typename Number>
bool read_number(std::string_view text, Number& value) {
  auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  return failure == std::errc() && end == text.data() + text.size();
}

bool read_capacity(std::string_view text, double& value) {
  // from_chars for double is there in libstdc++ 12.
  return read_number(text, value) && std::isfinite(value) && value >= 0 && value <= 1024;
}

}  // namespace

std::string describe_database(const serverless::DatabaseHandover& handover) {
  return fmt::format("name={} state={} capacity={} pid={} frozen={} resident={} descriptors={}",
                     handover.name, serverless::state_key(handover.state), handover.capacity,
                     handover.engine.pid, handover.engine.frozen ? 1 : 0,
                     handover.engine.frozen_resident_bytes, handover.engine.descriptors.size());
}

std::optional<serverless::DatabaseHandover> parse_database_description(
    std::string_view line, std::size_t& descriptor_count, std::string& error) {
  std::map<std::string_view, std::string_view> fields;
  std::size_t start = 0;
  while (start < line.size()) {
    std::size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    std::string_view token = line.substr(start, end - start);
    start = end + 1;
    const std::size_t equals = token.find('=');
    if (token.empty() || equals == std::string_view::npos || equals == 0) {
      error = fmt::format("not key=value: '{}'", token.substr(0, 40));
      return std::nullopt;
    }
    if (!fields.emplace(token.substr(0, equals), token.substr(equals + 1)).second) {
      error = fmt::format("'{}' given twice", token.substr(0, std::min<std::size_t>(equals, 40)));
      return std::nullopt;
    }
  }
  constexpr const char* kKeys[] = {"name",   "state",    "capacity",   "pid",
                                   "frozen", "resident", "descriptors"};
  if (fields.size() != std::size(kKeys)) {
    error = fmt::format("{} fields where {} are expected", fields.size(), std::size(kKeys));
    return std::nullopt;
  }
  for (const char* key : kKeys)
    if (!fields.contains(key)) {
      error = fmt::format("no '{}'", key);
      return std::nullopt;
    }
  serverless::DatabaseHandover handover;
  handover.name = std::string(fields["name"]);
  auto state = steady_state(fields["state"]);
  int frozen = -1;
  auto fail = [&error](const char* key, std::string_view value) {
    error = fmt::format("bad {} '{}'", key, value.substr(0, 40));
    return std::nullopt;
  };
  if (handover.name.empty()) return fail("name", handover.name);
  if (!state) return fail("state", fields["state"]);
  handover.state = *state;
  if (!read_capacity(fields["capacity"], handover.capacity))
    return fail("capacity", fields["capacity"]);
  if (!read_number(fields["pid"], handover.engine.pid) || handover.engine.pid < 0)
    return fail("pid", fields["pid"]);
  if (!read_number(fields["frozen"], frozen) || (frozen != 0 && frozen != 1))
    return fail("frozen", fields["frozen"]);
  handover.engine.frozen = frozen == 1;
  if (!read_number(fields["resident"], handover.engine.frozen_resident_bytes))
    return fail("resident", fields["resident"]);
  if (!read_number(fields["descriptors"], descriptor_count) ||
      descriptor_count > kMaxEngineDescriptors)
    return fail("descriptors", fields["descriptors"]);
  return handover;
}

}  // namespace borealis::reload

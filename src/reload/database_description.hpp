// A handed-over database as one line of text, sent before its descriptors
// on the runtime API socket (`_getdatabases`):
//
//   name=app state=running capacity=1.5 pid=4242 frozen=0 resident=0 descriptors=4
//
// The reader trusts nothing: an unknown key, a missing one, a state a
// handover cannot be in or a number out of range is an error that names it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "serverless/handover.hpp"

namespace borealis::reload {

inline constexpr std::size_t kMaxEngineDescriptors = 8;

// The line, without its newline; descriptors are counted, not written.
std::string describe_database(const serverless::DatabaseHandover& handover);

// Reads a line made by describe_database(). The descriptors are left empty;
// `descriptor_count` says how many follow for it.
std::optional<serverless::DatabaseHandover> parse_database_description(
    std::string_view line, std::size_t& descriptor_count, std::string& error);

}  // namespace borealis::reload

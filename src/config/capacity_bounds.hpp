// A database's capacity bounds, `capacity MIN MAX`: both in ACU, in steps
// of 0.5, from 0 to 256, the maximum at least the minimum and at least 0.5.
// Read the same way from a configuration file and from the runtime API's
// `set database NAME capacity MIN MAX`.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace borealis::config {

struct CapacityBounds {
  double min = 0;
  double max = 0;
};

// The bounds, or what is wrong with them ("'capacity' : '300' is above the
// limit of 256 ACU.").
std::variant<CapacityBounds, std::string> parse_capacity_bounds(std::string_view min,
                                                                std::string_view max);

}  // namespace borealis::config

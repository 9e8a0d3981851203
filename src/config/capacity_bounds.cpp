#include "config/capacity_bounds.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "config/units.hpp"

namespace borealis::config {
namespace {

constexpr double kMaxCapacity = 256;

// One value, or the error.
std::variant<double, std::string> parse_one(std::string_view text) {
  const auto value = parse_decimal(text);
  if (!value)
    return fmt::format("'capacity' expects a number of ACU in steps of 0.5, got '{}'.", text);
  if (*value < 0) return fmt::format("'capacity' : '{}' is negative.", text);
  if (*value > kMaxCapacity)
    return fmt::format("'capacity' : '{}' is above the limit of {} ACU.", text, kMaxCapacity);
  if (std::floor(*value * 2) != *value * 2)
    return fmt::format("'capacity' : '{}' is not a multiple of 0.5.", text);
  return *value + 0.0;  // no -0
}

}  // namespace

std::variant<CapacityBounds, std::string> parse_capacity_bounds(std::string_view min,
                                                                std::string_view max) {
  const auto low = parse_one(min);
  if (const auto* error = std::get_if<std::string>(&low)) return *error;
  const auto high = parse_one(max);
  if (const auto* error = std::get_if<std::string>(&high)) return *error;
  const CapacityBounds bounds{std::get<double>(low), std::get<double>(high)};
  if (bounds.max < bounds.min)
    return fmt::format("'capacity' : maximum {} is below minimum {}.", max, min);
  if (bounds.max < 0.5)
    return fmt::format("'capacity' : maximum must be at least 0.5, got '{}'.", max);
  return bounds;
}

}  // namespace borealis::config

// Checks that need the whole configuration: references between sections and
// sections that cannot work as written. Internal to the parser.
#pragma once

#include "config/diagnostics.hpp"
#include "config/model.hpp"

namespace borealis::config {

void validate(const Config& config, Reporter& report);

}  // namespace borealis::config

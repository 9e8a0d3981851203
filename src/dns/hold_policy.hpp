// HAProxy's `hold` rule for a failed resolution: the last good address is
// kept while a valid answer was seen within the hold period of the failure's
// status; after that the server goes to maintenance.
#pragma once

#include <optional>

#include "config/model.hpp"
#include "core/clock.hpp"
#include "dns/dns_answer.hpp"

namespace borealis::dns {

config::Duration hold_for(const config::Resolvers& resolvers, AnswerStatus status);

// True while a failure with `status` at `now` should keep the last address.
bool keep_last_address(const config::Resolvers& resolvers, AnswerStatus status,
                       std::optional<core::SteadyTime> last_valid, core::SteadyTime now);

}  // namespace borealis::dns

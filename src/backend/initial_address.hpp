// A server's address before DNS polling starts, following `init-addr`.
#pragma once

#include <optional>
#include <string>

#include "backend/server_state.hpp"

namespace borealis::backend {

// Sets `server.address` from an IP literal or the `init-addr` methods.
// Returns an error message when startup must fail, as HAProxy's
// "could not resolve address" does. borealis's default differs from
// HAProxy's for servers with `resolvers`: they start without an address and
// wait for their resolvers instead of asking the system resolver.
std::optional<std::string> assign_initial_address(ServerState& server);

}  // namespace borealis::backend

// MariaDB's account host patterns (`'app'@'10.0.%'`): whether a connection
// from an address may use an account, and in which order MariaDB tries the
// accounts that match. Only what borealis can decide exactly is decided:
// netmask forms and host names are `unknown`, and the caller then leaves
// the decision to the server.
#pragma once

#include <string_view>

namespace borealis::auth {

enum class HostMatch { yes, no, unknown };

// `address` is a numeric IPv4 or IPv6 address, as the server sees it with
// --skip-name-resolve. Wildcards: `%` any run of characters, `_` one.
HostMatch match_host(std::string_view pattern, std::string_view address);

// MariaDB's order of preference between two host patterns that both match:
// fewer wildcards first, a later first wildcard first ('10.0.0.%' before
// '10.%'), `%` and the empty pattern last. Negative: `a` is preferred.
int compare_host_specificity(std::string_view a, std::string_view b);

}  // namespace borealis::auth

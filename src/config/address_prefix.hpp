// The address patterns of `src` ACLs: "10.0.0.1", "10.0.0.0/8",
// "10.0.0.0/255.0.0.0", "2001:db8::/32", "::1". Pure text parsing.
#pragma once

#include <optional>
#include <string_view>

#include "config/model.hpp"

namespace borealis::config {

// The prefix `text` stands for, with the bits past its length cleared and
// IPv4-mapped IPv6 ("::ffff:10.0.0.0/104") turned into IPv4. Nullopt for
// anything else: host names, lengths out of range, non-contiguous masks.
std::optional<AddressPrefix> parse_address_prefix(std::string_view text);

}  // namespace borealis::config

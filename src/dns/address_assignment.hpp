// Spreads the addresses of one answer over the servers that share the name
// (one for `server`, N for `server-template`). A server keeps its address
// while the answer still holds it, so established traffic patterns do not
// shuffle on every poll; the rest take addresses nobody holds yet.
#pragma once

#include <asio/ip/address.hpp>
#include <optional>
#include <vector>

namespace borealis::dns {

using Assignment = std::vector<std::optional<asio::ip::address>>;

Assignment assign_addresses(const Assignment& current,
                            const std::vector<asio::ip::address>& answer);

}  // namespace borealis::dns

#include "dns/address_assignment.hpp"

#include <algorithm>

namespace borealis::dns {

Assignment assign_addresses(const Assignment& current,
                            const std::vector<asio::ip::address>& answer) {
  Assignment next(current.size());
  std::vector<bool> taken(answer.size(), false);
  for (std::size_t server = 0; server < current.size(); ++server) {
    if (!current[server]) continue;
    for (std::size_t i = 0; i < answer.size(); ++i) {
      if (!taken[i] && answer[i] == *current[server]) {
        next[server] = answer[i];
        taken[i] = true;
        break;
      }
    }
  }
  std::size_t free_index = 0;
  for (std::size_t server = 0; server < current.size(); ++server) {
    if (next[server]) continue;
    while (free_index < answer.size() && taken[free_index]) ++free_index;
    if (free_index == answer.size()) break;
    next[server] = answer[free_index];
    taken[free_index] = true;
  }
  return next;
}

}  // namespace borealis::dns

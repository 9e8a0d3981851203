// How long a relay lets one side stay silent: its `timeout client` or
// `timeout server`, or once it has half-closed, its `-fin` timeout if set.
#pragma once

#include <optional>

#include "config/model.hpp"

namespace borealis::net {

inline std::optional<config::Duration> idle_limit(bool finished_sending,
                                                  std::optional<config::Duration> idle,
                                                  std::optional<config::Duration> fin) {
  if (finished_sending && fin) return fin;
  return idle;
}

}  // namespace borealis::net

#include "backend/server_health.hpp"

#include <algorithm>

namespace borealis::backend {

ServerHealth::ServerHealth(int rise, int fall)
    : rise_(std::max(1, rise)), fall_(std::max(1, fall)), health_(rise_ + fall_ - 1) {}

ServerHealth::Change ServerHealth::on_success() {
  int full = rise_ + fall_ - 1;
  if (up_) {
    health_ = full;
    return Change::none;
  }
  if (++health_ < rise_) return Change::none;
  health_ = full;
  up_ = true;
  return Change::went_up;
}

ServerHealth::Change ServerHealth::on_failure() {
  if (!up_) {
    health_ = 0;
    return Change::none;
  }
  if (--health_ >= rise_) return Change::none;
  health_ = 0;
  up_ = false;
  return Change::went_down;
}

config::Duration ServerHealth::next_interval(const config::Server& server) const {
  if (up_ && health_ == rise_ + fall_ - 1) return server.inter;
  if (!up_ && health_ == 0) return server.downinter.value_or(server.inter);
  return server.fastinter.value_or(server.inter);
}

}  // namespace borealis::backend

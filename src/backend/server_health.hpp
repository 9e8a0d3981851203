// The check state of one server, as HAProxy counts it: a health counter from
// 0 to rise+fall-1; the server is up while the counter is at least `rise`.
// A server starts up, goes down after `fall` consecutive failures and comes
// back after `rise` consecutive successes.
#pragma once

#include "config/model.hpp"

namespace borealis::backend {

class ServerHealth {
 public:
  enum class Change { none, went_up, went_down };

  ServerHealth(int rise, int fall);

  Change on_success();
  Change on_failure();

  bool is_up() const { return up_; }
  int counter() const { return health_; }
  // inter when steadily up, downinter when steadily down, fastinter between.
  config::Duration next_interval(const config::Server& server) const;

 private:
  int rise_;
  int fall_;
  int health_;
  bool up_ = true;
};

}  // namespace borealis::backend

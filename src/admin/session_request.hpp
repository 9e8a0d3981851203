// What only the workers can answer, each about its own sessions (`show
// sess [ID]`, `shutdown session ID`, `shutdown sessions server`): the
// runtime API asks every worker through its queue (worker_sessions.hpp).
#pragma once

#include <cstdint>
#include <optional>

namespace borealis::backend {
class Backend;
}

namespace borealis::admin {

struct SessionRequest {
  enum class Kind { list, shut_down_server, shut_down_one };
  Kind kind = Kind::list;
  const backend::Backend* backend = nullptr;  // shut_down_server: whose server
  int server_id = -1;
  std::optional<std::uint64_t> session;  // list: only this one; shut_down_one: which
};

}  // namespace borealis::admin

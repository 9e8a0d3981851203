// What only the workers can answer, each about its own sessions (`show
// sess`, `shutdown sessions server`): the runtime API asks every worker
// through its queue (worker_sessions.hpp).
#pragma once

namespace borealis::backend {
class Backend;
}

namespace borealis::admin {

struct SessionRequest {
  enum class Kind { list, shut_down_server };
  Kind kind = Kind::list;
  const backend::Backend* backend = nullptr;  // shut_down_server: whose server
  int server_id = -1;
};

}  // namespace borealis::admin

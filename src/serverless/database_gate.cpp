#include "serverless/database_gate.hpp"

#include <asio/post.hpp>

namespace borealis::serverless {

const char* state_name(DatabaseState state) {
  switch (state) {
    case DatabaseState::stopped:
      return "stopped";
    case DatabaseState::starting:
      return "starting";
    case DatabaseState::running:
      return "running";
    case DatabaseState::pausing:
      return "pausing";
    case DatabaseState::paused:
      return "paused";
    case DatabaseState::resuming:
      return "resuming";
    case DatabaseState::failed:
      return "failed";
  }
  return "unknown";
}

DatabaseGate::DatabaseGate(asio::io_context& control, std::string name,
                           std::chrono::milliseconds timeout_resume)
    : control_(control),
      name_(std::move(name)),
      timeout_resume_(timeout_resume),
      view_(std::make_shared<const DatabaseView>()) {}

void DatabaseGate::request_resume() {
  if (resume_requested_.exchange(true)) return;
  asio::post(control_, [this] {
    if (on_resume_) on_resume_();
  });
}

}  // namespace borealis::serverless

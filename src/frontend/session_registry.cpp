#include "frontend/session_registry.hpp"

#include <chrono>

#include "backend/backend_view.hpp"

namespace borealis::frontend {

SessionRegistry::Entry::Entry(SessionRegistry& registry, std::string_view frontend,
                              asio::ip::tcp::endpoint client, std::function<void()> shut_down)
    : registry_(registry),
      // Unique across workers: the worker's number in the low bits.
      id_((registry.next_id_++ << 8) | static_cast<std::uint64_t>(registry.worker_ & 0xff)),
      frontend_(frontend),
      client_(client),
      shut_down_(std::move(shut_down)) {
  place_ = registry_.entries_.insert(registry_.entries_.end(), this);
}

SessionRegistry::Entry::~Entry() { registry_.entries_.erase(place_); }

void SessionRegistry::Entry::set_server(const backend::Backend* backend, int server_id) {
  backend_ = backend;
  server_id_ = server_id;
}

std::vector<SessionSummary> SessionRegistry::list(core::SteadyTime now) const {
  std::vector<SessionSummary> sessions;
  sessions.reserve(entries_.size());
  for (const Entry* entry : entries_) {
    SessionSummary summary;
    summary.id = entry->id_;
    summary.frontend = std::string(entry->frontend_);
    if (entry->backend_) {
      summary.backend = entry->backend_->name();
      if (entry->server_id_ >= 0)
        summary.server =
            entry->backend_->config().servers[static_cast<std::size_t>(entry->server_id_)].name;
    }
    summary.client = entry->client_;
    summary.age_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - entry->started_).count();
    summary.worker = worker_;
    sessions.push_back(std::move(summary));
  }
  return sessions;
}

// The sessions are chosen first and shut down after: shutting one down may
// end it (and take it out of the list) before this returns.
int SessionRegistry::shut_down_server_sessions(const backend::Backend* backend, int server_id) {
  std::vector<std::function<void()>*> chosen;
  for (Entry* entry : entries_)
    if (entry->backend_ == backend && entry->server_id_ == server_id)
      chosen.push_back(&entry->shut_down_);
  for (auto* shut_down : chosen) (*shut_down)();
  return static_cast<int>(chosen.size());
}

bool SessionRegistry::shut_down_session(std::uint64_t id) {
  for (Entry* entry : entries_) {
    if (entry->id_ != id) continue;
    entry->shut_down_();  // the session ends later, on this worker's loop
    return true;
  }
  return false;
}

}  // namespace borealis::frontend

// The sessions one worker runs, for the runtime API's `show sess` and
// `shutdown sessions server`. Touched only on that worker's thread:
// sessions enter and leave it there, and the control thread's questions
// reach it through the worker's queue (admin/worker_sessions.hpp), which
// carries copies back. No lock, and nothing shared between threads.
#pragma once

#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace borealis::backend {
class Backend;
}

namespace borealis::frontend {

// What `show sess` says of one session.
struct SessionSummary {
  std::uint64_t id = 0;
  std::string frontend;
  std::string backend;  // empty before one is chosen
  std::string server;   // empty while not connected to one
  asio::ip::tcp::endpoint client;
  long long age_ms = 0;
  int worker = 0;
};

class SessionRegistry {
 public:
  explicit SessionRegistry(int worker) : worker_(worker) {}
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  // A session's place in the registry, for as long as the session lives
  // (a member of the session, destroyed before the session's sockets).
  class Entry {
   public:
    // `shut_down` closes the session's sockets; called on this worker.
    // `frontend` is the frontend's name, which outlives every session.
    Entry(SessionRegistry& registry, std::string_view frontend, asio::ip::tcp::endpoint client,
          std::function<void()> shut_down);
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    void set_client(const asio::ip::tcp::endpoint& client) { client_ = client; }
    // The backend and server the session relays to (server -1: none now).
    // Nothing is copied: a session costs its registry one list node.
    void set_server(const backend::Backend* backend, int server_id);
    void clear_server() { server_id_ = -1; }
    // When the session started (its registration is its first step).
    core::SteadyTime started() const { return started_; }

   private:
    friend class SessionRegistry;
    SessionRegistry& registry_;
    std::list<Entry*>::iterator place_;
    std::uint64_t id_;
    std::string_view frontend_;
    asio::ip::tcp::endpoint client_;
    int server_id_ = -1;  // beside the 28-byte endpoint: no padding
    const backend::Backend* backend_ = nullptr;
    core::SteadyTime started_ = core::SteadyClock::now();
    std::function<void()> shut_down_;
  };

  std::vector<SessionSummary> list(core::SteadyTime now) const;
  // Closes every session relaying to `backend`'s server `server_id`;
  // returns how many.
  int shut_down_server_sessions(const backend::Backend* backend, int server_id);
  // Closes the session `id`; false when this worker has none by that id.
  bool shut_down_session(std::uint64_t id);
  std::size_t size() const { return entries_.size(); }

 private:
  int worker_;
  std::list<Entry*> entries_;  // oldest first
  std::uint64_t next_id_ = 1;
};

}  // namespace borealis::frontend

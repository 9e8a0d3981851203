// What the data plane sees of a serverless database: its state and endpoint
// (an immutable snapshot), a way to ask for a resume, and the count of
// client sessions that use it, which keeps it awake.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/snapshot.hpp"

namespace borealis::serverless {

enum class DatabaseState { stopped, starting, running, pausing, paused, resuming, failed };
constexpr int kDatabaseStateCount = 7;
const char* state_name(DatabaseState state);

struct DatabaseView {
  DatabaseState state = DatabaseState::stopped;
  asio::ip::tcp::endpoint endpoint;
  // Counts failed starts: a session that saw N when it began waiting gives
  // up when it sees more, instead of waiting out its whole timeout.
  unsigned long long failures = 0;
};

class DatabaseGate {
 public:
  DatabaseGate(asio::io_context& control, std::string name,
               std::chrono::milliseconds timeout_resume);

  const std::string& name() const { return name_; }
  // Longest a client connection is held while the database wakes.
  std::chrono::milliseconds timeout_resume() const { return timeout_resume_; }
  std::shared_ptr<const DatabaseView> view() const { return view_.load(); }
  void publish(DatabaseView view) { view_.publish(std::make_shared<const DatabaseView>(view)); }

  // Any thread. Wakes the control plane once, however many sessions ask.
  void request_resume();
  // Control thread: installed before workers start; clears the pending flag.
  void set_resume_handler(std::function<void()> handler) { on_resume_ = std::move(handler); }
  bool take_resume_request() { return resume_requested_.exchange(false); }

  std::atomic<int>& sessions() { return sessions_; }

 private:
  asio::io_context& control_;
  std::string name_;
  std::chrono::milliseconds timeout_resume_;
  core::Snapshot<DatabaseView> view_;
  std::function<void()> on_resume_;
  std::atomic<bool> resume_requested_{false};
  std::atomic<int> sessions_{0};
};

}  // namespace borealis::serverless

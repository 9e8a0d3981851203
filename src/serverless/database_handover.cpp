// DatabaseRuntime across a reload: the old process holds its supervisor
// between steps and hands compute over; the new one adopts it. Compute is
// never stopped or started for a reload, and only one process drives the
// engine at any time.
#include <fmt/format.h>

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "serverless/database_runtime.hpp"

namespace borealis::serverless {

asio::awaitable<std::optional<DatabaseHandover>> DatabaseRuntime::hold(
    std::chrono::milliseconds limit) {
  if (!supervising_ || stop_requested_ || finished_ || hold_wanted_) co_return std::nullopt;
  hold_wanted_ = true;
  wake_.cancel();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!held_ && !stop_requested_ && std::chrono::steady_clock::now() < deadline) {
    hold_changed_.expires_at(deadline);
    asio::error_code ignored;
    co_await hold_changed_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (!held_ || stop_requested_) {
    release_hold();
    co_return std::nullopt;
  }
  DatabaseHandover handover;
  handover.name = config_.name;
  handover.state = state_;
  handover.capacity = capacity_;
  handover.engine = engine_->hand_over();
  co_return handover;
}

// The supervisor between steps, until the hold ends: no call into the
// engine, so the new process may already read the keeper's lifeline.
asio::awaitable<void> DatabaseRuntime::stay_held() {
  held_ = true;
  hold_changed_.cancel();
  while (hold_wanted_ && !stop_requested_) {
    wake_.expires_at(core::SteadyTime::max());
    asio::error_code ignored;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  held_ = false;
}

void DatabaseRuntime::release_hold() {
  hold_wanted_ = false;
  wake_.cancel();
}

void DatabaseRuntime::detach() {
  if (detached_) return;
  detached_ = true;
  hold_wanted_ = false;
  stop_requested_ = true;
  engine_->let_go();
  // Sessions here (a reload lets them finish) reach compute directly from
  // now on; a connection made while it is paused waits in the listener's
  // queue until the new owner resumes it.
  gate_.set_resume_handler(nullptr);
  gate_.publish({DatabaseState::running, engine_->endpoint(), failures_, client_limit(capacity_)});
  wake_.cancel();
  say(logging::Level::notice,
      fmt::format("handed over to the new process while {} at {} ACU; this process's sessions "
                  "go on reaching it",
                  state_name(state_), format_acu(capacity_)));
}

core::Status DatabaseRuntime::adopt(DatabaseHandover handover) {
  handover.engine.running =
      handover.state == DatabaseState::running || handover.state == DatabaseState::frozen;
  if (core::Status adopted = engine_->adopt(std::move(handover.engine), handover.capacity);
      !adopted)
    return adopted;
  gate_.publish_accounts(engine_->accounts());
  adopted_state_ = handover.state;
  capacity_ = handover.capacity;
  return {};
}

// While paused, a connection waiting in the engine's listener queue is a
// client of a process that handed the database over: it asks for a resume
// as one of this process's sessions would.
void DatabaseRuntime::watch_backlog() {
  if (!backlog_.is_open() || backlog_watched_) return;
  backlog_watched_ = true;
  backlog_.async_wait(
      asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& error) {
        // Aborted: the descriptor was closed, maybe with the runtime; this
        // runtime is not touched then.
        if (error) return;
        backlog_watched_ = false;
        const bool paused = state_ == DatabaseState::paused || state_ == DatabaseState::frozen;
        if (paused && !stop_requested_) request_resume();
      });
}

// Compute taken over from a previous process may still serve that
// process's sessions: its connections that are not this process's keep it
// from pausing.
bool DatabaseRuntime::used_from_outside() const {
  return adopted_state_.has_value() && outside_connections_ > 0;
}

}  // namespace borealis::serverless

#include "serverless/database_gate.hpp"

#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <vector>

namespace borealis::serverless {

DatabaseGate::DatabaseGate(asio::io_context& control, std::string name,
                           std::chrono::milliseconds timeout_resume, int maxqueue,
                           core::Clock& clock)
    : control_(control),
      name_(std::move(name)),
      timeout_resume_(timeout_resume),
      maxqueue_(maxqueue),
      clock_(clock),
      view_(std::make_shared<const DatabaseView>()) {}

void DatabaseGate::publish(DatabaseView view) {
  view_.publish(std::make_shared<const DatabaseView>(view));
  wake(0);
}

void DatabaseGate::request_resume() {
  if (resume_requested_.exchange(true)) return;
  asio::post(control_, [this] {
    if (on_resume_) on_resume_();
  });
}

core::SteadyTime DatabaseGate::last_session_end() const {
  return core::SteadyTime(core::SteadyTime::duration(last_session_end_.load()));
}

// Each waiter is woken on its own worker: the posted handler runs there,
// after the waiter's coroutine has suspended, so no wake is lost. A waiter
// already gone is skipped.
void DatabaseGate::wake(std::size_t how_many) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(waiters_mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      auto waiter = it->lock();
      it = waiters_.erase(it);
      if (!waiter) continue;
      woken.push_back(std::move(waiter));
      if (how_many > 0 && woken.size() == how_many) break;
    }
  }
  for (auto& waiter : woken) {
    auto executor = waiter->timer.get_executor();
    asio::post(executor, [weak = std::weak_ptr<Waiter>(waiter)] {
      if (auto alive = weak.lock()) alive->timer.cancel();
    });
  }
}

void DatabaseGate::release_slot() {
  slots_.fetch_sub(1, std::memory_order_relaxed);
  if (held() > 0) wake(1);
}

// A read-modify-write, as in sessions(): of the two on `sessions_`, the
// later one sees the earlier, so either the runtime counts this session or
// this session sees the view the runtime published before counting.
DatabaseGate::Use::Use(DatabaseGate& gate) : gate_(gate) {
  gate_.sessions_.fetch_add(1, std::memory_order_acq_rel);
}

DatabaseGate::Use::~Use() {
  if (has_slot_) gate_.release_slot();
  // The latest use wins: a session that went idle long ago may end after
  // one that was busy until now.
  const auto used_until = (gate_.clock_.now() - idle_).time_since_epoch().count();
  auto known = gate_.last_session_end_.load();
  while (known < used_until && !gate_.last_session_end_.compare_exchange_weak(known, used_until)) {
  }
  gate_.sessions_.fetch_sub(1);
}

bool DatabaseGate::Use::try_take_slot(int limit) {
  if (has_slot_) return true;
  int in_use = gate_.slots_.load(std::memory_order_relaxed);
  while (in_use < limit) {
    if (gate_.slots_.compare_exchange_weak(in_use, in_use + 1, std::memory_order_relaxed)) {
      has_slot_ = true;
      return true;
    }
  }
  return false;
}

asio::awaitable<void> DatabaseGate::Use::wait(core::SteadyTime deadline) {
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(gate_.waiters_mutex_);
    gate_.waiters_.push_back(waiter);
  }
  gate_.held_.fetch_add(1, std::memory_order_relaxed);
  // Sessions wait on the real clock: their deadline is a client's.
  waiter->timer.expires_at(deadline);
  asio::error_code error;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
  gate_.held_.fetch_sub(1, std::memory_order_relaxed);
  if (error != asio::error::operation_aborted) {
    // Timed out: still listed (a woken waiter was removed by wake()).
    std::lock_guard lock(gate_.waiters_mutex_);
    gate_.waiters_.remove_if([&](const std::weak_ptr<Waiter>& entry) {
      return entry.expired() || entry.lock() == waiter;
    });
  }
}

}  // namespace borealis::serverless

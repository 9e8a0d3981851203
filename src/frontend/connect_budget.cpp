#include "frontend/connect_budget.hpp"

#include <algorithm>

namespace borealis::frontend {

namespace {

// HAProxy's turn-around after a refused connection: the longest pause
// (or `timeout connect`, when shorter).
constexpr auto kTurnAround = std::chrono::milliseconds(1000);
// The first pause: short, since a refusal costs the server almost nothing
// and a restarting server is usually back within a second or two.
constexpr auto kFirstPause = std::chrono::milliseconds(50);

}  // namespace

ConnectBudget::ConnectBudget(std::optional<std::chrono::milliseconds> connect_timeout, int retries,
                             std::optional<std::uint32_t> jitter_seed)
    : budget_(connect_timeout.value_or(kTurnAround) * (std::max(retries, 0) + 1)),
      longest_pause_(std::min(kTurnAround, connect_timeout.value_or(kTurnAround))),
      pause_(std::min(kFirstPause, longest_pause_)),
      may_retry_(retries > 0) {
  if (jitter_seed) jitter_.emplace(*jitter_seed);
}

void ConnectBudget::attempt_starts(core::SteadyTime now) {
  if (!deadline_) deadline_ = now + budget_;
}

std::optional<std::chrono::milliseconds> ConnectBudget::pause_after_failure(core::SteadyTime now) {
  ++failures_;
  if (!may_retry_ || !deadline_ || now + pause_ >= *deadline_) return std::nullopt;
  auto pause = pause_;
  if (jitter_) {
    std::uniform_int_distribution<std::chrono::milliseconds::rep> quarter(0, pause.count() / 4);
    pause = std::min(pause + std::chrono::milliseconds(quarter(*jitter_)), longest_pause_);
  }
  pause_ = std::min(pause_ * 2, longest_pause_);
  return pause;
}

}  // namespace borealis::frontend

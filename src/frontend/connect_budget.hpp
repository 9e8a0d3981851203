// How long a new session keeps trying to reach a server. HAProxy spends
// `retries` as a count of attempts, each after a one-second turn-around, so
// a client arriving while its only server restarts fails within seconds
// even when the server is back a moment later. borealis spends the same
// bound as time: `timeout connect` for each of the retries + 1 attempts,
// from the first attempt (not from the session's start: a wait in the
// queue or for a database to resume is not spent from it).
// Refused attempts (a restarting server refuses at once) are tried again
// after a short pause that grows to the turn-around, until that time is
// spent.
// `retries 0` keeps HAProxy's meaning: one attempt, no wait.
// Each pause is lengthened by up to a quarter, at random (never past the
// longest pause), so that clients refused together do not all come back in
// the same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "core/clock.hpp"

namespace borealis::frontend {

class ConnectBudget {
 public:
  // `connect_timeout`: the backend's `timeout connect`, or none (then each
  // attempt is worth one turn-around); `retries`: the backend's `retries`.
  // `jitter_seed`: seeds the pauses' random lengthening; none, no jitter.
  ConnectBudget(std::optional<std::chrono::milliseconds> connect_timeout, int retries,
                std::optional<std::uint32_t> jitter_seed = std::nullopt);

  // An attempt begins at `now`; the first one starts the budget.
  void attempt_starts(core::SteadyTime now);
  // Set by the first attempt.
  std::optional<core::SteadyTime> deadline() const { return deadline_; }

  // After an attempt that failed at `now`: how long to pause before the
  // next one, or nothing when no attempt fits before the deadline (or no
  // attempt was started).
  std::optional<std::chrono::milliseconds> pause_after_failure(core::SteadyTime now);

  // Failed attempts so far.
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds budget_;
  std::optional<core::SteadyTime> deadline_;
  std::chrono::milliseconds longest_pause_;
  std::chrono::milliseconds pause_;
  bool may_retry_;
  int failures_ = 0;
  std::optional<std::minstd_rand> jitter_;
};

}  // namespace borealis::frontend

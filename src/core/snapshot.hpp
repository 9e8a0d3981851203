// Publication of immutable state from the control plane to the data plane.
// The control plane builds a new value and publishes it; workers load the
// current pointer when they need it and keep it for the rest of that step, so
// a reader never sees a half-updated value and never blocks the writer.
#pragma once

#include <atomic>
#include <memory>

namespace borealis::core {

template <typename T>
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const T> load() const { return current_.load(std::memory_order_acquire); }
  void publish(std::shared_ptr<const T> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
};

}  // namespace borealis::core

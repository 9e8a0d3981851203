// The data plane's threads: one event loop per worker, each pinned to its own
// io_context so sessions never cross threads and need no locks.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace borealis::core {

class WorkerPool {
 public:
  explicit WorkerPool(int workers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(contexts_.size()); }
  asio::io_context& context(int worker) { return *contexts_[static_cast<size_t>(worker)]; }

  void start();
  // Lets each loop finish once it has no more work (soft stop).
  void release();
  // Stops every loop now (hard stop).
  void stop();
  void join();

 private:
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace borealis::core

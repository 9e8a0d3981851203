#include "core/worker_pool.hpp"

namespace borealis::core {

WorkerPool::WorkerPool(int workers) {
  for (int i = 0; i < workers; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

WorkerPool::~WorkerPool() {
  stop();
  join();
}

void WorkerPool::start() {
  for (auto& context : contexts_) {
    threads_.emplace_back([ctx = context.get()] { ctx->run(); });
  }
}

void WorkerPool::release() {
  for (auto& guard : guards_) guard.reset();
}

void WorkerPool::stop() {
  for (auto& context : contexts_) context->stop();
}

void WorkerPool::join() {
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

}  // namespace borealis::core

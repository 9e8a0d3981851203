#include "net/buffer_pool.hpp"

namespace borealis::net {

BufferPool::Lease BufferPool::lend() {
  if (idle_.empty()) return Lease(*this, std::make_unique_for_overwrite<char[]>(kBufferSize));
  auto data = std::move(idle_.back());
  idle_.pop_back();
  return Lease(*this, std::move(data));
}

void BufferPool::give_back(std::unique_ptr<char[]> data) {
  if (idle_.size() < kMaxIdleBuffers) idle_.push_back(std::move(data));
}

BufferPool& BufferPool::for_this_thread() {
  thread_local BufferPool pool;
  return pool;
}

}  // namespace borealis::net

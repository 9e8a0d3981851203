// Relay buffers, lent per read and returned after the write, so an idle
// connection holds no buffer at all. One pool per worker thread: no locks.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace borealis::net {

class BufferPool {
 public:
  static constexpr std::size_t kBufferSize = 16 * 1024;  // HAProxy's tune.bufsize
  static constexpr std::size_t kMaxIdleBuffers = 1024;

  class Lease {
   public:
    Lease(BufferPool& pool, std::unique_ptr<char[]> data) : pool_(&pool), data_(std::move(data)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (data_) pool_->give_back(std::move(data_));
    }
    char* data() { return data_.get(); }
    static constexpr std::size_t size() { return kBufferSize; }

   private:
    BufferPool* pool_;
    std::unique_ptr<char[]> data_;
  };

  Lease lend();
  static BufferPool& for_this_thread();

 private:
  void give_back(std::unique_ptr<char[]> data);
  std::vector<std::unique_ptr<char[]>> idle_;
};

}  // namespace borealis::net

// Which server connection each `mode mysql` client session stands for: the
// greeting id borealis gave the client, mapped to the server it logged in
// to and the thread id that server gave it. A client that KILLs another of
// its connections names the greeting id; borealis puts in the server's.
//
// Written twice per session (at login and at its end), read only for a
// KILL: shards keep workers from meeting on one lock.
#pragma once

#include <array>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace borealis::frontend {

struct ServerThread {
  asio::ip::tcp::endpoint server;
  std::uint32_t thread_id = 0;
};

class SessionDirectory {
 public:
  static SessionDirectory& instance();

  void add(std::uint32_t greeting_id, ServerThread thread);
  void remove(std::uint32_t greeting_id);
  std::optional<ServerThread> find(std::uint32_t greeting_id) const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::uint32_t, ServerThread> threads;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard(std::uint32_t id) { return shards_[id % kShards]; }
  const Shard& shard(std::uint32_t id) const { return shards_[id % kShards]; }
  std::array<Shard, kShards> shards_;
};

// A session's entry, for as long as it lives.
class DirectoryEntry {
 public:
  DirectoryEntry() = default;
  DirectoryEntry(const DirectoryEntry&) = delete;
  DirectoryEntry& operator=(const DirectoryEntry&) = delete;
  ~DirectoryEntry() {
    if (id_) SessionDirectory::instance().remove(*id_);
  }
  void set(std::uint32_t greeting_id, ServerThread thread) {
    if (id_) SessionDirectory::instance().remove(*id_);
    id_ = greeting_id;
    SessionDirectory::instance().add(greeting_id, thread);
  }

 private:
  std::optional<std::uint32_t> id_;
};

}  // namespace borealis::frontend

#include "frontend/session_directory.hpp"

namespace borealis::frontend {

SessionDirectory& SessionDirectory::instance() {
  static SessionDirectory directory;
  return directory;
}

void SessionDirectory::add(std::uint32_t greeting_id, ServerThread thread) {
  Shard& s = shard(greeting_id);
  std::lock_guard lock(s.mutex);
  s.threads[greeting_id] = thread;
}

void SessionDirectory::remove(std::uint32_t greeting_id) {
  Shard& s = shard(greeting_id);
  std::lock_guard lock(s.mutex);
  s.threads.erase(greeting_id);
}

std::optional<ServerThread> SessionDirectory::find(std::uint32_t greeting_id) const {
  const Shard& s = shard(greeting_id);
  std::lock_guard lock(s.mutex);
  auto found = s.threads.find(greeting_id);
  if (found == s.threads.end()) return std::nullopt;
  return found->second;
}

}  // namespace borealis::frontend

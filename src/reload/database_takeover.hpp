// The databases of the borealis a reload replaces, taken over its runtime
// API socket (`_getdatabases`, admin/database_handover.hpp). The
// connection stays open while this process prepares: commit() tells the
// old process to let go; closing it without a commit (a failed reload,
// this process's exit) makes the old process supervise them again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "serverless/handover.hpp"

namespace borealis::reload {

class DatabaseTakeover {
 public:
  DatabaseTakeover() = default;
  ~DatabaseTakeover();
  DatabaseTakeover(DatabaseTakeover&& other) noexcept;
  DatabaseTakeover& operator=(DatabaseTakeover&& other) noexcept;

  // Asks the process at runtime API socket `path` for `names`. Those it
  // does not run are not in the answer. nullopt with `error` set when it
  // could not hand them over.
  static std::optional<DatabaseTakeover> ask(const std::string& path,
                                             const std::vector<std::string>& names,
                                             std::string& error);

  // The named database, its descriptors now the caller's (nullopt when the
  // old process did not run it).
  std::optional<serverless::DatabaseHandover> take(const std::string& name);
  // The old process lets go of what was handed over; false with `error`
  // when it did not confirm (it then supervises them again, or is gone).
  bool commit(std::string& error);
  bool active() const { return connection_ >= 0; }

 private:
  void close_everything();

  int connection_ = -1;
  std::vector<serverless::DatabaseHandover> databases_;
};

}  // namespace borealis::reload

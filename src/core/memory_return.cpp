#include "core/memory_return.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstddef>

// jemalloc's control call, when jemalloc is the program's allocator: weak,
// so a build without it (the sanitizer builds, the unit tests) links.
extern "C" int mallctl(const char* name, void* old_value, std::size_t* old_length, void* new_value,
                       std::size_t new_length) __attribute__((weak));

namespace borealis::core {

bool MemoryReturn::should_trim(int active) {
  high_water_ = std::max(high_water_, active);
  if (high_water_ - active < kWorthwhileDrop || active > high_water_ / 2) return false;
  high_water_ = active;
  return true;
}

void give_back_free_memory() {
  // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused pages.
  if (mallctl != nullptr && mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0) return;
  ::malloc_trim(0);
}

}  // namespace borealis::core

// When and how to give freed memory back to the system. An allocator keeps
// what closed sessions freed for later reuse, so after a burst of 10,000
// sessions the process stays at its peak size; giving it back once load
// has clearly fallen brings it back near where it started. The gateway
// samples the session count and calls give_back_free_memory() when
// MemoryReturn says so.
#pragma once

namespace borealis::core {

class MemoryReturn {
 public:
  // Sessions that must have ended since the high-water mark before a trim
  // is worth its cost (it walks the heap).
  static constexpr int kWorthwhileDrop = 256;

  // `active`: sessions now. True when the memory of sessions that ended
  // should be given back: at most half of the high-water mark remains, and
  // at least kWorthwhileDrop ended. The mark then starts again from now.
  bool should_trim(int active);

 private:
  int high_water_ = 0;
};

// Purges jemalloc's arenas when the program runs on jemalloc (borealis's
// own build links it: app/allocator_settings.cpp), else calls glibc's
// malloc_trim. glibc's heap cannot give much back here: asio keeps every
// socket's state for reuse, one or two in most pages of a heap that
// sessions shared with them; jemalloc keeps objects of one size together.
void give_back_free_memory();

}  // namespace borealis::core

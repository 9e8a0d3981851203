// When to give freed memory back to the system. malloc keeps what closed
// sessions freed for later reuse, so after a burst of 10,000 sessions the
// process stays at its peak size; trimming once load has clearly fallen
// brings it back near where it started. Pure logic: the gateway samples
// the session count and trims (malloc_trim) when this says so.
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

}  // namespace borealis::core

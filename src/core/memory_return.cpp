#include "core/memory_return.hpp"

#include <algorithm>

namespace borealis::core {

bool MemoryReturn::should_trim(int active) {
  high_water_ = std::max(high_water_, active);
  if (high_water_ - active < kWorthwhileDrop || active > high_water_ / 2) return false;
  high_water_ = active;
  return true;
}

}  // namespace borealis::core

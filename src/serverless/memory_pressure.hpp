// Whether the host is short of memory: a warm pause (compute frozen, its
// memory kept) then turns deep (compute stopped, its memory freed).
#pragma once

#include <string_view>

namespace borealis::serverless {

// From the text of /proc/meminfo: less than a tenth of the memory is
// available. False when the text does not say.
bool memory_is_short(std::string_view meminfo);
// The same, from this host's /proc/meminfo.
bool host_memory_is_short();

}  // namespace borealis::serverless

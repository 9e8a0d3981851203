// Feeds arbitrary bytes, as the old process of a reload would send them, to
// the receiver of handed-over descriptors: never a crash or a hang, an
// error or exactly the announced descriptors (bytes alone carry none).
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "reload/descriptor_passing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // more than a socket pair buffers without a reader
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) std::abort();
  if (size > 0 && ::write(ends[0], data, size) != static_cast<ssize_t>(size)) std::abort();
  ::close(ends[0]);
  std::string error;
  auto received =
      borealis::reload::receive_descriptors(ends[1], std::chrono::milliseconds(5), error);
  ::close(ends[1]);
  // Bytes alone carry no descriptors: whatever they say, none comes back,
  // and an error is said for anything but a count of zero.
  if (!received.empty()) std::abort();
  return 0;
}

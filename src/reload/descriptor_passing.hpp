// Descriptors sent from one process to another over a unix socket
// (SCM_RIGHTS): how a reloading borealis takes the listening sockets of the
// one it replaces, so that no connection waiting in their queues is lost.
//
// Both wait with poll() whether the socket blocks or not. On the wire: a line with the count
// ("3\n"), then the descriptors in batches of at most kBatch, each batch on one byte. The receiver
// takes at most kMaxDescriptors and waits at most the given time: a peer that sends garbage, too
// many or nothing gets an error, never a hang.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace borealis::reload {

inline constexpr std::size_t kBatch = 200;  // under the kernel's SCM_MAX_FD (253)
inline constexpr std::size_t kMaxDescriptors = 4096;

// Sends `descriptors` (which stay open here) on the connected unix socket
// `socket`; false with `error` set when it could not.
bool send_descriptors(int socket, const std::vector<int>& descriptors,
                      std::chrono::milliseconds limit, std::string& error);

// Receives what send_descriptors() sent. The descriptors come close-on-exec
// and belong to the caller; on error, none is left open.
std::vector<int> receive_descriptors(int socket, std::chrono::milliseconds limit,
                                     std::string& error);

}  // namespace borealis::reload
